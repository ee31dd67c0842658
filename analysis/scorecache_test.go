package analysis

import (
	"context"
	"math"
	"testing"

	"camviz/cam"
)

// TestScoreCAMRunServesEveryClass: after one ScoreCAM map, another class's
// map runs no masked pass (no progress is reported) and equals the map a
// fresh analysis computes for that class; the kept per-channel logits are
// the ones the map was weighted by; a new analysis (new image or model)
// starts without them.
func TestScoreCAMRunServesEveryClass(t *testing.T) {
	ctx := context.Background()
	layer := goldenLayers[29]
	a := goldenAnalysis(t)
	defer a.Close()
	if _, err := a.Map(ctx, MapRequest{Method: "scorecam", Class: 7, Layer: layer}); err != nil {
		t.Fatal(err)
	}
	reports := 0
	got, err := a.Map(ctx, MapRequest{Method: "scorecam", Class: 3, Layer: layer,
		Progress: func(int, int, *cam.Map) { reports++ }})
	if err != nil {
		t.Fatal(err)
	}
	if reports != 0 {
		t.Errorf("another class ran %d batches of masked passes, want none", reports)
	}
	fresh := goldenAnalysis(t)
	defer fresh.Close()
	opts := map[string]float64{"batch": 0, cam.OptAugSmooth: 0} // Score-CAM's resolved options
	if _, ok := fresh.ScoreChannelLogits(layer, opts, 3); ok {
		t.Fatal("a new analysis has ScoreCAM logits before any ScoreCAM map")
	}
	want, err := fresh.Map(ctx, MapRequest{Method: "scorecam", Class: 3, Layer: layer})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want.Map.Data {
		if math.Abs(float64(got.Map.Data[i]-v)) > 1e-6*math.Max(1, math.Abs(float64(v))) {
			t.Fatalf("class 3 from the kept run differs at %d: %v, want %v", i, got.Map.Data[i], v)
		}
	}
	s, ok := a.ScoreChannelLogits(layer, opts, 3)
	if !ok || len(s) != 64 {
		t.Fatalf("kept channel logits: %d values (%v), want 64", len(s), ok)
	}
	acts, _ := source{a}.Activations(layer)
	w := make([]float64, len(s))
	var hi, sum float64 = math.Inf(-1), 0
	for _, v := range s {
		hi = math.Max(hi, float64(v))
	}
	for k, v := range s {
		w[k] = math.Exp(float64(v) - hi)
		sum += w[k]
	}
	// The map is Σ_k softmax(s)_k A_k.
	for p := 0; p < acts.H*acts.W; p += 7 {
		var m float64
		for k := range acts.C {
			m += w[k] / sum * float64(acts.Channel(k)[p])
		}
		if math.Abs(m-float64(got.Map.Data[p])) > 1e-4*math.Max(1, math.Abs(m)) {
			t.Fatalf("map at %d is %v, the kept logits give %v", p, got.Map.Data[p], m)
		}
	}
}

// TestScoreCAMWindowsMatchThePlainPasses: ScoreCAM's masked passes through
// the zero pass's windows (what the window and the CLI run) give every
// channel's logits of the ordinary passes within 1e-5 of their range, and
// some masks were partial, so the windows ran.
func TestScoreCAMWindowsMatchThePlainPasses(t *testing.T) {
	ctx := context.Background()
	a := goldenAnalysis(t)
	defer a.Close()
	src := source{a}
	acts, err := src.Activations(goldenLayers[29])
	if err != nil {
		t.Fatal(err)
	}
	boxed, err := cam.ScoreLogitsBoxed(ctx, acts, src.Input(), nil, 7, 4, src.ForwardBoxed(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.scoreRuns.zero == nil {
		t.Fatal("no mask was partial: the windows never ran")
	}
	plain, err := cam.ScoreLogits(ctx, acts, src.Input(), nil, 7, 4, src.Forward(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range plain.Logits {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	for i, v := range plain.Logits {
		if d := math.Abs(float64(boxed.Logits[i] - v)); !(d <= 1e-5*(hi-lo)) {
			t.Fatalf("channel %d class %d: %v through the windows, %v plain", i/plain.Classes, i%plain.Classes, boxed.Logits[i], v)
		}
	}
}
