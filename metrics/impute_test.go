package metrics_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"camviz/metrics"
)

func TestPercentile(t *testing.T) {
	for _, c := range []struct {
		v    []float32
		p    float64
		want float32
	}{ // numpy.percentile's values
		{[]float32{1, 2, 3, 4}, 80, 3.4},
		{[]float32{0.9, 0.1, 0.5, 0.2}, 50, 0.35},
		{[]float32{5}, 30, 5},
		{[]float32{3, 1, 2}, 100, 3},
		{[]float32{3, 1, 2}, 0, 1},
	} {
		if got := metrics.Percentile(c.v, c.p); math.Abs(float64(got-c.want)) > 1e-6 {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.v, c.p, got, c.want)
		}
	}
}

func TestRemovalMask(t *testing.T) {
	m := metrics.Map{W: 4, H: 1, Data: []float32{0.1, 0.5, 0.2, 0.9}}
	if got := metrics.RemovalMask(m, 50, true); !slices.Equal(got, []bool{false, true, false, true}) {
		t.Errorf("MoRF at 50: %v, want the two above 0.35", got)
	}
	// LeRF at 20: 1 − m = 1, .75, .5, .25, 0 has 20th percentile 0.2, so
	// every pixel with 1 − m ≥ 0.2 (m ≤ 0.8) goes.
	l := metrics.Map{W: 5, H: 1, Data: []float32{0, 0.25, 0.5, 0.75, 1}}
	if got := metrics.RemovalMask(l, 20, false); !slices.Equal(got, []bool{true, true, true, true, false}) {
		t.Errorf("LeRF at 20: %v", got)
	}
	flat := metrics.Map{W: 3, H: 1, Data: []float32{0.5, 0.5, 0.5}}
	if got := metrics.RemovalMask(flat, 80, true); !slices.Equal(got, []bool{true, true, true}) {
		t.Errorf("a flat map: %v, want everything removed (none is below the threshold)", got)
	}
}

func ramp(w, h int) metrics.Input {
	x := metrics.Input{C: 2, H: h, W: w, Data: make([]float32, 2*w*h)}
	for y := range h {
		for xx := range w {
			x.Data[y*w+xx] = float32(0.3 + 0.05*float64(xx) - 0.02*float64(y))
			x.Data[w*h+y*w+xx] = float32(-1 + 0.1*float64(y))
		}
	}
	return x
}

// A linear function equals the mean of its 8 neighbours with symmetric
// weights, so holes away from the border are filled exactly.
func TestImputeLinearIsExact(t *testing.T) {
	const w, h = 20, 16
	x := ramp(w, h)
	removed := make([]bool, w*h)
	for y := 4; y < 10; y++ {
		for xx := 5; xx < 12; xx++ {
			removed[y*w+xx] = true
		}
	}
	removed[13*w+16] = true
	got, err := metrics.Imputer{}.Impute(x, removed, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got.Data {
		if math.Abs(float64(v-x.Data[i])) > 1e-6 {
			t.Fatalf("value %d: %v, want %v", i, v, x.Data[i])
		}
	}
}

func TestImputeCorner(t *testing.T) {
	// 2×2, only (0,0) removed: its neighbours in the image weigh 1/6, 1/6
	// and 1/12, so it becomes (x₁₀/6 + x₀₁/6 + x₁₁/12)/(5/12).
	x := metrics.Input{C: 1, H: 2, W: 2, Data: []float32{9, 1, 2, 4}}
	got, err := metrics.Imputer{}.Impute(x, []bool{true, false, false, false}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := (1.0/6 + 2.0/6 + 4.0/12) / (5.0 / 12)
	if math.Abs(float64(got.Data[0])-want) > 1e-6 || !slices.Equal(got.Data[1:], x.Data[1:]) || x.Data[0] != 9 {
		t.Errorf("got %v, want [%v 1 2 4] and the input untouched", got.Data, want)
	}
	all, err := metrics.Imputer{}.Impute(x, []bool{true, true, true, true}, 0)
	if err != nil || !slices.Equal(all.Data, []float32{0, 0, 0, 0}) {
		t.Errorf("everything removed: %v, %v; want the mean colour, 0", all.Data, err)
	}
}

func TestImputeNoise(t *testing.T) {
	const w, h = 40, 40
	x := ramp(w, h)
	removed := make([]bool, w*h)
	for i := range removed {
		removed[i] = i%3 == 0
	}
	clean, _ := metrics.Imputer{}.Impute(x, removed, 0)
	noisy, err := metrics.Imputer{Noise: 0.5, Seed: 7}.Impute(x, removed, 3)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := metrics.Imputer{Noise: 0.5, Seed: 7}.Impute(x, removed, 3)
	other, _ := metrics.Imputer{Noise: 0.5, Seed: 7}.Impute(x, removed, 4)
	if !slices.Equal(noisy.Data, again.Data) || slices.Equal(noisy.Data, other.Data) {
		t.Fatal("the same seed and stream must repeat, another stream differ")
	}
	var sum2 float64
	n := 0
	for i, v := range noisy.Data {
		d := float64(v - clean.Data[i])
		if !removed[i%(w*h)] {
			if d != 0 {
				t.Fatalf("kept value %d changed by %v", i, d)
			}
			continue
		}
		sum2 += d * d
		n++
	}
	if sd := math.Sqrt(sum2 / float64(n)); math.Abs(sd-0.5) > 0.05 {
		t.Errorf("noise sd %v over %d values, want 0.5", sd, n)
	}
}

func TestImputeErrors(t *testing.T) {
	x := ramp(4, 3)
	if _, err := (metrics.Imputer{}).Impute(x, make([]bool, 5), 0); err == nil {
		t.Error("a mask of the wrong size accepted")
	}
	if _, err := (metrics.Imputer{Noise: -1}).Impute(x, make([]bool, 12), 0); err == nil {
		t.Error("negative noise accepted")
	}
	m := metrics.Map{W: 4, H: 3, Data: make([]float32, 12)}
	if _, err := metrics.ROAD(t.Context(), x, metrics.Map{W: 3, H: 3, Data: make([]float32, 9)}, 0, nil, metrics.ROADConfig{}); err == nil {
		t.Error("a map of the wrong size accepted")
	}
	if _, err := metrics.ROAD(t.Context(), x, m, 0, nil, metrics.ROADConfig{MoRFPercentile: 120}); err == nil {
		t.Error("percentile 120 accepted")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := metrics.ROAD(ctx, x, m, 0, nil, metrics.ROADConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ROAD: %v", err)
	}
}
