package analysis

import (
	"context"
	"image"
	"runtime"
	"testing"
)

// TestMemoryFlatOverManyImages: 100 images in a row, each analysed, mapped
// with two methods and dropped, leave the heap where the first ten left it.
func TestMemoryFlatOverManyImages(t *testing.T) {
	m, err := LoadModel("../testdata/models/vgg16_op14.onnx", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var s runtime.MemStats
		runtime.ReadMemStats(&s)
		return s.HeapAlloc
	}
	var after10 uint64
	for i := 0; i < 100; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 300+i, 200))
		for p := range img.Pix {
			img.Pix[p] = uint8(p*7 + i)
		}
		in, err := m.ImageInput("x", img, "")
		if err != nil {
			t.Fatal(err)
		}
		a, err := m.Analyze(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, meth := range []string{"gradcam", "layercam"} {
			lm, err := a.Map(ctx, MapRequest{Method: meth, Class: i % 10})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Place(lm, 0, 0); err != nil {
				t.Fatal(err)
			}
		}
		a.Close()
		if i == 9 {
			after10 = heap()
		}
	}
	end := heap()
	t.Logf("heap after 10 images %d KB, after 100 %d KB", after10/1024, end/1024)
	if end > after10+4<<20 {
		t.Fatalf("heap grew from %d KB to %d KB over 90 images", after10/1024, end/1024)
	}
}
