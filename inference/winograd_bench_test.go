package inference

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// conv3x3Layers are the stride-1 3×3 convolutions of VGG16 and ResNet-50
// (channels in, out, plane side).
var conv3x3Layers = []struct{ cin, cout, hw int }{
	{3, 64, 224}, {64, 64, 224}, {64, 128, 112}, {128, 128, 112}, {128, 256, 56},
	{256, 256, 56}, {256, 512, 28}, {512, 512, 28}, {512, 512, 14},
	{64, 64, 56}, {128, 128, 28}, {256, 256, 14}, {512, 512, 7},
}

// BenchmarkConv3x3 runs each layer (padding 1) by im2col, F(2×2) and
// F(4×4), one image and a batch of 4 (and 16 on planes up to 28²); GF/s counts direct convolution's
// 2·9·cin·cout·ho·wo flops per image.
func BenchmarkConv3x3(b *testing.B) {
	algos := []struct {
		name string
		f    *winoForm
		blas bool // the products by OpenBLAS, not kern
	}{{"im2col", nil, false}, {"f2", winoF2, false}, {"f4", winoF4, false}, {"f2-blas", winoF2, true}, {"f4-blas", winoF4, true}}
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range conv3x3Layers {
		w := &tval{shape: []int{l.cout, l.cin, 3, 3}, f: make([]float32, l.cout*l.cin*9)}
		for i := range w.f {
			w.f[i] = float32(r.NormFloat64())
		}
		k, err := newConv(attrs{"pads": []int64{1, 1, 1, 1}}, []*tval{nil, w, {shape: []int{l.cout}, f: make([]float32, l.cout)}})
		if err != nil {
			b.Fatal(err)
		}
		c := k.(*conv)
		if c.wino == nil {
			c.wino = &winoWeights{}
		}
		im2col := *c
		im2col.wino = nil
		onBLAS := *c
		onBLAS.wino = blasWino(c)
		for _, n := range []int{1, 4, 16} {
			if n == 16 && l.hw > 28 {
				continue // the batches of Score-CAM's deep layers
			}
			x := &tval{shape: []int{n, l.cin, l.hw, l.hw}, f: make([]float32, n*l.cin*l.hw*l.hw)}
			for i := range x.f {
				x.f[i] = max(0, float32(r.NormFloat64()))
			}
			for _, a := range algos {
				b.Run(fmt.Sprintf("%d-%d@%d/n=%d/%s", l.cin, l.cout, l.hw, n, a.name), func(b *testing.B) {
					ar := newArena(1 << 30)
					run := func() {
						if a.f == nil {
							out, err := im2col.run(ar, x, true)
							if err != nil {
								b.Fatal(err)
							}
							ar.put(out.f)
							return
						}
						out := ar.get(n * l.cout * l.hw * l.hw)
						k := c
						if a.blas {
							k = &onBLAS
						}
						k.winograd(ar, x.f, n, l.hw, l.hw, l.hw, l.hw, [4]int{1, 1, 1, 1}, out, a.f, false)
						ar.put(out)
					}
					run() // fault the scratch in first
					start := cpuTime()
					for b.Loop() {
						run()
					}
					reportCPU(b, start, n)
					flops := 18 * float64(l.cin*l.cout*l.hw*l.hw*n)
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GF/s")
				})
			}
		}
	}
}

// blasWino is c's Winograd weights for both forms, their products left
// to OpenBLAS.
func blasWino(c *conv) *winoWeights {
	ww := &winoWeights{}
	for _, f := range []*winoForm{winoF2, winoF4} {
		ww.once[f.id].Do(func() { ww.u[f.id] = f.filter(c.w, c.cout, c.cin) })
	}
	return ww
}
