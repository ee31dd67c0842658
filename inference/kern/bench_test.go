package kern

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"camviz/inference/blas"
)

// BenchmarkMul times ResNet-50's 1×1 and im2col products (M = output
// channels, N = output positions, K = input taps), packed product with
// bias and ReLU against OpenBLAS's sgemm plus the same epilogue pass.
func BenchmarkMul(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{
		{256, 3136, 64}, {64, 3136, 256}, {1024, 196, 256}, {256, 196, 1024},
		{2048, 49, 512}, {512, 49, 2048}, {64, 12544, 147}, {512, 49, 4608}, {128, 784, 1152},
	} {
		a, x := wave(s.m*s.k, 0.37), wave(s.k*s.n, 0.11)
		bias := wave(s.m, 1.3)
		c := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		name := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
		if Available() {
			p := NewWeights(a, s.m, s.k, s.k)
			benchTiles(b, name, func(b *testing.B) {
				timed(b, flops, func() { p.Mul(x, s.n, s.n, c, s.n, Epilogue{Bias: bias, Relu: true}) })
			})
		}
		b.Run("blas/"+name, func(b *testing.B) {
			t0 := cpuTime()
			for i := 0; i < b.N; i++ {
				blas.Gemm(false, false, s.m, s.n, s.k, 1, a, s.k, x, s.n, 0, c, s.n)
				blas.Split(s.m, blas.Workers(), func(lo, hi int) {
					for r := lo; r < hi; r++ {
						row := c[r*s.n : (r+1)*s.n]
						for j, v := range row {
							row[j] = max(v+bias[r], 0)
						}
					}
				})
			}
			report(b, flops, t0)
		})
	}
}

// benchTiles runs f as kern/avx2/name and, where the CPU has AVX-512F,
// kern/avx512/name.
func benchTiles(b *testing.B, name string, f func(b *testing.B)) {
	has512 := wide
	defer func() { wide = has512 }()
	for _, w := range []bool{false, true} {
		if w && !has512 {
			continue
		}
		wide = w
		b.Run("kern/"+map[bool]string{false: "avx2", true: "avx512"}[w]+"/"+name, f)
	}
}

// timed runs f b.N times and reports its rates for flops a run.
func timed(b *testing.B, flops float64, f func()) {
	t0 := cpuTime()
	for i := 0; i < b.N; i++ {
		f()
	}
	report(b, flops, t0)
}

// report gives GF/s by wall clock and by the process's CPU time (on a
// shared machine the second moves less; with two goroutines it is the
// rate per core).
func report(b *testing.B, flops float64, cpu0 time.Duration) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GF/s")
	b.ReportMetric(flops*float64(b.N)/(cpuTime()-cpu0).Seconds()/1e9, "GF/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMulImage times ResNet-50's products read from the image as
// they are packed: the 7×7 stride-2 stem, a stride-2 3×3 and a 3×3 on
// a 7×7 plane, with bias and ReLU.
func BenchmarkMulImage(b *testing.B) {
	if !Available() {
		b.Skip("no packed product in this build or on this CPU")
	}
	for _, g := range []Image{
		{C: 3, H: 224, W: 224, KH: 7, KW: 7, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 3, PadLeft: 3, HO: 112, WO: 112},
		{C: 128, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, HO: 28, WO: 28},
		{C: 512, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, HO: 7, WO: 7},
	} {
		m, k, n := map[int]int{3: 64, 128: 128, 512: 512}[g.C], g.C*g.KH*g.KW, g.HO*g.WO
		g.X = wave(g.C*g.H*g.W, 0.23)
		p := NewWeights(wave(m*k, 0.41), m, k, k)
		c := make([]float32, m*n)
		e := Epilogue{Bias: wave(m, 0.9), Relu: true}
		benchTiles(b, fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			timed(b, 2*float64(m*n*k), func() { p.MulImage(g, c, n, e) })
		})
	}
}

// BenchmarkMulSerial times MulSerial, one thread, on products deep
// enough that the micro-kernel, not C's traffic, sets the pace (VGG16's
// conv3 as im2col, Winograd's 512-channel tile products), against
// OpenBLAS's sgemm on one thread (tools/bench/gemm_bench.c's shapes).
func BenchmarkMulSerial(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{256, 3136, 2304}, {512, 113, 512}, {64, 910, 64}, {128, 784, 1152}} {
		a, x := wave(s.m*s.k, 0.37), wave(s.k*s.n, 0.11)
		c := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		name := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
		if Available() {
			p := NewWeights(a, s.m, s.k, s.k)
			benchTiles(b, name, func(b *testing.B) {
				timed(b, flops, func() { p.MulSerial(x, s.n, s.n, c, s.n, Epilogue{}) })
			})
		}
		b.Run("blas/"+name, func(b *testing.B) {
			timed(b, flops, func() { blas.GemmSerial(false, false, s.m, s.n, s.k, 1, a, s.k, x, s.n, 0, c, s.n) })
		})
	}
}

// BenchmarkMaxRows2x2 pools VGG16's first block output (64 planes of
// 224²), kernel against its Go twin.
func BenchmarkMaxRows2x2(b *testing.B) {
	const c, h, w = 64, 224, 224
	src, dst := wave(c*h*w, 0.3), make([]float32, c*h*w/4)
	for _, k := range []struct {
		name string
		f    func(src []float32, w int, dst []float32, wo, rows, n int)
	}{{"kern", MaxRows2x2}, {"go", maxRows2x2Go}} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				for p := range c {
					k.f(src[p*h*w:], w, dst[p*h*w/4:], w/2, h/2, w/2)
				}
			}
		})
	}
}
