package cam

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestLanczosMatchesFullDecomposition: the Lanczos top eigenpair equals
// the full decomposition's on symmetric matrices with a clear top
// eigenvalue and with a close second one.
func TestLanczosMatchesFullDecomposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, gap := range []float64{1, 1e-3} {
		n := 150
		// Q·diag(d)·Qᵀ with a random orthogonal Q.
		var qr mat.QR
		g := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		qr.Factorize(g)
		var q mat.Dense
		qr.QTo(&q)
		d := make([]float64, n)
		for i := range d {
			d[i] = rng.Float64() * 5
		}
		d[7] = 5 + gap + 1 // the top
		d[9] = 5 + 1       // the second
		var k mat.Dense
		k.Mul(&q, mat.NewDiagDense(n, d))
		k.Mul(&k, q.T())
		sym := mat.NewSymDense(n, nil)
		for i := range n {
			for j := i; j < n; j++ {
				sym.SetSym(i, j, (k.At(i, j)+k.At(j, i))/2)
			}
		}
		lambda, u, ok := lanczosTop(sym, 48, 40)
		if !ok {
			t.Fatalf("gap %g: Lanczos did not converge", gap)
		}
		if want := d[7]; math.Abs(lambda-want) > 1e-9*want {
			t.Errorf("gap %g: λ = %.15g, want %.15g", gap, lambda, want)
		}
		if c := math.Abs(mat.Dot(mat.NewVecDense(n, u), q.ColView(7))); math.Abs(c-1) > 1e-8 {
			t.Errorf("gap %g: |⟨u, q₇⟩| = %.12g, want 1", gap, c)
		}
	}
}
