// Package nmf factorises a non-negative matrix into two non-negative
// factors of low rank (non-negative matrix factorisation), for Deep
// Feature Factorization (Collins et al., arXiv:1806.10206).
package nmf

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Result is V ≈ W·H: W is rows×k, H is k×cols, both row-major and ≥ 0.
type Result struct {
	W, H       []float64
	Rows, Cols int
	K          int
	// Iterations run, and the final relative error ‖V − W·H‖_F / ‖V‖_F.
	Iterations int
	RelError   float64
}

// Options are the solver's settings; the zero value takes the defaults.
type Options struct {
	MaxIter int     // default 500
	Tol     float64 // stop when the relative error improves by less; default 1e-6
	Seed    uint64  // random initialisation
}

// Factorize returns W, H ≥ 0 minimising ‖V − W·H‖_F² for V (rows×cols,
// row-major, every value ≥ 0 and finite) by the multiplicative updates of
// Lee and Seung (2001):
//
//	H ← H ⊙ (WᵀV) ⊘ (WᵀW·H + ε),   W ← W ⊙ (V·Hᵀ) ⊘ (W·H·Hᵀ + ε),   ε = 1e-12,
//
// which never increase the error and keep both factors non-negative.
// The start is scikit-learn's init='random': |N(0,1)|·√(mean(V)/k), here
// from a PCG generator seeded with o.Seed, so a seed gives one answer (not
// scikit-learn's numbers: its default solver is coordinate descent and its
// generator numpy's). It stops after o.MaxIter updates or when the
// relative error improves by less than o.Tol.
func Factorize(v []float64, rows, cols, k int, o Options) (Result, error) {
	if rows < 1 || cols < 1 || len(v) != rows*cols {
		return Result{}, fmt.Errorf("nmf: %d values for a %d×%d matrix", len(v), rows, cols)
	}
	if k < 1 || k > min(rows, cols) {
		return Result{}, fmt.Errorf("nmf: rank %d is outside 1…%d for a %d×%d matrix", k, min(rows, cols), rows, cols)
	}
	var mean, norm float64
	for _, x := range v {
		if !(x >= 0) || math.IsInf(x, 1) {
			return Result{}, errors.New("nmf: the matrix has a negative, NaN or infinite value")
		}
		mean += x
		norm += x * x
	}
	mean /= float64(len(v))
	if o.MaxIter == 0 {
		o.MaxIter = 500
	}
	if o.Tol == 0 {
		o.Tol = 1e-6
	}
	r := Result{W: make([]float64, rows*k), H: make([]float64, k*cols), Rows: rows, Cols: cols, K: k}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6e6d66))
	avg := math.Sqrt(mean / float64(k))
	for i := range r.H {
		r.H[i] = avg * math.Abs(rng.NormFloat64())
	}
	for i := range r.W {
		r.W[i] = avg * math.Abs(rng.NormFloat64())
	}
	if norm == 0 {
		clear(r.W)
		clear(r.H)
		return r, nil
	}
	prev := math.Inf(1)
	for it := 1; it <= o.MaxIter; it++ {
		updateH(v, r.W, r.H, rows, cols, k)
		updateW(v, r.W, r.H, rows, cols, k)
		r.Iterations = it
		r.RelError = math.Sqrt(residual(v, r.W, r.H, rows, cols, k) / norm)
		if prev-r.RelError < o.Tol {
			break
		}
		prev = r.RelError
	}
	return r, nil
}

const eps = 1e-12

// updateH is H ← H ⊙ (WᵀV) ⊘ (WᵀW·H + ε).
func updateH(v, w, h []float64, rows, cols, k int) {
	wtw := make([]float64, k*k)
	for a := range k {
		for b := range k {
			var s float64
			for i := range rows {
				s += w[i*k+a] * w[i*k+b]
			}
			wtw[a*k+b] = s
		}
	}
	wtv := make([]float64, k*cols)
	for i := range rows {
		for a := range k {
			wa := w[i*k+a]
			if wa == 0 {
				continue
			}
			for j := range cols {
				wtv[a*cols+j] += wa * v[i*cols+j]
			}
		}
	}
	for a := range k {
		for j := range cols {
			var den float64
			for b := range k {
				den += wtw[a*k+b] * h[b*cols+j]
			}
			h[a*cols+j] *= wtv[a*cols+j] / (den + eps)
		}
	}
}

// updateW is W ← W ⊙ (V·Hᵀ) ⊘ (W·H·Hᵀ + ε).
func updateW(v, w, h []float64, rows, cols, k int) {
	hht := make([]float64, k*k)
	for a := range k {
		for b := range k {
			var s float64
			for j := range cols {
				s += h[a*cols+j] * h[b*cols+j]
			}
			hht[a*k+b] = s
		}
	}
	for i := range rows {
		vht := make([]float64, k)
		for a := range k {
			var s float64
			for j := range cols {
				s += v[i*cols+j] * h[a*cols+j]
			}
			vht[a] = s
		}
		for a := range k {
			var den float64
			for b := range k {
				den += w[i*k+b] * hht[b*k+a]
			}
			w[i*k+a] *= vht[a] / (den + eps)
		}
	}
}

// residual is ‖V − W·H‖_F².
func residual(v, w, h []float64, rows, cols, k int) float64 {
	var s float64
	for i := range rows {
		for j := range cols {
			var p float64
			for a := range k {
				p += w[i*k+a] * h[a*cols+j]
			}
			d := v[i*cols+j] - p
			s += d * d
		}
	}
	return s
}
