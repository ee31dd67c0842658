package kern

import (
	"fmt"
	"math"
	"testing"
)

// wave fills n values with a deterministic pattern of both signs.
func wave(n int, f float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.Sin(float64(i)*f+0.3) * (1 + float64(i%3)))
	}
	return s
}

// tiles runs f once for each micro-kernel this CPU can run: the AVX2
// tile and, with AVX-512F, the 6×32 one over two of B's panels.
func tiles(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	if !Available() {
		t.Skip("no packed product in this build or on this CPU")
	}
	has512 := wide
	defer func() { wide = has512 }()
	for _, w := range []bool{false, true} {
		if w && !has512 {
			t.Log("no AVX-512F here: the 6×32 tile is not checked")
			continue
		}
		wide = w
		t.Run(map[bool]string{false: "avx2", true: "avx512"}[w], f)
	}
}

// TestMulMatchesDefinition checks Mul against the product and epilogue
// written out in float64, over shapes with odd edges (rows not a multiple
// of the 6-row panel, columns not of the 16-wide strip, depths across the
// 256-deep blocks), strides wider than the matrices, each epilogue, and
// sizes that split over goroutines by rows and by columns.
func TestMulMatchesDefinition(t *testing.T) { tiles(t, testMulMatchesDefinition) }

func testMulMatchesDefinition(t *testing.T) {
	for _, c := range []struct {
		m, n, k, pad int
		bias, skip   bool
		relu         bool
	}{
		{1, 1, 1, 0, false, false, false},
		{6, 16, 8, 0, true, false, false},
		{7, 17, 3, 2, true, true, true},
		{13, 49, 257, 0, true, true, true},
		{64, 196, 600, 5, false, true, false},
		{2048, 49, 512, 0, true, false, true}, // split by rows
		{64, 3136, 147, 0, true, false, true}, // split by columns
		{100, 300, 513, 3, true, true, true},  // three depth blocks, split by columns
		{5, 1000, 1, 0, false, false, true},
		{12, 32, 9, 1, true, true, true},   // one full pair of panels
		{11, 40, 20, 0, true, true, false}, // a pair and a half panel
		{6, 48, 300, 2, false, true, true}, // a pair and a full single panel, two depth blocks
		{7, 64, 5, 0, true, false, false},  // two pairs, a row past the panel
		{23, 45, 270, 1, true, true, true}, // 12-row tiles over two panels, the second short; a third panel alone
		{30, 17, 17, 0, false, true, true}, // 12-row tiles over a pair with one live column in its second panel
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			lda, ldb, ldc := c.k+c.pad, c.n+c.pad, c.n+2*c.pad
			a, b := wave(c.m*lda, 0.37), wave(c.k*ldb, 0.11)
			var e Epilogue
			if c.bias {
				e.Bias = wave(c.m, 1.3)
			}
			if c.skip {
				e.Skip = wave(c.m*ldc, 0.7)
			}
			e.Relu = c.relu
			// C's old contents must not leak in; a guard row past C's
			// last must stay as it was (the tile's rows past m are not
			// stored).
			buf := wave((c.m+1)*ldc, 2.1)
			guard := append([]float32(nil), buf[c.m*ldc:]...)
			got := buf[:c.m*ldc]
			old := append([]float32(nil), got...)
			NewWeights(a, c.m, c.k, lda).Mul(b, ldb, c.n, got, ldc, e)
			for j, v := range buf[c.m*ldc:] {
				if v != guard[j] {
					t.Fatalf("the row past C's %d changed at column %d", c.m, j)
				}
			}
			for i := 0; i < c.m; i++ {
				for j := 0; j < ldc; j++ {
					g := got[i*ldc+j]
					if j >= c.n {
						if g != old[i*ldc+j] {
							t.Fatalf("C[%d][%d] beyond the %d columns changed", i, j, c.n)
						}
						continue
					}
					var v, scale float64
					for k := 0; k < c.k; k++ {
						p := float64(a[i*lda+k]) * float64(b[k*ldb+j])
						v += p
						scale += math.Abs(p)
					}
					if e.Bias != nil {
						v += float64(e.Bias[i])
						scale += math.Abs(float64(e.Bias[i]))
					}
					if e.Skip != nil {
						v += float64(e.Skip[i*ldc+j])
						scale += math.Abs(float64(e.Skip[i*ldc+j]))
					}
					if e.Relu {
						v = max(v, 0)
					}
					if math.Abs(float64(g)-v) > 1e-5*scale+1e-30 {
						t.Fatalf("C[%d][%d] = %v, want %v (scale %g)", i, j, g, v, scale)
					}
				}
			}
		})
	}
}

// TestMulReluKeepsNaN: a NaN in the product stays NaN through the ReLU,
// as Go's max does in the unfused step.
func TestMulReluKeepsNaN(t *testing.T) {
	tiles(t, func(t *testing.T) {
		for _, n := range []int{3, 32} { // a spilled tile, a full 6×32 one
			a := make([]float32, 6*2)
			for i := range 6 {
				a[2*i], a[2*i+1] = 1, 2
			}
			b := make([]float32, 2*n)
			for j := range n {
				b[j], b[n+j] = -1, 1
			}
			b[0], b[n-1] = float32(math.NaN()), float32(math.NaN()) // in the first and last 16 lanes
			c := make([]float32, 6*n)
			NewWeights(a, 6, 2, 2).Mul(b, n, n, c, n, Epilogue{Relu: true})
			for i := range 6 {
				row := c[i*n : (i+1)*n]
				if !math.IsNaN(float64(row[0])) || row[1] != 1 || !math.IsNaN(float64(row[n-1])) {
					t.Errorf("%d columns: row %d is %v, want [NaN 1 … NaN]", n, i, row)
				}
			}
		}
	})
}

func TestNewWeightsUnavailableOrEmpty(t *testing.T) {
	if p := NewWeights(nil, 0, 3, 3); p != nil {
		t.Errorf("NewWeights of 0 rows = %v, want nil", p)
	}
}

// im2col writes out x's im2col matrix from Image's definition.
func im2col(x Image) []float32 {
	n := x.HO * x.WO
	col := make([]float32, x.C*x.KH*x.KW*n)
	for ch := 0; ch < x.C; ch++ {
		for ky := 0; ky < x.KH; ky++ {
			for kx := 0; kx < x.KW; kx++ {
				r := (ch*x.KH+ky)*x.KW + kx
				for oy := 0; oy < x.HO; oy++ {
					for ox := 0; ox < x.WO; ox++ {
						iy, ix := oy*x.SH-x.PadTop+ky*x.DH, ox*x.SW-x.PadLeft+kx*x.DW
						if iy >= 0 && iy < x.H && ix >= 0 && ix < x.W {
							col[r*n+oy*x.WO+ox] = x.X[(ch*x.H+iy)*x.W+ix]
						}
					}
				}
			}
		}
	}
	return col
}

// TestMulImageMatchesMul: reading B from the image as it is packed gives
// the product of the written-out im2col matrix exactly (the same
// arithmetic on the same packed values), over strides, pads, dilations,
// a 7×7 stem, depths across blocks and widths split over goroutines.
func TestMulImageMatchesMul(t *testing.T) { tiles(t, testMulImageMatchesMul) }

func testMulImageMatchesMul(t *testing.T) {
	for _, g := range []Image{
		{C: 3, H: 9, W: 11, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 1, PadLeft: 1},
		{C: 3, H: 64, W: 60, KH: 7, KW: 7, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 3, PadLeft: 3},
		{C: 40, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 1, PadLeft: 1},
		{C: 5, H: 12, W: 13, KH: 3, KW: 2, SH: 1, SW: 3, DH: 2, DW: 2, PadTop: 2, PadLeft: 0},
		{C: 64, H: 56, W: 56, KH: 1, KW: 1, SH: 2, SW: 2, DH: 1, DW: 1},
		{C: 2, H: 4, W: 4, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 2, PadLeft: 2}, // rows of padding only
	} {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			g.HO = (g.H+2*g.PadTop-(g.KH-1)*g.DH-1)/g.SH + 1
			g.WO = (g.W+2*g.PadLeft-(g.KW-1)*g.DW-1)/g.SW + 1
			g.X = wave(g.C*g.H*g.W, 0.23)
			m, k, n := 19, g.C*g.KH*g.KW, g.HO*g.WO
			p := NewWeights(wave(m*k, 0.41), m, k, k)
			e := Epilogue{Bias: wave(m, 0.9), Skip: wave(m*n, 0.5), Relu: true}
			want, got := make([]float32, m*n), make([]float32, m*n)
			p.Mul(im2col(g), n, n, want, n, e)
			p.MulImage(g, got, n, e)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("[%d] = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestMulConcurrent runs products big enough to split over the pool's
// threads, by rows over B packed once and by columns, from several
// goroutines at once (as the app's passes do: one holds the pool, the
// others compute alone) and checks every result against the definition
// in float64; a chunk taken twice or not at all, or a shared B packed
// for another product, is off by the size of the values.
func TestMulConcurrent(t *testing.T) { tiles(t, testMulConcurrent) }

func testMulConcurrent(t *testing.T) {
	for _, c := range []struct{ m, n, k int }{
		{300, 49, 300},  // by rows: 2·m·n·k above parallelFlops, n below 8 strips a thread
		{64, 600, 120},  // by columns
		{50, 196, 1000}, // by rows, four blocks of B
	} {
		a, b := wave(c.m*c.k, 0.37), wave(c.k*c.n, 0.11)
		e := Epilogue{Bias: wave(c.m, 1.3), Relu: true}
		want, scale := definition(a, b, c.m, c.n, c.k, e)
		p := NewWeights(a, c.m, c.k, c.k)
		errs := make(chan error, 12)
		for g := 0; g < cap(errs); g++ {
			go func() {
				got := make([]float32, c.m*c.n)
				for range 3 {
					p.Mul(b, c.n, c.n, got, c.n, e)
					for i, v := range got {
						if math.Abs(float64(v)-want[i]) > 1e-5*scale[i]+1e-30 {
							errs <- fmt.Errorf("%+v: C[%d] = %v, want %v", c, i, v, want[i])
							return
						}
					}
				}
				errs <- nil
			}()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}

// definition is epilogue(A·B) for dense A [m][k], B [k][n] (Epilogue's
// Skip unused) in float64, with each value's sum of magnitudes.
func definition(a, b []float32, m, n, k int, e Epilogue) (v, scale []float64) {
	v, scale = make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sc float64
			for kk := 0; kk < k; kk++ {
				p := float64(a[i*k+kk]) * float64(b[kk*n+j])
				s += p
				sc += math.Abs(p)
			}
			if e.Bias != nil {
				s += float64(e.Bias[i])
				sc += math.Abs(float64(e.Bias[i]))
			}
			if e.Relu {
				s = max(s, 0)
			}
			v[i*n+j], scale[i*n+j] = s, sc
		}
	}
	return v, scale
}
