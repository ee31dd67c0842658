package inference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmFewRowsMatchesDefinition runs Gemm with Bᵀ on batches of 1 to
// 9 rows (kern's few-rows product takes up to 8, the GEMM the rest) with
// and without that product, against α·A·Bᵀ + β·C in float64, the bias C
// broadcast from one row.
func TestGemmFewRowsMatchesDefinition(t *testing.T) {
	defer func(v bool) { useRows = v }(useRows)
	r := rand.New(rand.NewPCG(7, 8))
	randv := func(n int) []float32 { return normals(r, n) }
	const n, k = 19, 70
	alpha, beta := float32(0.5), float32(2)
	w := &tval{shape: []int{n, k}, f: randv(n * k)}
	bias := &tval{shape: []int{n}, f: randv(n)}
	for _, rows := range []bool{true, false} {
		useRows = rows
		for _, m := range []int{1, 4, 8, 9} {
			t.Run(fmt.Sprintf("rows=%v/m=%d", rows, m), func(t *testing.T) {
				x := &tval{shape: []int{m, k}, f: randv(m * k)}
				g := &gemm{alpha: alpha, beta: beta, transB: true}
				out, _, err := g.forward(newArena(1<<20), []*tval{x, w, bias}, false)
				if err != nil {
					t.Fatal(err)
				}
				for i := range m {
					for j := range n {
						var v, scale float64
						for kk := range k {
							p := float64(x.f[i*k+kk]) * float64(w.f[j*k+kk])
							v += p
							scale += math.Abs(p)
						}
						v = float64(alpha)*v + float64(beta)*float64(bias.f[j])
						if d := math.Abs(float64(out.f[i*n+j]) - v); d > 1e-5*(scale+2) {
							t.Fatalf("Y[%d][%d] = %v, want %v", i, j, out.f[i*n+j], v)
						}
					}
				}
			})
		}
	}
}
