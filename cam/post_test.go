package cam_test

import (
	"math"
	"testing"

	"camviz/cam"
)

func TestPostprocessEdgeCases(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name  string
		data  []float32
		mode  cam.Mode
		scale float32
		flags cam.Flags
		want  []float32 // at 2×2 (no resize), nil: only check finiteness
	}{
		{"minmax normal", []float32{-1, 0, 1, 3}, cam.MinMax, 0, 0, []float32{0, 0, 1.0 / 3, 1}},
		{"minmax constant", []float32{2, 2, 2, 2}, cam.MinMax, 0, cam.Flat, []float32{0, 0, 0, 0}},
		{"minmax all negative", []float32{-1, -2, -3, -4}, cam.MinMax, 0, cam.NonPositive, []float32{0, 0, 0, 0}},
		{"minmax all zero", []float32{0, 0, 0, 0}, cam.MinMax, 0, cam.NonPositive, []float32{0, 0, 0, 0}},
		{"minmax NaN", []float32{nan, 1, 2, 4}, cam.MinMax, 0, cam.HasNaN, []float32{0, 0.25, 0.5, 1}},
		{"minmax Inf", []float32{inf, 1, 2, 4}, cam.MinMax, 0, cam.HasInf, []float32{0, 0.25, 0.5, 1}},
		{"minmax all NaN", []float32{nan, nan, nan, nan}, cam.MinMax, 0, cam.HasNaN | cam.NonPositive, []float32{0, 0, 0, 0}},
		{"raw keeps sign", []float32{-1, 0, 1, 3}, cam.Raw, 0, 0, []float32{-1, 0, 1, 3}},
		{"raw all negative", []float32{-1, -2, -3, -4}, cam.Raw, 0, cam.NonPositive, []float32{-1, -2, -3, -4}},
		{"shared", []float32{-1, 0, 1, 3}, cam.Shared, 6, 0, []float32{0, 0, 1.0 / 6, 0.5}},
		{"shared zero scale", []float32{-1, 0, 1, 3}, cam.Shared, 0, cam.BadScale, []float32{0, 0, 0, 0}},
		{"shared NaN scale", []float32{-1, 0, 1, 3}, cam.Shared, nan, cam.BadScale, []float32{0, 0, 0, 0}},
		{"shared Inf scale", []float32{-1, 0, 1, 3}, cam.Shared, inf, cam.BadScale, []float32{0, 0, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := cam.Map{W: 2, H: 2, Data: c.data}
			got, flags, err := cam.Postprocess(m, 2, 2, c.mode, c.scale)
			if err != nil {
				t.Fatal(err)
			}
			if flags != c.flags {
				t.Errorf("flags %q, want %q", flags, c.flags)
			}
			for i, v := range got.Data {
				if math.Abs(float64(v-c.want[i])) > 1e-6 {
					t.Errorf("got %v, want %v", got.Data, c.want)
					break
				}
			}
		})
	}
}

// Postprocess must not modify its input.
func TestPostprocessKeepsInput(t *testing.T) {
	data := []float32{-1, float32(math.NaN()), 1, 3}
	m := cam.Map{W: 2, H: 2, Data: data}
	for _, mode := range []cam.Mode{cam.MinMax, cam.Raw, cam.Shared} {
		if _, _, err := cam.Postprocess(m, 5, 7, mode, 3); err != nil {
			t.Fatal(err)
		}
	}
	if data[0] != -1 || data[1] == data[1] || data[2] != 1 || data[3] != 3 {
		t.Errorf("input changed: %v", data)
	}
}

// The shared scale makes two maps comparable: the map with the larger peak
// reaches 1, the other keeps its relative size.
func TestSharedScale(t *testing.T) {
	a := cam.Map{W: 2, H: 1, Data: []float32{-5, 2}}
	b := cam.Map{W: 2, H: 1, Data: []float32{4, float32(math.NaN())}}
	s := cam.SharedScale(a, b)
	if s != 4 {
		t.Fatalf("SharedScale = %v, want 4", s)
	}
	pa, _, _ := cam.Postprocess(a, 2, 1, cam.Shared, s)
	pb, _, _ := cam.Postprocess(b, 2, 1, cam.Shared, s)
	if pa.Data[1] != 0.5 || pb.Data[0] != 1 {
		t.Errorf("shared maps %v %v", pa.Data, pb.Data)
	}
	if s := cam.SharedScale(cam.Map{W: 1, H: 1, Data: []float32{-1}}); s != 0 {
		t.Errorf("SharedScale of a negative map = %v, want 0", s)
	}
}

func TestModeNames(t *testing.T) {
	for _, m := range []cam.Mode{cam.MinMax, cam.Raw, cam.Shared} {
		got, err := cam.ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := cam.ParseMode("bogus"); err == nil {
		t.Error("ParseMode accepted an unknown name")
	}
	if s := (cam.NonPositive | cam.HasNaN).String(); s != "non-positive|NaN" {
		t.Errorf("Flags.String = %q", s)
	}
}

func TestPostprocessToErrors(t *testing.T) {
	r, err := cam.NewResizer(2, 2, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.PostprocessTo(make([]float32, 16), cam.NewMap(3, 2), cam.MinMax, 0); err == nil {
		t.Error("accepted a map of the wrong size")
	}
	if _, err := r.PostprocessTo(make([]float32, 15), cam.NewMap(2, 2), cam.MinMax, 0); err == nil {
		t.Error("accepted a short destination")
	}
	if _, err := r.PostprocessTo(make([]float32, 16), cam.NewMap(2, 2), cam.Mode(9), 0); err == nil {
		t.Error("accepted an unknown mode")
	}
}

// TestModeTable: every mode has one entry, its caption and label are set,
// and the help lists the names in menu order.
func TestModeTable(t *testing.T) {
	seen := map[cam.Mode]bool{}
	for _, m := range cam.Modes() {
		if seen[m.Mode] || m.Label == "" || m.Caption == "" {
			t.Errorf("bad or repeated entry %+v", m)
		}
		seen[m.Mode] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d modes, want 3", len(seen))
	}
	want := "minmax (pytorch-grad-cam), shared (scale shared with the top-5 classes), raw (signed)"
	if got := cam.ModeHelp(); got != want {
		t.Errorf("ModeHelp = %q, want %q", got, want)
	}
	if _, ok := cam.Mode(7).Info(); ok {
		t.Error("Mode(7) has an entry")
	}
}
