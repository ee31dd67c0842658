package cam_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestAugSmoothUndoesFlips: a "method" whose map is the input's first
// channel must come back as that channel (the factors average to 1), which
// fails if a flipped map is not flipped back.
func TestAugSmoothUndoesFlips(t *testing.T) {
	x := cam.Maps{C: 2, H: 2, W: 3, Data: []float32{1, 2, 3, 4, 5, 6, 9, 9, 9, 9, 9, 9}}
	var seen []string
	got, err := cam.AugSmooth(x, func(in cam.Maps) (cam.Map, error) {
		seen = append(seen, fmt.Sprint(in.Data[:3]))
		return cam.Map{W: 3, H: 2, Data: in.Data[:6]}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 2, 3, 4, 5, 6}
	if d := camtest.MaxAbsDiff(got.Data, want); d > 1e-6 {
		t.Errorf("got %v, want %v", got.Data, want)
	}
	if s := strings.Join(seen, " "); s != "[0.9 1.8 2.6999998] [1 2 3] [1.1 2.2 3.3000002] [2.6999998 1.8 0.9] [3 2 1] [3.3000002 2.2 1.1]" {
		t.Errorf("inputs seen: %s", s)
	}
}

func TestAugSmoothErrors(t *testing.T) {
	x := cam.Maps{C: 1, H: 1, W: 2, Data: []float32{1, 2}}
	boom := errors.New("boom")
	_, err := cam.AugSmooth(x, func(cam.Maps) (cam.Map, error) { return cam.Map{}, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "augmentation 0 (flip false, ×0.9)") {
		t.Errorf("error %v", err)
	}
	n := 0
	_, err = cam.AugSmooth(x, func(cam.Maps) (cam.Map, error) { n++; return cam.NewMap(n, 1), nil })
	if err == nil || !strings.Contains(err.Error(), "augmentation 1 gave a 2×1 map, the first 1×1") {
		t.Errorf("error %v", err)
	}
}

// TestGoldenAugSmooth runs Grad-CAM on the reference network for each of
// the six augmented inputs and checks the mean against pytorch-grad-cam's
// aug_smooth=True maps within the README's 2e-3.
func TestGoldenAugSmooth(t *testing.T) {
	net, x := goldenRefNet(t)
	forEachGolden(t, func(t *testing.T, layer, class int) {
		final := func(in cam.Maps) (cam.Map, error) {
			f := net.features(act{in.C, in.H, in.W, append([]float32(nil), in.Data...)}, 0, layer)
			a := cam.Maps{C: f.c, H: f.h, W: f.w, Data: f.data}
			seed := make([]float32, 10)
			seed[class] = 1
			m, err := cam.LayerMap("gradcam", a, net.forwardFrom(layer, a).backward(seed))
			if err != nil {
				return cam.Map{}, err
			}
			out, _, err := cam.Postprocess(m, 224, 224, cam.MinMax, 0)
			return out, err
		}
		got, err := cam.AugSmooth(x, final)
		if err != nil {
			t.Fatal(err)
		}
		want, err := golden2.Map(fmt.Sprintf("cam_GradCAM-augsmooth_f%d_c%d.npy", layer, class))
		if err != nil {
			t.Fatal(err)
		}
		d := camtest.MaxAbsDiff(got.Data, want.Data)
		camtest.Within(t, d, 2e-3)
		plain, err := golden.CAM("GradCAM", layer, class)
		if err != nil {
			t.Fatal(err)
		}
		if d := camtest.MaxAbsDiff(plain.Data, want.Data); d <= 2e-2 {
			t.Errorf("the plain Grad-CAM map is within %.3g of the smoothed one: the test cannot fail", d)
		}
	})
}
