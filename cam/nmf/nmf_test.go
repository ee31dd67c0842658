package nmf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"camviz/cam/nmf"
)

// lowRank is W·H for random non-negative W (rows×k) and H (k×cols).
func lowRank(rows, cols, k int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	w, h := make([]float64, rows*k), make([]float64, k*cols)
	for i := range w {
		w[i] = rng.Float64()
	}
	for i := range h {
		h[i] = rng.Float64()
	}
	v := make([]float64, rows*cols)
	for i := range rows {
		for j := range cols {
			for a := range k {
				v[i*cols+j] += w[i*k+a] * h[a*cols+j]
			}
		}
	}
	return v
}

// TestReconstructsLowRank: a non-negative matrix of rank 3 is recovered at
// rank 3 (relative error far below what rank 1 leaves), with both factors
// non-negative; the same seed gives the same factors.
func TestReconstructsLowRank(t *testing.T) {
	v := lowRank(40, 30, 3, 7)
	r, err := nmf.Factorize(v, 40, 30, 3, nmf.Options{MaxIter: 3000, Tol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := nmf.Factorize(v, 40, 30, 1, nmf.Options{})
	t.Logf("rank 3: relative error %.2g after %d iterations; rank 1: %.2g", r.RelError, r.Iterations, one.RelError)
	if !(r.RelError < 1e-2) || !(one.RelError > 5*r.RelError) {
		t.Fatalf("rank 3 error %.3g, rank 1 %.3g", r.RelError, one.RelError)
	}
	for _, x := range append(append([]float64(nil), r.W...), r.H...) {
		if x < 0 || math.IsNaN(x) {
			t.Fatalf("factor value %v", x)
		}
	}
	again, _ := nmf.Factorize(v, 40, 30, 3, nmf.Options{MaxIter: 3000, Tol: 1e-12})
	for i := range r.W {
		if r.W[i] != again.W[i] {
			t.Fatal("the same seed gave another W")
		}
	}
}

func TestRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		v          []float64
		rows, cols int
		k          int
		want       string
	}{
		{[]float64{1, -1}, 1, 2, 1, "negative"},
		{[]float64{1, math.NaN()}, 1, 2, 1, "NaN"},
		{[]float64{1, 2}, 1, 2, 2, "rank 2 is outside"},
		{[]float64{1, 2, 3}, 1, 2, 1, "3 values"},
	} {
		if _, err := nmf.Factorize(c.v, c.rows, c.cols, c.k, nmf.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.v, err, c.want)
		}
	}
}

func ExampleFactorize() {
	// Two rank-one patterns added: rows 0–1 follow the first, row 2 the second.
	v := []float64{
		2, 2, 0, 0,
		1, 1, 0, 0,
		0, 0, 3, 3,
	}
	r, _ := nmf.Factorize(v, 3, 4, 2, nmf.Options{MaxIter: 2000, Tol: 1e-14})
	fmt.Printf("relative error < 1e-3: %v\n", r.RelError < 1e-3)
	// Output:
	// relative error < 1e-3: true
}
