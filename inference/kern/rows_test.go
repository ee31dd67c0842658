package kern

import (
	"fmt"
	"math"
	"testing"

	"camviz/inference/blas"
)

// TestRowsBTMatchesDefinition checks RowsBT against α·A·Bᵀ + β·C written
// out in float64, over every row count it takes, depths with and without
// a tail past the 16-wide steps, strides wider than the matrices, β = 0
// over a C holding NaN (not read) and β ≠ 0, and sizes split over
// threads; with the AVX2 path and, where the CPU has it, AVX-512's, which
// reads 8, 4 or 2 rows of B at a time by m (n not a multiple of those:
// the rest one at a time).
func TestRowsBTMatchesDefinition(t *testing.T) {
	if !Available() {
		t.Skip("no few-rows product in this build or on this CPU")
	}
	has512 := wide
	defer func() { wide = has512 }()
	for _, w := range []bool{false, true} {
		if w && !has512 {
			continue
		}
		wide = w
		t.Run(map[bool]string{false: "avx2", true: "avx512"}[w], checkRowsBT)
	}
}

func checkRowsBT(t *testing.T) {
	for _, c := range []struct {
		m, n, k, pad int
		alpha, beta  float32
	}{
		{1, 1, 1, 0, 1, 0}, {2, 3, 15, 1, 1, 0}, {3, 5, 16, 0, 2, 0.5}, {4, 37, 17, 3, 1, 1},
		{5, 8, 33, 0, -1, 0}, {6, 9, 100, 2, 1, 0}, {7, 2, 31, 0, 0.5, 2}, {8, 40, 1000, 1, 1, 0},
		{4, 4096, 600, 0, 1, 1}, // split over threads
		{1, 75, 40, 1, 1, 0}, {2, 9, 16, 0, 1, 0}, {8, 131, 50, 2, 1, 0.5},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			lda, ldb, ldc := c.k+c.pad, c.k+2*c.pad, c.n+c.pad
			a, b := wave(c.m*lda, 0.37), wave(c.n*ldb, 0.11)
			got := wave(c.m*ldc, 2.1)
			if c.beta == 0 {
				for i := range got {
					got[i] = float32(math.NaN())
				}
			}
			old := append([]float32(nil), got...)
			if !RowsBT(c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc) {
				t.Fatal("RowsBT refused a product it takes")
			}
			for i := 0; i < c.m; i++ {
				for j := 0; j < ldc; j++ {
					g := got[i*ldc+j]
					if j >= c.n {
						if math.Float32bits(g) != math.Float32bits(old[i*ldc+j]) {
							t.Fatalf("C[%d][%d] beyond the %d columns changed", i, j, c.n)
						}
						continue
					}
					var v, scale float64
					for k := 0; k < c.k; k++ {
						p := float64(a[i*lda+k]) * float64(b[j*ldb+k])
						v += p
						scale += math.Abs(p)
					}
					v, scale = float64(c.alpha)*v, math.Abs(float64(c.alpha))*scale
					if c.beta != 0 {
						v += float64(c.beta) * float64(old[i*ldc+j])
						scale += math.Abs(float64(c.beta) * float64(old[i*ldc+j]))
					}
					if math.Abs(float64(g)-v) > 1e-5*scale+1e-30 {
						t.Fatalf("C[%d][%d] = %v, want %v (scale %g)", i, j, g, v, scale)
					}
				}
			}
		})
	}
}

func TestRowsBTRefusesTooManyRows(t *testing.T) {
	c := make([]float32, (MaxRows+1)*2)
	if RowsBT(MaxRows+1, 2, 3, 1, make([]float32, (MaxRows+1)*3), 3, make([]float32, 6), 3, 0, c, 2) {
		t.Errorf("RowsBT took %d rows, more than MaxRows", MaxRows+1)
	}
}

// BenchmarkRowsBT times VGG16's fc6 and fc7 on a batch of 4 (Score-CAM's
// masked passes) and fc6 and ResNet-50's fc alone: RowsBT (both tiles)
// against OpenBLAS's sgemm with Bᵀ.
func BenchmarkRowsBT(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{4, 4096, 25088}, {4, 4096, 4096}, {8, 4096, 25088}, {1, 4096, 25088}, {1, 1000, 2048}} {
		a, w := wave(s.m*s.k, 0.37), wave(s.n*s.k, 0.11)
		c := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		name := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
		if Available() {
			benchTiles(b, name, func(b *testing.B) {
				timed(b, flops, func() { RowsBT(s.m, s.n, s.k, 1, a, s.k, w, s.k, 0, c, s.n) })
			})
		}
		b.Run("blas/"+name, func(b *testing.B) {
			timed(b, flops, func() { blas.Gemm(false, true, s.m, s.n, s.k, 1, a, s.k, w, s.k, 0, c, s.n) })
		})
	}
}
