package cam_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"camviz/cam"
)

// plainScores is ScoreCAM's per-channel scores from independent masks,
// one forward each (the loop the shortcuts must equal).
func plainScores(a, x cam.Maps, class int) []float64 {
	scores := make([]float64, a.C)
	plane := x.H * x.W
	for k := range a.C {
		up := alignCorners(a.Channel(k), a.H, a.W, x.H, x.W)
		lo, hi := slices.Min(up), slices.Max(up)
		for c := range x.C {
			for p, m := range up {
				scores[k] += float64(x.Data[c*plane+p]) * (m - lo) / (hi - lo + 1e-8)
			}
		}
		if class == 1 {
			scores[k] = -scores[k]
		}
	}
	return scores
}

func checkWeights(t *testing.T, what string, w []float32, scores []float64) {
	t.Helper()
	want := softmax64(scores)
	for k := range w {
		if math.Abs(float64(w[k])-want[k]) > 1e-5 {
			t.Fatalf("%s: w = %v, want %v", what, w, want)
		}
	}
}

// TestScoreIdenticalMasksShareAPass: a channel equal to another makes the
// same mask, which runs once; both get its logits, and the weights are the
// plain loop's.
func TestScoreIdenticalMasksShareAPass(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	a := randMaps(rng, 6, 3, 3)
	copy(a.Channel(4), a.Channel(1))
	copy(a.Channel(5), a.Channel(1))
	x := cam.Maps{C: 3, H: 5, W: 4, Data: make([]float32, 60)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	f := &sumForward{size: 60}
	run, err := cam.ScoreLogits(context.Background(), a, x, nil, 0, 2, f.run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.images) != 4 || run.Passes != 4 {
		t.Fatalf("%d images run (Passes %d), want 4: channels 4 and 5 share channel 1's", len(f.images), run.Passes)
	}
	for _, k := range []int{4, 5} {
		if !slices.Equal(run.Logits[k*2:k*2+2], run.Logits[2:4]) {
			t.Errorf("channel %d logits %v, channel 1's %v", k, run.Logits[k*2:k*2+2], run.Logits[2:4])
		}
	}
	for class := range 2 {
		w, err := run.Weights(class)
		if err != nil {
			t.Fatal(err)
		}
		checkWeights(t, "shared masks", w, plainScores(a, x, class))
	}
}

// TestScoreUnmaskedInputReused: where a mask leaves the input unchanged
// (1 wherever the input is not zero), the channel takes the un-masked
// logits instead of a pass; the weights are the plain loop's.
func TestScoreUnmaskedInputReused(t *testing.T) {
	a := cam.Maps{C: 3, H: 2, W: 2, Data: []float32{
		9, 1, 0, 2, // max (mask exactly 1) at the top-left corner
		0, 5, 3, 1, // max at the top right
		4, 0, 2, 1,
	}}
	x := cam.Maps{C: 3, H: 3, W: 3, Data: make([]float32, 27)}
	for c := range 3 {
		x.Data[c*9] = float32(c) + 0.5 // only the top-left pixel is lit
	}
	base, err := (&sumForward{size: 27}).run(context.Background(), x.Data, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := &sumForward{size: 27}
	run, err := cam.ScoreLogits(context.Background(), a, x, base, 0, 4, f.run, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Channels 0 and 2 peak at the lit pixel: their masks are 1 there.
	if len(f.images) != 1 {
		t.Fatalf("%d images run, want 1 (channels 0 and 2 reuse the un-masked pass)", len(f.images))
	}
	if !slices.Equal(run.Logits[0:2], base) || !slices.Equal(run.Logits[4:6], base) {
		t.Errorf("logits %v, want the un-masked %v for channels 0 and 2", run.Logits, base)
	}
	for class := range 2 {
		w, err := run.Weights(class)
		if err != nil {
			t.Fatal(err)
		}
		checkWeights(t, "un-masked reuse", w, plainScores(a, x, class))
	}
	// Without base every channel runs.
	g := &sumForward{size: 27}
	if _, err := cam.ScoreLogits(context.Background(), a, x, nil, 0, 4, g.run, nil); err != nil || len(g.images) != 3 {
		t.Fatalf("without base: %d images (%v), want 3", len(g.images), err)
	}
	// A base of another model's classes is refused.
	if _, err := cam.ScoreLogits(context.Background(), a, x, []float32{1, 2, 3}, 0, 4, (&sumForward{size: 27}).run, nil); err == nil {
		t.Error("un-masked logits of 3 classes accepted for passes of 2")
	}
}

// TestScoreRunServesEveryClass: one run's logits give each class the
// weights of a run for that class alone (same passes, so exactly).
func TestScoreRunServesEveryClass(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	a := randMaps(rng, 7, 3, 3)
	x := cam.Maps{C: 3, H: 4, W: 4, Data: make([]float32, 48)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	run, err := cam.ScoreLogits(context.Background(), a, x, nil, 0, 4, (&sumForward{size: 48}).run, nil)
	if err != nil {
		t.Fatal(err)
	}
	for class := range 2 {
		got, err := run.Weights(class)
		if err != nil {
			t.Fatal(err)
		}
		want, err := cam.ScoreWeights(context.Background(), a, x, class, 4, (&sumForward{size: 48}).run, nil)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("class %d: from the run %v, alone %v (%v)", class, got, want, err)
		}
		s, _ := run.ChannelScores(class)
		if math.Abs(float64(s[3])-plainScores(a, x, class)[3]) > 1e-4 {
			t.Errorf("class %d channel 3 score %v, want %v", class, s[3], plainScores(a, x, class)[3])
		}
	}
	if _, err := run.Weights(2); err == nil {
		t.Error("class 2 of 2 accepted")
	}
}
