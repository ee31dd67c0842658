package cam_test

import (
	"math/rand/v2"
	"testing"

	"camviz/cam"
)

// Full VGG16 size at features.29: 512 channels of 14×14.
func vgg16Layer() (cam.Maps, cam.Maps) {
	rng := rand.New(rand.NewPCG(42, 43))
	a := randMaps(rng, 512, 14, 14)
	g := cam.Maps{C: 512, H: 14, W: 14, Data: make([]float32, len(a.Data))}
	for i := range g.Data {
		g.Data[i] = float32(rng.NormFloat64() * 1e-3)
	}
	return a, g
}

func BenchmarkLayerMap(b *testing.B) {
	a, g := vgg16Layer()
	for _, m := range cam.Methods() {
		if meth, _ := cam.Find(m.Name); !meth.Local() {
			continue
		}
		b.Run(m.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := cam.LayerMap(m.Name, a, g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkResize(b *testing.B) {
	src := ramp(14, 14)
	for _, c := range []struct {
		name string
		w, h int
	}{{"14to224", 224, 224}, {"14to4000x3000", 4000, 3000}} {
		b.Run(c.name, func(b *testing.B) {
			r, err := cam.NewResizer(14, 14, c.w, c.h)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]float32, c.w*c.h)
			b.SetBytes(int64(4 * len(dst)))
			b.ReportAllocs()
			for b.Loop() {
				r.Resize(dst, src.Data)
			}
		})
	}
}

func BenchmarkPostprocessMinMax224(b *testing.B) {
	src := ramp(14, 14)
	r, err := cam.NewResizer(14, 14, 224, 224)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, 224*224)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.PostprocessTo(dst, src, cam.MinMax, 0); err != nil {
			b.Fatal(err)
		}
	}
}
