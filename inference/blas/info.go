package blas

import (
	"fmt"
	"math"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Info says which BLAS and which kernels the products run on.
type Info struct {
	Library string `json:"library"`
	// Core is the kernel set in use, as OpenBLAS names it (Haswell,
	// SkylakeX, …), or "go" for the pure-Go BLAS.
	Core string `json:"core"`
	// CoreSource says who chose Core: "OPENBLAS_CORETYPE" (the user),
	// "camviz" (from the CPU's features), "openblas" (its own detection)
	// or "build" (the purego build).
	CoreSource string `json:"core_source"`
	Config     string `json:"config,omitempty"`
	CPU        CPU    `json:"cpu"`
	// Fallback, when set, is why OpenBLAS is not used.
	Fallback string `json:"fallback,omitempty"`
	// Note, when set, is why the user's OPENBLAS_CORETYPE was not followed.
	Note string `json:"note,omitempty"`
}

// CPU is what camviz reads of the processor.
type CPU struct {
	Arch     string   `json:"arch"`
	Model    string   `json:"model,omitempty"`
	Features []string `json:"features"`
	// Core is the OpenBLAS kernel set these features allow at best, or ""
	// where camviz leaves the choice to OpenBLAS.
	Core string `json:"best_core,omitempty"`
}

func (i Info) String() string {
	s := fmt.Sprintf("%s, %s kernels (chosen by %s) on %s", i.Library, i.Core, i.CoreSource, i.CPU)
	if i.Note != "" {
		s += "; " + i.Note
	}
	if i.Fallback != "" {
		s += "; OpenBLAS not used: " + i.Fallback
	}
	return s
}

func (c CPU) String() string {
	name := c.Model
	if name == "" {
		name = c.Arch
	}
	return fmt.Sprintf("%s [%s]", name, strings.Join(c.Features, " "))
}

// coreRule maps a feature set to the OpenBLAS kernel set written for it.
// The first rule that holds wins; OpenBLAS 0.3.21 (Debian 12) names
// these cores whatever CPU model it knows.
type coreRule struct {
	core string
	has  func() bool
}

var coreRules = []coreRule{
	{"Cooperlake", func() bool { return avx512() && cpu.X86.HasAVX512BF16 }},
	{"SkylakeX", avx512},
	{"Haswell", func() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }},
	{"Sandybridge", func() bool { return cpu.X86.HasAVX }},
	{"Nehalem", func() bool { return cpu.X86.HasSSE42 }},
}

// runnable says whether this CPU can execute the kernel set OpenBLAS calls
// core; names camviz has no rule for are left to OpenBLAS.
func runnable(core string) bool {
	if strings.EqualFold(core, "Zen") {
		core = "Haswell" // the same AVX2 + FMA kernels
	}
	for _, r := range coreRules {
		if strings.EqualFold(r.core, core) {
			return r.has()
		}
	}
	return true
}

// avx512 is the subset OpenBLAS's SkylakeX kernels use (x/sys/cpu checks
// that the OS saves the registers too).
func avx512() bool {
	x := cpu.X86
	return x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512DQ && x.HasAVX512CD
}

// DetectCPU reads the processor's features and the best kernel set for them.
func DetectCPU() CPU {
	c := CPU{Arch: runtime.GOARCH, Model: cpuModel()}
	if runtime.GOARCH != "amd64" {
		return c
	}
	x := cpu.X86
	for _, f := range []struct {
		name string
		has  bool
	}{
		{"sse3", x.HasSSE3}, {"ssse3", x.HasSSSE3}, {"sse4.1", x.HasSSE41}, {"sse4.2", x.HasSSE42},
		{"avx", x.HasAVX}, {"fma", x.HasFMA}, {"avx2", x.HasAVX2}, {"avx512f", x.HasAVX512F},
		{"avx512bw", x.HasAVX512BW}, {"avx512vl", x.HasAVX512VL}, {"avx512dq", x.HasAVX512DQ},
		{"avx512bf16", x.HasAVX512BF16}, {"amx-tile", x.HasAMXTile},
	} {
		if f.has {
			c.Features = append(c.Features, f.name)
		}
	}
	for _, r := range coreRules {
		if r.has() {
			c.Core = r.core
			break
		}
	}
	return c
}

func goGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := gblas.NoTrans, gblas.NoTrans
	if transA {
		ta = gblas.Trans
	}
	if transB {
		tb = gblas.Trans
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// selfCheck compares f with the pure-Go BLAS on small products of every
// transpose, so that a kernel set that computes wrong results on this CPU
// is never used. Sizes are odd to reach the kernels' edge code.
func selfCheck(f gemmFunc) error {
	for _, s := range []struct {
		ta, tb  bool
		m, n, k int
	}{{false, false, 37, 29, 53}, {true, false, 19, 41, 23}, {false, true, 64, 33, 70}, {true, true, 9, 17, 130}} {
		a, b := pattern(s.m*s.k, 1), pattern(s.k*s.n, 2)
		got, want := pattern(s.m*s.n, 3), pattern(s.m*s.n, 3)
		lda, ldb := s.k, s.n
		if s.ta {
			lda = s.m
		}
		if s.tb {
			ldb = s.k
		}
		f(s.ta, s.tb, s.m, s.n, s.k, 0.5, a, lda, b, ldb, 0.25, got, s.n)
		goGemm(s.ta, s.tb, s.m, s.n, s.k, 0.5, a, lda, b, ldb, 0.25, want, s.n)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-4*(1+math.Abs(float64(want[i])))) {
				return fmt.Errorf("%d×%d×%d product (transposes %v, %v): element %d is %g, want %g",
					s.m, s.n, s.k, s.ta, s.tb, i, got[i], want[i])
			}
		}
	}
	return nil
}

// pattern is a deterministic fill in [-1, 1).
func pattern(n, seed int) []float32 {
	v := make([]float32, n)
	x := uint32(seed*2654435761 + 1)
	for i := range v {
		x = x*1664525 + 1013904223
		v[i] = float32(x>>8)/float32(1<<23) - 1
	}
	return v
}
