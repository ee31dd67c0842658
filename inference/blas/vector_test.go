package blas

import (
	"math"
	"strings"
	"testing"
)

// Products with one row or one column of C take the matrix-vector route;
// each transpose and stride must give the textbook result, and beta = 0
// must not let NaN already in C through.
func TestVectorShapedProducts(t *testing.T) {
	for _, tc := range []struct {
		ta, tb  bool
		m, n, k int
		beta    float32
	}{
		{false, false, 1, 37, 53, 0}, {true, false, 1, 37, 53, 0.5},
		{false, true, 1, 37, 53, 0}, {true, true, 1, 37, 53, 1},
		{false, false, 41, 1, 29, 0}, {true, false, 41, 1, 29, 0.5},
		{false, true, 41, 1, 29, 0}, {true, true, 41, 1, 29, 1},
		{false, false, 1, 1, 300, 0},
		{false, true, 1, 4096, 2500, 0}, // big enough to be split over goroutines
	} {
		ar, ac := tc.m, tc.k
		if tc.ta {
			ar, ac = tc.k, tc.m
		}
		br, bc := tc.k, tc.n
		if tc.tb {
			br, bc = tc.n, tc.k
		}
		a, b := fill(ar*ac, 1), fill(br*bc, 2)
		c, want := fill(tc.m*tc.n, 3), fill(tc.m*tc.n, 3)
		if tc.beta == 0 {
			for i := range c {
				c[i] = float32(math.NaN())
			}
		}
		Gemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, 0.75, a, ac, b, bc, tc.beta, c, tc.n)
		naive(tc.ta, tc.tb, tc.m, tc.n, tc.k, 0.75, a, ac, b, bc, tc.beta, want, tc.n)
		for i := range c {
			if d := math.Abs(float64(c[i] - want[i])); !(d <= 1e-4*(1+math.Abs(float64(want[i])))) {
				t.Fatalf("%+v: c[%d]=%v want %v", tc, i, c[i], want[i])
			}
		}
	}
}

func TestSelfCheckCatchesWrongKernels(t *testing.T) {
	if err := selfCheck(goGemm); err != nil {
		t.Fatalf("the reference fails its own check: %v", err)
	}
	offByOne := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		goGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		c[len(c)-1] += 0.01 // an edge-case bug in the last tile
	}
	err := selfCheck(offByOne)
	if err == nil || !strings.Contains(err.Error(), "element") {
		t.Fatalf("a wrong last element passed the check: %v", err)
	}
}

func TestLoadReportsKernels(t *testing.T) {
	info := Load()
	if info.Core == "" || info.Library == "" || info.CoreSource == "" {
		t.Fatalf("incomplete report: %+v", info)
	}
	if info.Fallback != "" && Name == "openblas" {
		t.Logf("OpenBLAS not used here: %s", info.Fallback)
	}
	if s := info.String(); !strings.Contains(s, info.Core) {
		t.Fatalf("String() %q does not name the core", s)
	}
}

func TestBestCoreFollowsFeatures(t *testing.T) {
	c := DetectCPU()
	has := func(f string) bool {
		for _, g := range c.Features {
			if g == f {
				return true
			}
		}
		return false
	}
	var want string
	switch {
	case has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq") && has("avx512bf16"):
		want = "Cooperlake"
	case has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq"):
		want = "SkylakeX"
	case has("avx2") && has("fma"):
		want = "Haswell"
	case has("avx"):
		want = "Sandybridge"
	case has("sse4.2"):
		want = "Nehalem"
	}
	if c.Core != want {
		t.Fatalf("features %v: best core %q, want %q", c.Features, c.Core, want)
	}
}
