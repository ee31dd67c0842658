package cam_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// torchCAMPlusPlus is torch-cam's Grad-CAM++ weights, written out from
// its gradient.py: α = G²/(2G² + Σ_p A·G³ + 1e-8) where G² > 0, w = Σ α·ReLU(G).
func torchCAMPlusPlus(a, g cam.Maps) []float32 {
	P := a.H * a.W
	w := make([]float32, a.C)
	for k := range w {
		var s3 float64
		for p := range P {
			gv := float64(g.Data[k*P+p])
			s3 += float64(a.Data[k*P+p]) * gv * gv * gv
		}
		var s float64
		for p := range P {
			gv := float64(g.Data[k*P+p])
			if gv*gv > 0 {
				s += gv * gv / (2*gv*gv + s3 + 1e-8) * max(gv, 0)
			}
		}
		w[k] = float32(s)
	}
	return w
}

func relMaxDiff(a, b []float32) float64 {
	var d, m float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
		m = max(m, math.Abs(float64(b[i])))
	}
	return d / m
}

func TestSmoothGradZeroNoiseIsGradCAMPlusPlus(t *testing.T) {
	a, g := loadAG(t, 29, 7)
	x, err := golden.Input()
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	w, err := cam.SmoothGradPlusPlusWeights(a, x, 3, 0, 1, func(in cam.Maps) (cam.Maps, error) {
		calls++
		if d := camtest.MaxAbsDiff(in.Data, x.Data); d != 0 {
			t.Errorf("zero noise changed the input by %g", d)
		}
		return g, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("%d gradient passes, want 3", calls)
	}
	if d := relMaxDiff(w, torchCAMPlusPlus(a, g)); d > 1e-6 {
		t.Errorf("relative diff %.3g from torch-cam's Grad-CAM++", d)
	}
}

// spread returns the summed variance over channels of weights computed for
// seeds 1…n.
func spread(t *testing.T, n int, weights func(seed uint64) ([]float32, error)) float64 {
	t.Helper()
	var all [][]float32
	for seed := range uint64(n) {
		w, err := weights(seed + 1)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, w)
	}
	var v float64
	for k := range all[0] {
		var m, m2 float64
		for _, w := range all {
			m += float64(w[k]) / float64(n)
			m2 += float64(w[k]) * float64(w[k]) / float64(n)
		}
		v += m2 - m*m
	}
	return v
}

// TestSmoothGradMoreSamplesLessVariance: with gradients that depend on the
// input's noise, 32 samples spread the weights over seeds far less than 2.
func TestSmoothGradMoreSamplesLessVariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := cam.Maps{C: 4, H: 3, W: 3, Data: make([]float32, 36)}
	g0 := cam.Maps{C: 4, H: 3, W: 3, Data: make([]float32, 36)}
	for i := range a.Data {
		a.Data[i] = rng.Float32()
		g0.Data[i] = rng.Float32() + 0.5
	}
	x := cam.Maps{C: 1, H: 6, W: 6, Data: make([]float32, 36)}
	grads := func(in cam.Maps) (cam.Maps, error) {
		g := cam.Maps{C: 4, H: 3, W: 3, Data: make([]float32, 36)}
		for i := range g.Data {
			g.Data[i] = g0.Data[i] * (1 + 0.5*(in.Data[i]-x.Data[i]))
		}
		return g, nil
	}
	v := map[int]float64{}
	for _, n := range []int{2, 32} {
		v[n] = spread(t, 24, func(seed uint64) ([]float32, error) {
			return cam.SmoothGradPlusPlusWeights(a, x, n, 0.3, seed, grads)
		})
	}
	t.Logf("variance over seeds: 2 samples %.3g, 32 samples %.3g", v[2], v[32])
	if !(v[2] > 0) || !(v[32] < v[2]/4) {
		t.Errorf("variance over seeds: 2 samples %.3g, 32 samples %.3g; want a drop > 4×", v[2], v[32])
	}
}

// scoreSetup is a tiny network for ScoreCAM-style tests: 5 channels of
// 3×3 activations, a 3×8×8 input and a two-class non-linear forward.
func scoreSetup() (a, x cam.Maps, forward cam.BatchFunc) {
	rng := rand.New(rand.NewPCG(5, 6))
	a = cam.Maps{C: 5, H: 3, W: 3, Data: make([]float32, 45)}
	for i := range a.Data {
		a.Data[i] = rng.Float32()
	}
	x = cam.Maps{C: 3, H: 8, W: 8, Data: make([]float32, 192)}
	for i := range x.Data {
		x.Data[i] = rng.Float32()*2 - 1
	}
	forward = func(_ context.Context, in []float32, n int) ([]float32, error) {
		size := len(in) / n
		out := make([]float32, 2*n)
		for i := range n {
			for j, v := range in[i*size : (i+1)*size] {
				out[2*i] += v * v / 10
				out[2*i+1] += v * float32(j%7-3) / 10
			}
		}
		return out, nil
	}
	return a, x, forward
}

// maskScores runs forward on x⊙mask_k for each mask and returns class's
// logits: ScoreCAM's masked passes.
func maskScores(x cam.Maps, class int, forward cam.BatchFunc) cam.MaskScoresFunc {
	return func(masks cam.Maps) ([]float32, error) {
		plane := x.H * x.W
		in := make([]float32, 0, masks.C*len(x.Data))
		for k := range masks.C {
			m := masks.Channel(k)
			for c := range x.C {
				for p, v := range x.Data[c*plane : (c+1)*plane] {
					in = append(in, v*m[p])
				}
			}
		}
		logits, err := forward(context.Background(), in, masks.C)
		if err != nil {
			return nil, err
		}
		out := make([]float32, masks.C)
		for k := range out {
			out[k] = logits[2*k+class]
		}
		return out, nil
	}
}

// TestNoiseFreeScoreSchedulesAreScoreCAM: SS-CAM with sigma 0 and IS-CAM
// with one sample give ScoreWeights' weights (which also checks that
// ScoreMasks forms ScoreCAM's masks).
func TestNoiseFreeScoreSchedulesAreScoreCAM(t *testing.T) {
	a, x, forward := scoreSetup()
	for class := range 2 {
		want, err := cam.ScoreWeights(context.Background(), a, x, class, 0, forward, nil)
		if err != nil {
			t.Fatal(err)
		}
		masks, err := cam.ScoreMasks(a, x.W, x.H)
		if err != nil {
			t.Fatal(err)
		}
		ss, err := cam.SSCAMWeights(masks, 4, 0, 9, maskScores(x, class, forward))
		if err != nil {
			t.Fatal(err)
		}
		is, err := cam.ISCAMWeights(masks, 1, maskScores(x, class, forward))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range map[string][]float32{"sscam": ss, "iscam": is} {
			if d := camtest.MaxAbsDiff(w, want); d > 1e-6 {
				t.Errorf("class %d: %s %v, ScoreCAM %v", class, name, w, want)
			}
		}
	}
}

func TestSSCAMMoreSamplesLessVariance(t *testing.T) {
	a, x, forward := scoreSetup()
	masks, err := cam.ScoreMasks(a, x.W, x.H)
	if err != nil {
		t.Fatal(err)
	}
	v := map[int]float64{}
	for _, n := range []int{2, 32} {
		v[n] = spread(t, 24, func(seed uint64) ([]float32, error) {
			return cam.SSCAMWeights(masks, n, 0.5, seed, maskScores(x, 0, forward))
		})
	}
	t.Logf("variance over seeds: 2 samples %.3g, 32 samples %.3g", v[2], v[32])
	if !(v[2] > 0) || !(v[32] < v[2]/4) {
		t.Errorf("variance over seeds: 2 samples %.3g, 32 samples %.3g; want a drop > 4×", v[2], v[32])
	}
}

// TestISCAMCoefficients: the masks are scaled by torch-cam's cumulative
// coefficients 1/3, 1, 2 for three samples.
func TestISCAMCoefficients(t *testing.T) {
	masks := cam.Maps{C: 2, H: 1, W: 1, Data: []float32{1, 0.5}}
	var seen []string
	_, err := cam.ISCAMWeights(masks, 3, func(m cam.Maps) ([]float32, error) {
		seen = append(seen, fmt.Sprintf("%.4g", m.Data[0]))
		return []float32{0, 0}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seen); got != "[0.3333 1 2]" {
		t.Errorf("coefficients %s, want [0.3333 1 2]", got)
	}
}

func TestNoiseErrors(t *testing.T) {
	masks := cam.Maps{C: 1, H: 1, W: 1, Data: []float32{1}}
	ok := func(cam.Maps) ([]float32, error) { return []float32{0}, nil }
	for name, err := range map[string]error{
		"samples": func() error { _, err := cam.SSCAMWeights(masks, 0, 1, 1, ok); return err }(),
		"sigma":   func() error { _, err := cam.SSCAMWeights(masks, 1, -1, 1, ok); return err }(),
		"nan":     func() error { _, err := cam.SSCAMWeights(masks, 1, math.NaN(), 1, ok); return err }(),
		"count": func() error {
			_, err := cam.ISCAMWeights(masks, 1, func(cam.Maps) ([]float32, error) { return nil, nil })
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRandomWeights(t *testing.T) {
	w1, err := cam.RandomWeights(10000, 7)
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := cam.RandomWeights(10000, 7)
	w3, _ := cam.RandomWeights(10000, 8)
	if camtest.MaxAbsDiff(w1, w2) != 0 {
		t.Error("the same seed gave different weights")
	}
	if camtest.MaxAbsDiff(w1, w3) == 0 {
		t.Error("two seeds gave the same weights")
	}
	var mean float64
	for _, v := range w1 {
		if v < -1 || v >= 1 {
			t.Fatalf("weight %g outside [−1, 1)", v)
		}
		mean += float64(v) / float64(len(w1))
	}
	if math.Abs(mean) > 0.03 {
		t.Errorf("mean %.3g, want ≈ 0", mean)
	}
	if _, err := cam.RandomWeights(0, 1); err == nil {
		t.Error("0 channels: no error")
	}
}

func TestTopVarianceChannels(t *testing.T) {
	// Channel variances: 0, 4, 1, 4, 0.25 (population, over 2 pixels).
	a := cam.Maps{C: 5, H: 1, W: 2, Data: []float32{3, 3, 0, 4, 1, 3, 5, 1, 0, 1}}
	for _, c := range []struct {
		n    int
		want string
	}{{2, "[1 3]"}, {3, "[1 3 2]"}, {10, "[1 3 2 4 0]"}} {
		got, err := cam.TopVarianceChannels(a, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("n=%d: %v, want %s", c.n, got, c.want)
		}
	}
	s, err := cam.SelectChannels(a, []int{3, 0})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(s.C, s.Data) != "2 [5 1 3 3]" {
		t.Errorf("selected %d channels %v", s.C, s.Data)
	}
	if _, err := cam.TopVarianceChannels(a, 0); err == nil {
		t.Error("n=0: no error")
	}
	if _, err := cam.SelectChannels(a, []int{5}); err == nil {
		t.Error("channel 5 of 5: no error")
	}
}
