package cam_test

import (
	"fmt"
	"testing"

	"camviz/cam"
)

func TestGuidedGradCAM(t *testing.T) {
	// Two channels of a 3×1 gradient; the map weights each pixel.
	gb := cam.Maps{C: 2, H: 1, W: 3, Data: []float32{1, 2, 3, -4, -5, -6}}
	hwc, err := cam.HWC(gb)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(hwc); got != "[1 -4 2 -5 3 -6]" {
		t.Errorf("HWC = %s", got)
	}
	m := cam.Map{W: 3, H: 1, Data: []float32{0, 0.5, 1}}
	got, err := cam.GuidedGradCAM(m, gb)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(got); s != "[0 -0 1 -2.5 3 -6]" {
		t.Errorf("GuidedGradCAM = %s, want [0 -0 1 -2.5 3 -6]", s)
	}
	if _, err := cam.GuidedGradCAM(cam.NewMap(2, 2), gb); err == nil {
		t.Error("a 2×2 map for a 3×1 gradient: no error")
	}
}

func TestDeprocess(t *testing.T) {
	for _, c := range []struct {
		in   []float32
		want string
	}{
		// mean 0, σ = √(76/8): v ↦ uint8(255·(0.1·v/σ + 0.5)).
		{[]float32{-1, 1, -1, 1, -6, 6, 0, 0}, "[119 135 119 135 77 177 127 127]"},
		// 39 zeros and a 1: z = 6.24 clips to 1 → 255; 0 → 123.
		{append(make([]float32, 39), 1), "123 255"},
	} {
		got := cam.Deprocess(c.in)
		s := fmt.Sprint(got)
		if len(c.in) == 40 {
			s = fmt.Sprint(got[0], got[39])
		}
		if s != c.want {
			t.Errorf("Deprocess(%v) = %s, want %s", c.in, s, c.want)
		}
	}
}
