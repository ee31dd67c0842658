package blas

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// naive is the textbook triple loop the BLAS must agree with.
func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float32 {
		if transA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	bt := func(p, j int) float32 {
		if transB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += at(i, p) * bt(p, j)
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}

func TestGemmMatchesNaive(t *testing.T) {
	for _, tc := range []struct {
		ta, tb  bool
		m, n, k int
		alpha   float32
		beta    float32
	}{
		{false, false, 3, 4, 5, 1, 0},
		{false, true, 7, 2, 3, 0.5, 1},
		{true, false, 2, 9, 4, 1, 2},
		{true, true, 5, 5, 1, -1, 0.25},
		{false, false, 64, 33, 129, 1, 0},
		// Big enough to be split over goroutines: by columns (n ≥ m), by rows.
		{false, true, 40, 700, 300, 1, 1},
		{true, false, 30, 500, 300, 0.5, 0},
		{false, false, 600, 20, 400, 1, 0.5},
		{true, true, 700, 24, 300, -1, 1},
		{false, true, 1, 4096, 1100, 1, 1},
	} {
		ar, ac := tc.m, tc.k
		if tc.ta {
			ar, ac = tc.k, tc.m
		}
		br, bc := tc.k, tc.n
		if tc.tb {
			br, bc = tc.n, tc.k
		}
		a := fill(ar*ac, 1)
		b := fill(br*bc, 2)
		c := fill(tc.m*tc.n, 3)
		want := append([]float32(nil), c...)
		Gemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, ac, b, bc, tc.beta, c, tc.n)
		naive(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, ac, b, bc, tc.beta, want, tc.n)
		for i := range c {
			if d := math.Abs(float64(c[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%+v: c[%d]=%v want %v", tc, i, c[i], want[i])
			}
		}
	}
}

func TestGemmRejectsShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a too-short A")
		}
	}()
	Gemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
}

func fill(n int, seed float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.Sin(float64(seed) + float64(i)*0.37))
	}
	return s
}

// BenchmarkConvShapedGemm is VGG16's conv3_x product (256×(256·9) times
// (256·9)×56²): 3.7 GFLOP per call.
func BenchmarkConvShapedGemm(b *testing.B) {
	m, n, k := 256, 56*56, 256*9
	a, bb, c := fill(m*k, 1), fill(k*n, 2), make([]float32, m*n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Gemm(false, false, m, n, k, 1, a, k, bb, n, 0, c, n)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// TestSplitCoversEachIndexOnce: the ranges are contiguous, at most
// workers of them, and together cover [0, n) exactly once.
func TestSplitCoversEachIndexOnce(t *testing.T) {
	for _, c := range []struct{ n, workers, ranges int }{
		{0, 4, 1}, {1, 4, 1}, {5, 1, 1}, {5, 2, 2}, {7, 3, 3}, {10, 4, 4}, {9, 4, 3}, {3, 8, 3}, {1000, 2, 2},
	} {
		var mu sync.Mutex
		seen := make([]int, c.n)
		ranges := 0
		Split(c.n, c.workers, func(lo, hi int) {
			mu.Lock()
			defer mu.Unlock()
			ranges++
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		if ranges != c.ranges {
			t.Errorf("Split(%d, %d) made %d ranges, want %d", c.n, c.workers, ranges, c.ranges)
		}
		for i, k := range seen {
			if k != 1 {
				t.Errorf("Split(%d, %d) ran index %d %d times", c.n, c.workers, i, k)
			}
		}
	}
}

// TestSplitRunsLateRangesOnTheCaller: with one P the goroutines Split
// starts cannot run before the caller blocks, so the caller takes every
// range itself and Split returns without waiting for them.
func TestSplitRunsLateRangesOnTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	caller := goroutineID()
	var ids []string
	Split(8, 4, func(lo, hi int) { ids = append(ids, goroutineID()) })
	if len(ids) != 4 {
		t.Fatalf("%d ranges ran, want 4", len(ids))
	}
	for i, id := range ids {
		if id != caller {
			t.Errorf("range %d ran on goroutine %s, not the caller's %s", i, id, caller)
		}
	}
}

// goroutineID is the number in the first line of the running
// goroutine's stack trace ("goroutine 7 [running]:").
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}
