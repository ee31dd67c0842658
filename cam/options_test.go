package cam_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestOptionSet: each kind parses its own values into its Params field
// and refuses others with a message naming the option and the method.
func TestOptionSet(t *testing.T) {
	for _, c := range []struct {
		method, name, text string
		want, err          string // Value after Set, or the error's text
	}{
		{"sscam", "samples", "12", "12", ""},
		{"sscam", "sigma", "0.25", "0.25", ""},
		{"sscam", "sigma", "NaN", "", `-sigma "NaN": want a number`},
		{"sscam", "samples", "1.5", "", `-samples "1.5": want an integer ≥ 0`},
		{"gradcam", "eigen-smooth", "true", "true", ""},
		{"gradcam", "eigen-smooth", "yes", "", "want true or false"},
		{"gradcam", "target", "prob", "prob", ""},
		{"gradcam", "target", "softmax", "", "want one of logit, prob, rest, neg"},
		{"refinecam", "refine-base", "layercam", "layercam", ""},
		{"refinecam", "refine-base", "scorecam", "", "want one of gradcam, hirescam"},
		{"gradcam", "layer", " a , b ", "a,b", ""},
		{"gradcam", "layer", "a,,b", "", "empty layer name"},
		{"gradcam", "layer", "a,a", "", `layer "a" given twice`},
		{"scorecam", "eigen-smooth", "true", "", "scorecam does not take -eigen-smooth"},
		{"fcconv", "layer", "a", "", "fcconv does not take -layer"},
		{"sobelcam", "target", "prob", "", "sobelcam does not take -target"},
		{"iscam", "sigma", "1", "", "iscam does not take -sigma"},
	} {
		m, _ := cam.Find(c.method)
		var p cam.Params
		err := m.Set(&p, c.name, c.text)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s -%s %q: error %v, want %q", c.method, c.name, c.text, err, c.err)
			}
		case err != nil:
			t.Errorf("%s -%s %q: %v", c.method, c.name, c.text, err)
		case m.Value(p, c.name) != c.want:
			t.Errorf("%s -%s %q reads back %q, want %q", c.method, c.name, c.text, m.Value(p, c.name), c.want)
		}
	}
	// Where the values land: the numeric map, the target, several layers.
	g, _ := cam.Find("gradcam")
	var p cam.Params
	for _, kv := range [][2]string{{"eigen-smooth", "true"}, {"target", "neg"}, {"layer", "x,y"}} {
		if err := g.Set(&p, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if p.Options["eigen-smooth"] != 1 || p.Target != "neg" || p.Layer != "x" || !slices.Equal(p.Layers, []string{"x", "y"}) {
		t.Errorf("params %+v", p)
	}
	if got := g.Describe(p); got != "target=neg eigen-smooth=true" {
		t.Errorf("Describe = %q", got)
	}
}

// TestOptionJSON: `methods -json` sees each option's kind and a default
// of that kind.
func TestOptionJSON(t *testing.T) {
	r, _ := cam.Find("refinecam")
	s, _ := cam.Find("sscam")
	b, err := json.Marshal(append(r.AllOptions(), s.Options[:2]...))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"name":"refine-base","kind":"choice","default":"gradcam++","help":"the method whose per-layer maps are multiplied","choices":["gradcam","hirescam",`,
		`{"name":"aug-smooth","kind":"bool","default":false,`,
		`{"name":"samples","kind":"int","default":35,`,
		`{"name":"sigma","kind":"float","default":2,`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

// TestSettings: the text form is canonical (order of setting does not
// matter), an empty value removes, Apply takes only the method's own.
func TestSettings(t *testing.T) {
	var a, b cam.Settings
	var err error
	for _, kv := range [][2]string{{"samples", "5"}, {"target", "prob"}, {"sigma", "1"}} {
		if a, err = a.With(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range [][2]string{{"sigma", "1"}, {"target", "rest"}, {"samples", "5"}, {"target", "prob"}} {
		b, _ = b.With(kv[0], kv[1])
	}
	if a != b || a != "samples=5;sigma=1;target=prob" {
		t.Errorf("settings %q and %q", a, b)
	}
	if _, err := a.With("x", "a;b"); err == nil {
		t.Error("a value with ';' was taken")
	}
	c, _ := a.With("sigma", "")
	if v, ok := c.Get("sigma"); ok || c != "samples=5;target=prob" {
		t.Errorf("removed sigma: %q (%q, %v)", c, v, ok)
	}
	iscam, _ := cam.Find("iscam")
	var p cam.Params
	if err := iscam.Apply(&p, a); err != nil {
		t.Fatal(err)
	}
	if p.Options["samples"] != 5 || p.Target != "" || len(p.Options) != 1 {
		t.Errorf("iscam took %+v from %q", p, a)
	}
	bad, _ := a.With("samples", "many")
	if err := iscam.Apply(&p, bad); err == nil {
		t.Error("samples=many was taken")
	}
}

// TestComputeRefusesGenericOptions: Params that set a generic option the
// method does not take fail, naming both.
func TestComputeRefusesGenericOptions(t *testing.T) {
	src := &fakeSource{a: smallA, g: smallG}
	for _, c := range []struct {
		method string
		p      cam.Params
		want   string
	}{
		{"eigencam", cam.Params{Options: map[string]float64{"eigen-smooth": 1}}, "eigencam does not take -eigen-smooth"},
		{"fcconv", cam.Params{Layers: []string{"a", "b"}}, "fcconv does not take -layer"},
		{"ablationcam", cam.Params{Target: "prob"}, "ablationcam does not take -target"},
	} {
		m, _ := cam.Find(c.method)
		if _, err := m.Compute(context.Background(), src, c.p); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.method, err, c.want)
		}
	}
}

// seedSource has one gradient per class; SeedGradients is their
// combination by the seed, as a backward from the seed would give.
type seedSource struct {
	fakeSource
	logits []float32
	grads  []cam.Maps
	seeds  [][]float32
}

func (s *seedSource) Logits() []float32 { return s.logits }
func (s *seedSource) Gradients(_ context.Context, _ string, k int) (cam.Maps, error) {
	return s.grads[k], nil
}
func (s *seedSource) SeedGradients(_ context.Context, _ string, seed []float32) (cam.Maps, error) {
	s.seeds = append(s.seeds, seed)
	g := cam.Maps{C: s.a.C, H: s.a.H, W: s.a.W, Data: make([]float32, len(s.a.Data))}
	for j, sj := range seed {
		for i, v := range s.grads[j].Data {
			g.Data[i] += sj * v
		}
	}
	return g, nil
}

// TestComputeTarget: -target takes the gradients of the target's seed;
// logit stays the class's own gradient.
func TestComputeTarget(t *testing.T) {
	other := cam.Maps{C: 2, H: 1, W: 2, Data: []float32{-1, 2, 0.5, -3}}
	src := &seedSource{fakeSource: fakeSource{a: smallA}, logits: []float32{0.3, 1.2}, grads: []cam.Maps{other, smallG}}
	m, _ := cam.Find("gradcam")
	for _, target := range []string{"logit", "prob", "rest", "neg"} {
		before := len(src.seeds)
		r, err := m.Compute(context.Background(), src, cam.Params{Class: 1, Layer: "x", Target: target})
		if err != nil {
			t.Fatal(err)
		}
		if seeded := len(src.seeds) - before; seeded != map[bool]int{true: 0, false: 1}[target == "logit"] {
			t.Errorf("%s: %d seeded backward passes", target, seeded)
		}
		seed, _ := cam.Seed(target, src.logits, 1)
		g, _ := src.SeedGradients(context.Background(), "", seed)
		want, _ := cam.LayerMap("gradcam", smallA, g)
		if d := camtest.MaxAbsDiff(r.Map.Data, want.Data); d > 1e-6 {
			t.Errorf("%s: off by %.3g", target, d)
		}
	}
}

// linearSource is a network whose logits are affine in the input:
// y_j = Σ_i W_ji·x_i + (j+1)/2, over fixed activations a (3 channels, 2×2) and a
// 2×4×4 input; forward counts the masked images it is given.
type linearSource struct {
	fakeSource
	x      cam.Maps
	w      [][]float32 // per class, one weight per input value
	passes int
}

func newLinearSource() *linearSource {
	s := &linearSource{x: cam.Maps{C: 2, H: 4, W: 4, Data: make([]float32, 32)}}
	s.a = cam.Maps{C: 3, H: 2, W: 2, Data: []float32{1, 0, 0, 2, 0, 3, 1, 0, 2, 2, 0.5, 0}}
	for i := range s.x.Data {
		s.x.Data[i] = float32(math.Sin(float64(i)*0.7) + 1)
	}
	for j := range 3 {
		w := make([]float32, 32)
		for i := range w {
			w[i] = float32(math.Cos(float64(i*(j+2)) * 0.3))
		}
		s.w = append(s.w, w)
	}
	return s
}

func (s *linearSource) Input() cam.Maps { return s.x }
func (s *linearSource) Forward() cam.BatchFunc {
	return func(_ context.Context, in []float32, n int) ([]float32, error) {
		s.passes += n
		return s.logits(in, n), nil
	}
}

// Logits are the un-masked input's (not counted as a pass).
func (s *linearSource) Logits() []float32 { return s.logits(s.x.Data, 1) }

func (s *linearSource) logits(in []float32, n int) []float32 {
	out := make([]float32, 0, 3*n)
	for b := range n {
		for j, w := range s.w {
			y := 0.5 * float64(j+1) // a bias: a black input has its own logits
			for i, v := range in[b*32 : (b+1)*32] {
				y += float64(w[i] * v)
			}
			out = append(out, float32(y))
		}
	}
	return out
}

func computeOpts(t *testing.T, src cam.Source, method string, set map[string]string) cam.Map {
	t.Helper()
	m, _ := cam.Find(method)
	p := cam.Params{Class: 1, Layer: "x"}
	for k, v := range set {
		if err := m.Set(&p, k, v); err != nil {
			t.Fatal(err)
		}
	}
	r, err := m.Compute(context.Background(), src, p)
	if err != nil {
		t.Fatalf("%s %v: %v", method, set, err)
	}
	return r.Map
}

// TestMaskedZeroNoise: SS-CAM without noise, IS-CAM with one sample and
// Faster-Score-CAM over every channel are Score-CAM; Faster-Score-CAM over
// one channel is that channel (the one of largest variance) alone.
func TestMaskedZeroNoise(t *testing.T) {
	src := newLinearSource()
	score := computeOpts(t, src, "scorecam", nil)
	for _, c := range []struct {
		method string
		set    map[string]string
	}{
		{"sscam", map[string]string{"sigma": "0", "samples": "3"}},
		{"iscam", map[string]string{"samples": "1"}},
		{"faster-scorecam", map[string]string{"max-channels": "3"}},
	} {
		got := computeOpts(t, src, c.method, c.set)
		// Different batches from Score-CAM's: a tolerance, far below the
		// weights' own size.
		if d := camtest.MaxAbsDiff(got.Data, score.Data); d > 1e-5 {
			t.Errorf("%s %v: off Score-CAM by %.3g", c.method, c.set, d)
		}
	}
	src.passes = 0
	one := computeOpts(t, src, "faster-scorecam", map[string]string{"max-channels": "1"})
	// Channel 1 (0, 3, 1, 0) has the largest variance; its weight is 1.
	if !slices.Equal(one.Data, []float32{0, 3, 1, 0}) || src.passes != 1 {
		t.Errorf("max-channels 1: %v after %d passes", one.Data, src.passes)
	}
	src.passes = 0
	computeOpts(t, src, "sscam", map[string]string{"samples": "4", "batch": "2"})
	if src.passes != 12 {
		t.Errorf("sscam, 4 samples of 3 channels: %d masked passes, want 12", src.passes)
	}
	noisy := computeOpts(t, src, "sscam", map[string]string{"sigma": "0.5", "samples": "2"})
	if d := camtest.MaxAbsDiff(noisy.Data, score.Data); d < 1e-3 {
		t.Errorf("sigma 0.5 is within %.3g of Score-CAM: the noise does nothing", d)
	}
}

// TestSSCAMVarianceFalls: across seeds, SS-CAM's map varies less with 32
// samples than with 2 (by about 16× for these linear scores; 4× asked).
func TestSSCAMVarianceFalls(t *testing.T) {
	src := newLinearSource()
	variance := func(samples string) float64 {
		var maps []cam.Map
		for seed := range 8 {
			maps = append(maps, computeOpts(t, src, "sscam", map[string]string{
				"samples": samples, "sigma": "0.5", "seed": string(rune('0' + seed))}))
		}
		var v float64
		for p := range maps[0].Data {
			var mean, sq float64
			for _, m := range maps {
				mean += float64(m.Data[p]) / 8
				sq += float64(m.Data[p]) * float64(m.Data[p]) / 8
			}
			v += sq - mean*mean
		}
		return v
	}
	few, many := variance("2"), variance("32")
	t.Logf("variance across seeds: %.3g with 2 samples, %.3g with 32", few, many)
	if !(many < few/4) || few == 0 {
		t.Errorf("variance %.3g with 32 samples, %.3g with 2", many, few)
	}
}

// TestRandomCAM: a seed always gives the same map, another seed another
// one; the map is RandomWeights' weighted sum.
func TestRandomCAM(t *testing.T) {
	src := newLinearSource()
	m0 := computeOpts(t, src, "randomcam", map[string]string{"seed": "7"})
	again := computeOpts(t, src, "randomcam", map[string]string{"seed": "7"})
	other := computeOpts(t, src, "randomcam", map[string]string{"seed": "8"})
	w, _ := cam.RandomWeights(3, 7)
	want, _ := cam.WeightedSum(src.a, w)
	if !slices.Equal(m0.Data, again.Data) || camtest.MaxAbsDiff(m0.Data, want.Data) > 1e-6 {
		t.Errorf("seed 7: %v, again %v, want %v", m0.Data, again.Data, want.Data)
	}
	if camtest.MaxAbsDiff(m0.Data, other.Data) < 1e-3 {
		t.Errorf("seeds 7 and 8 give the same map %v", m0.Data)
	}
}

// augSource's activations are its input (one channel per input channel),
// so a map shows where the input was; With gives the source of another
// input.
type augSource struct {
	fakeSource
	x cam.Maps
}

func (s *augSource) Input() cam.Maps                      { return s.x }
func (s *augSource) Activations(string) (cam.Maps, error) { return s.x, nil }
func (s *augSource) With(_ context.Context, x cam.Maps) (cam.Source, error) {
	return &augSource{x: x}, nil
}

// TestComputeAugSmooth: -aug-smooth is the mean of the six augmented
// inputs' final maps, each flipped back: on an input bright on its left,
// the map stays on the left.
func TestComputeAugSmooth(t *testing.T) {
	x := cam.Maps{C: 1, H: 1, W: 4, Data: []float32{4, 3, 0, 0}}
	src := &augSource{x: x}
	m, _ := cam.Find("randomcam")
	seed := uint64(0) // one whose weight is positive, so the map is not all ReLU'd away
	for w, _ := cam.RandomWeights(1, seed); w[0] <= 0; w, _ = cam.RandomWeights(1, seed) {
		seed++
	}
	r, err := m.Compute(context.Background(), src, cam.Params{Layer: "x", Options: map[string]float64{"aug-smooth": 1, "seed": float64(seed)}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := cam.AugSmooth(x, func(in cam.Maps) (cam.Map, error) {
		w, _ := cam.RandomWeights(1, seed)
		lm, _ := cam.WeightedSum(in, w)
		f, _, err := cam.Postprocess(lm, 4, 1, cam.MinMax, 0)
		return f, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Final || camtest.MaxAbsDiff(r.Map.Data, want.Data) > 1e-6 || !(r.Map.Data[0] > r.Map.Data[3]) {
		t.Errorf("aug-smooth map %v (final %v), want %v", r.Map.Data, r.Final, want.Data)
	}
	if _, err := m.Compute(context.Background(), noWith{src}, cam.Params{Options: map[string]float64{"aug-smooth": 1}}); err == nil ||
		!strings.Contains(err.Error(), "not available") {
		t.Errorf("aug-smooth on a source without With: %v", err)
	}
}

type noWith struct{ *augSource }

func (noWith) With(context.Context, cam.Maps) (cam.Source, error) { return nil, cam.ErrNotAvailable }

// TestMaskScoresRunsBlackOnce: all-zero masks share one pass; every score
// is the class's logit of its own masked input.
func TestMaskScoresRunsBlackOnce(t *testing.T) {
	src := newLinearSource()
	masks := cam.Maps{C: 4, H: 4, W: 4, Data: make([]float32, 64)}
	for q := range 16 {
		masks.Data[16+q] = float32(q) / 15 // mask 1: a ramp
		masks.Data[48+q] = 0.5             // mask 3: a constant half
	}
	got, err := cam.MaskScores(context.Background(), src.x, masks, 2, 3, src.Forward())
	if err != nil {
		t.Fatal(err)
	}
	if src.passes != 3 {
		t.Errorf("%d masked passes for 2 masks and 2 black ones, want 3", src.passes)
	}
	forward := src.Forward()
	for k := range 4 {
		in := make([]float32, 32)
		for c := range 2 {
			for q := range 16 {
				in[c*16+q] = src.x.Data[c*16+q] * masks.Data[k*16+q]
			}
		}
		want, _ := forward(context.Background(), in, 1)
		if d := got[k] - want[2]; d > 1e-5 || d < -1e-5 {
			t.Errorf("mask %d: score %g, its own input's logit %g", k, got[k], want[2])
		}
	}
}
