package inference

import (
	"fmt"

	"camviz/inference/blas"
	"camviz/inference/kern"
)

// gemm is ONNX Gemm: Y = alpha·op(A)·op(B) + beta·C. C is only ever read:
// onnx-go's own backend wrote the result into the bias buffer, so every run
// after the first was wrong. TestRepeatedRunsAgree guards against that.
type gemm struct {
	alpha, beta    float32
	transA, transB bool
}

func init() {
	register("Gemm", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) { return newGemm(a) }})
}

func newGemm(a attrs) (kernel, error) {
	g := &gemm{}
	var err error
	if g.alpha, err = a.float("alpha", 1); err != nil {
		return nil, err
	}
	if g.beta, err = a.float("beta", 1); err != nil {
		return nil, err
	}
	ta, err := a.int("transA", 0)
	if err != nil {
		return nil, err
	}
	tb, err := a.int("transB", 0)
	if err != nil {
		return nil, err
	}
	g.transA, g.transB = ta == 1, tb == 1
	return g, nil
}

func (g *gemm) dims(in []*tval) (m, n, k int, err error) {
	if len(in) < 2 || in[1] == nil {
		return 0, 0, 0, fmt.Errorf("Gemm needs two inputs")
	}
	a, b := in[0].shape, in[1].shape
	if len(a) != 2 || len(b) != 2 {
		return 0, 0, 0, fmt.Errorf("Gemm inputs are %s and %s, want 2-D", shapeStr(a), shapeStr(b))
	}
	m, k = a[0], a[1]
	if g.transA {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if g.transB {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, 0, fmt.Errorf("Gemm input has %d features but the weights expect %d (input %s, weights %s)", k, kb, shapeStr(a), shapeStr(b))
	}
	return m, n, k, nil
}

func (g *gemm) infer(in []*tval) ([]int, error) {
	m, n, _, err := g.dims(in)
	if err != nil {
		return nil, err
	}
	if len(in) > 2 && in[2] != nil {
		c := numel(in[2].shape)
		if c != 1 && c != n && c != m*n {
			return nil, fmt.Errorf("Gemm bias %s does not broadcast to [%d×%d]", shapeStr(in[2].shape), m, n)
		}
	}
	return []int{m, n}, nil
}

func (g *gemm) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	m, n, k, err := g.dims(in)
	if err != nil {
		return nil, nil, err
	}
	a, b := in[0], in[1]
	out := ar.newT(m, n)
	beta := float32(0)
	if len(in) > 2 && in[2] != nil && g.beta != 0 {
		c := in[2].f
		for r := 0; r < m; r++ {
			row := out.f[r*n : (r+1)*n]
			switch len(c) {
			case 1:
				for j := range row {
					row[j] = c[0]
				}
			case n:
				copy(row, c)
			default:
				copy(row, c[r*n:(r+1)*n])
			}
		}
		beta = g.beta
	}
	lda, ldb := a.shape[1], b.shape[1]
	// A batch of a few images times the weights as torch stores them
	// (Bᵀ): each weight read once, in place (kern.RowsBT), not packed.
	if !g.transA && g.transB && useRows && kern.RowsBT(m, n, k, g.alpha, a.f, lda, b.f, ldb, beta, out.f, n) {
		return out, nil, nil
	}
	blas.Gemm(g.transA, g.transB, m, n, k, g.alpha, a.f, lda, b.f, ldb, beta, out.f, n)
	return out, nil, nil
}

// useRows lets Gemm take kern's few-rows product; tests turn it off to
// check the GEMM path too.
var useRows = true

// backward gives dA; B is a weight (constant), so it needs no gradient.
// dout may stack several gradients of the output (more rows than the
// forward had): each row of dA depends on its own row of dY only.
func (g *gemm) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	m, n, k, err := g.dims(in)
	if err != nil {
		return nil, err
	}
	if !g.transA {
		m = len(dout) / n
	}
	b := in[1]
	ldb := b.shape[1]
	da := make([]float32, m*k)
	if !g.transA && g.transB && m == 1 && sparse(dout) {
		sparseRowsTimes(da, dout, b.f, m, n, k, g.alpha)
		return da, nil
	}
	if !g.transA {
		// dA = alpha·dY·op(B)ᵀ
		blas.Gemm(false, !g.transB, m, k, n, g.alpha, dout, n, b.f, ldb, 0, da, k)
	} else {
		// A is stored k×m: dAᵀ = alpha·op(B)·dYᵀ
		blas.Gemm(g.transB, true, k, m, n, g.alpha, b.f, ldb, dout, n, 0, da, m)
	}
	return da, nil
}

// sparse reports whether three quarters or more of a gradient are zero,
// as behind a ReLU in a trained network: then reading only the weight
// rows of active units (in scalar Go) beats reading all of them with a
// vectorised BLAS.
func sparse(d []float32) bool {
	zeros := 0
	for _, v := range d {
		if v == 0 {
			zeros++
		}
	}
	return zeros*4 >= 3*len(d)
}

// sparseRowsTimes computes da = alpha·dY·B for B stored n×k, reading only
// the rows of B whose gradient is not zero. For VGG16's fc6 (4096×25088,
// 411 MB) a class switch is memory-bound: skipping the ReLU-inactive half
// of the rows halves it.
func sparseRowsTimes(da, dy, b []float32, m, n, k int, alpha float32) {
	parallel(k, 4096, func(lo, hi int) {
		for j := 0; j < n; j++ {
			row := b[j*k+lo : j*k+hi]
			// Each weight row is read once for all m gradients; after the
			// first, its chunk comes from cache.
			for r := 0; r < m; r++ {
				g := dy[r*n+j]
				if g == 0 {
					continue
				}
				g *= alpha
				dst := da[r*k+lo : r*k+hi]
				for i, w := range row {
					dst[i] += g * w
				}
			}
		}
	})
}
