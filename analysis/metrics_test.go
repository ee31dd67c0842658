package analysis

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"camviz/cam"
	"camviz/metrics"

	"gorgonia.org/tensor"
)

// TestFaithfulnessGolden measures Grad-CAM on the tiny golden model and
// checks the numbers against independent single-image forward passes: the
// deletion curve starts at the analysis's own probability and ends at the
// all-mean image's, insertion ends at the probability again (from another
// slot of a batch), and the explanation image is x ⊙ map.
func TestFaithfulnessGolden(t *testing.T) {
	a := goldenAnalysis(t)
	ctx := context.Background()
	lm, err := a.Map(ctx, MapRequest{Method: "gradcam", Class: 7})
	if err != nil {
		t.Fatal(err)
	}
	steps := 2
	if metricsRaceEnabled {
		steps = 1 // the race detector makes the engine ~50× slower
	}
	cfg := metrics.Config{Steps: steps, Batch: 4}
	var calls, last, total int
	start := time.Now()
	f, err := a.Faithfulness(ctx, lm, cfg, func(done, tot int) {
		calls++
		if done <= last || (total != 0 && tot != total) {
			t.Errorf("progress %d/%d after %d/%d", done, tot, last, total)
		}
		last, total = done, tot
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3 × %d passes at 224×224 in %v", metrics.Passes(steps), time.Since(start))
	if total != 3*metrics.Passes(steps) || last != total {
		t.Fatalf("progress ended at %d/%d, want %d", last, total, 3*metrics.Passes(steps))
	}
	if f.Map == nil || f.Random == nil || f.Center == nil || f.Method != "gradcam" || f.Class != 7 || f.Layer != lm.Layer {
		t.Fatalf("report %+v", f)
	}
	single := func(data []float32) float64 {
		t.Helper()
		s := a.Input.Tensor.Shape()
		p, err := a.Model.Net.Forward(ctx, tensor.New(tensor.WithShape(s...), tensor.WithBacking(data)), false)
		if err != nil {
			t.Fatal(err)
		}
		return float64(p.Probs()[7])
	}
	x := a.MetricsInput()
	zero := make([]float32, len(x.Data))
	m, _, err := a.InputMap(lm)
	if err != nil {
		t.Fatal(err)
	}
	expl := make([]float32, len(x.Data))
	plane := x.H * x.W
	for i := range expl {
		expl[i] = x.Data[i] * m.Data[i%plane]
	}
	y := float64(a.Probs[7])
	for _, r := range []*metrics.Report{f.Map, f.Random, f.Center} {
		n := len(r.Deletion.Probs)
		checks := []struct {
			name      string
			got, want float64
		}{
			{"Y", r.Prob, y},
			{"deletion start", r.Deletion.Probs[0], y},
			{"deletion end", r.Deletion.Probs[n-1], single(zero)},
			{"insertion end", r.Insertion.Probs[n-1], y},
		}
		for _, c := range checks {
			if math.Abs(c.got-c.want) > 2e-5 {
				t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
			}
		}
		if n != steps+1 || r.Deletion.AUC < 0 || r.Deletion.AUC > 1 || r.Insertion.AUC < 0 || r.Insertion.AUC > 1 {
			t.Errorf("curves: %d points, AUCs %g %g", n, r.Deletion.AUC, r.Insertion.AUC)
		}
	}
	if o := single(expl); math.Abs(f.Map.ExplanationProb-o) > 2e-5 {
		t.Errorf("explanation prob %.6f, want %.6f", f.Map.ExplanationProb, o)
	}
	t.Logf("gradcam: %v\nrandom:  %v\ncenter:  %v", f.Map, f.Random, f.Center)
}

// fixture64 is the 64×64 VGG16 fixture: cheap forward passes.
func fixture64(t testing.TB) *Analysis {
	t.Helper()
	return analysisOf(t, "../testdata/models/vgg16_op14.onnx", "../testdata/models/input_64.npy")
}

// TestFaithfulnessCache: asking again costs nothing, another method shares
// the baselines, another configuration is measured anew.
func TestFaithfulnessCache(t *testing.T) {
	a := fixture64(t)
	ctx := context.Background()
	lm, err := a.Map(ctx, MapRequest{Method: "gradcam", Class: 3})
	if err != nil {
		t.Fatal(err)
	}
	cfg := metrics.Config{Steps: 2, Batch: 4}
	total := 0
	f, err := a.Faithfulness(ctx, lm, cfg, func(_, tot int) { total = tot })
	if err != nil {
		t.Fatal(err)
	}
	if total != 3*metrics.Passes(2) || f.Elapsed == 0 {
		t.Fatalf("first call: total %d, elapsed %v", total, f.Elapsed)
	}
	calls := 0
	again, err := a.Faithfulness(ctx, lm, metrics.Config{Steps: 2, Batch: 16}, func(int, int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 || again.Map != f.Map || again.Random != f.Random || again.Center != f.Center || again.Elapsed != 0 {
		t.Fatalf("second call: %d progress calls, same map report %v", calls, again.Map == f.Map)
	}
	lm2, err := a.Map(ctx, MapRequest{Method: "hirescam", Class: 3})
	if err != nil {
		t.Fatal(err)
	}
	total = 0
	g, err := a.Faithfulness(ctx, lm2, cfg, func(_, tot int) { total = tot })
	if err != nil {
		t.Fatal(err)
	}
	if total != metrics.Passes(2) || g.Random != f.Random || g.Center != f.Center || g.Map == f.Map {
		t.Fatalf("another method: total %d, baselines shared %v", total, g.Random == f.Random)
	}
	b, err := a.BaselineFaithfulness(ctx, BaselineCenter, 3, cfg, nil)
	if err != nil || b != f.Center {
		t.Fatalf("BaselineFaithfulness: %v, shared %v", err, b == f.Center)
	}
	h, err := a.BaselineFaithfulness(ctx, BaselineCenter, 3, metrics.Config{Steps: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h == f.Center || len(h.Deletion.Probs) != 2 {
		t.Fatal("Steps 1 came from the Steps 2 cache")
	}
	// Same method, layer and class, other values (fcconv at another
	// scale, say): measured anew.
	edited := *lm
	edited.Map = cam.NewMap(lm.Map.W, lm.Map.H)
	copy(edited.Map.Data, lm.Map.Data)
	edited.Map.Data[0] += 1
	e, err := a.Faithfulness(ctx, &edited, cfg, nil)
	if err != nil || e.Map == f.Map || e.Random != f.Random {
		t.Fatalf("an edited map came from the cache (%v) or its baselines did not (%v)", e.Map == f.Map, e.Random != f.Random)
	}
	o, err := a.BaselineFaithfulness(ctx, BaselineCenter, 4, cfg, nil)
	if err != nil || o == f.Center || o.Class != 4 {
		t.Fatalf("class 4 came from the class 3 cache: %v", err)
	}
}

func TestFaithfulnessCancelAndErrors(t *testing.T) {
	a := fixture64(t)
	lm, err := a.Map(context.Background(), MapRequest{Method: "gradcam", Class: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = a.Faithfulness(ctx, lm, metrics.Config{Steps: 2, Batch: 2}, func(done, total int) {
		if done >= 4 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want Canceled", err)
	}
	// Nothing half-done was cached: the next call computes all three.
	total := 0
	if _, err := a.Faithfulness(context.Background(), lm, metrics.Config{Steps: 2, Batch: 8}, func(_, t int) { total = t }); err != nil {
		t.Fatal(err)
	}
	if total != 3*metrics.Passes(2) {
		t.Fatalf("total %d", total)
	}
	if _, err := a.Faithfulness(context.Background(), nil, metrics.Config{}, nil); err == nil {
		t.Error("nil map accepted")
	}
	bad := *lm
	bad.Class = 10
	if _, err := a.Faithfulness(context.Background(), &bad, metrics.Config{}, nil); err == nil {
		t.Error("class 10 of 10 accepted")
	}
	if _, err := a.BaselineFaithfulness(context.Background(), "noise", 2, metrics.Config{}, nil); err == nil {
		t.Error("unknown baseline accepted")
	}
	if _, err := a.Faithfulness(context.Background(), lm, metrics.Config{Steps: 64*64 + 1}, nil); err == nil {
		t.Error("more steps than pixels accepted")
	}
	blm, err := a.BaselineLayerMap(BaselineRandom, 2, metrics.Config{Seed: 3})
	if err != nil || blm.Map.W != 64 || blm.Map.H != 64 || blm.Method != BaselineRandom {
		t.Fatalf("BaselineLayerMap: %v %+v", err, blm)
	}
	if _, err := a.Place(blm, 0, 0); err != nil {
		t.Fatalf("a baseline map cannot be placed: %v", err)
	}
}

// BenchmarkFaithfulness times one full measurement (defaults: 32 steps,
// 67 passes per map, map + 2 baselines) on the tiny golden model (224×224)
// and on the 64×64 VGG16 fixture.
func BenchmarkFaithfulness(b *testing.B) {
	cases := []struct{ name, model, input string }{
		{"tinyvgg16-224", goldenDir + "/model.onnx", goldenDir + "/input.npy"},
		{"vgg16-64", "../testdata/models/vgg16_op14.onnx", "../testdata/models/input_64.npy"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m, err := LoadModel(c.model, "")
			if err != nil {
				b.Fatal(err)
			}
			in, err := m.OpenInput(c.input, "")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for b.Loop() {
				a, err := m.Analyze(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				lm, err := a.Map(ctx, MapRequest{Method: "gradcam", Class: a.Top(1)[0].Class})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := a.Faithfulness(ctx, lm, metrics.Config{}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
