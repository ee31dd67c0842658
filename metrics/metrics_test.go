package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"camviz/metrics"

	"go.uber.org/goleak"
)

// probNet is a fake two-class network whose class-0 probability is exactly
// p(image): it returns the logits [log p, log(1−p)] (p clamped to
// [1e-6, 1−1e-6]), so that softmax gives p back.
func probNet(c, h, w int, p func(img []float32) float64) metrics.Forward {
	size := c * h * w
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		if n < 1 || len(in) != n*size {
			return nil, fmt.Errorf("fake net: %d values for %d images of %d", len(in), n, size)
		}
		out := make([]float32, 2*n)
		for i := range n {
			v := min(max(p(in[i*size:(i+1)*size]), 1e-6), 1-1e-6)
			out[2*i], out[2*i+1] = float32(math.Log(v)), float32(math.Log1p(-v))
		}
		return out, nil
	}
}

// regionMean is the mean of channel 0 over the rectangle [x0,x1)×[y0,y1)
// of a w-wide image.
func regionMean(w, x0, y0, x1, y1 int) func([]float32) float64 {
	return func(img []float32) float64 {
		var s float64
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				s += float64(img[y*w+x])
			}
		}
		return s / float64((x1-x0)*(y1-y0))
	}
}

func constInput(c, h, w int, v float32) metrics.Input {
	x := metrics.Input{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for i := range x.Data {
		x.Data[i] = v
	}
	return x
}

func constMap(w, h int, v float32) metrics.Map {
	m := metrics.Map{W: w, H: h, Data: make([]float32, w*h)}
	for i := range m.Data {
		m.Data[i] = v
	}
	return m
}

func rectMap(w, h, x0, y0, x1, y1 int) metrics.Map {
	m := metrics.Map{W: w, H: h, Data: make([]float32, w*h)}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			m.Data[y*w+x] = 1
		}
	}
	return m
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestRegionMapKnownAUC: the network looks only at a rectangle covering
// 1/8 of the picture. The map that is exactly that rectangle removes it in
// the first 4 of 32 steps, so its deletion curve is 1 − i/4 then 0 (AUC
// 1/16) and its insertion curve i/4 then 1 (AUC 15/16); a random map is
// near the diagonal (AUC ≈ 1/2) and loses on both.
func TestRegionMapKnownAUC(t *testing.T) {
	const c, h, w = 3, 32, 32
	net := probNet(c, h, w, regionMean(w, 8, 4, 24, 12)) // 16×8 = 128 px
	x := constInput(c, h, w, 1)
	cfg := metrics.Config{Steps: 32, Insertion: metrics.BaselineMean}
	ctx := context.Background()
	good, err := metrics.Evaluate(ctx, x, rectMap(w, h, 8, 4, 24, 12), 0, net, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range good.Deletion.Probs {
		want := max(0, 1-float64(i)/4)
		if !near(p, want, 1e-5) {
			t.Fatalf("deletion point %d = %g, want %g", i, p, want)
		}
	}
	if !near(good.Deletion.AUC, 1.0/16, 1e-5) || !near(good.Insertion.AUC, 15.0/16, 1e-5) {
		t.Fatalf("region map: deletion AUC %g (want 1/16), insertion AUC %g (want 15/16)", good.Deletion.AUC, good.Insertion.AUC)
	}
	rnd, err := metrics.Evaluate(ctx, x, metrics.Random(w, h, 3), 0, net, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !near(rnd.Deletion.AUC, 0.5, 0.06) || !near(rnd.Insertion.AUC, 0.5, 0.06) {
		t.Fatalf("random map: deletion AUC %g, insertion AUC %g, want ≈ 0.5", rnd.Deletion.AUC, rnd.Insertion.AUC)
	}
	if !(good.Deletion.AUC < rnd.Deletion.AUC && good.Insertion.AUC > rnd.Insertion.AUC) {
		t.Fatalf("the exact map does not beat the random one: %v vs %v", good, rnd)
	}
	// Fractions: 33 points from 0 to 1 in steps of 1/32.
	if n := len(good.Deletion.Fractions); n != 33 || good.Deletion.Fractions[0] != 0 || good.Deletion.Fractions[32] != 1 || good.Deletion.Fractions[4] != 0.125 {
		t.Fatalf("fractions %v", good.Deletion.Fractions)
	}
}

// TestConstantMapIsRandomDeletion: with all values tied, the order is the
// seeded random permutation, so deleting the top half of the picture (all
// the network looks at) follows the diagonal, AUC ≈ 1/2. A stable order
// would sweep the rows top-down and give 1/4.
func TestConstantMapIsRandomDeletion(t *testing.T) {
	const c, h, w = 1, 64, 64
	net := probNet(c, h, w, regionMean(w, 0, 0, w, h/2))
	x := constInput(c, h, w, 1)
	ctx := context.Background()
	var first *metrics.Report
	for _, seed := range []uint64{0, 1, 99} {
		r, err := metrics.Evaluate(ctx, x, constMap(w, h, 0.5), 0, net, metrics.Config{Seed: seed}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !near(r.Deletion.AUC, 0.5, 0.03) {
			t.Errorf("seed %d: deletion AUC %g, want ≈ 0.5 (0.25 would mean ties swept top-down)", seed, r.Deletion.AUC)
		}
		if first == nil {
			first = r
		} else if reflect.DeepEqual(first.Deletion.Probs, r.Deletion.Probs) {
			t.Errorf("seed %d gives the same curve as seed 0: ties are not permuted by the seed", seed)
		}
		again, err := metrics.Evaluate(ctx, x, constMap(w, h, 0.5), 0, net, metrics.Config{Seed: seed}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Errorf("seed %d: two runs differ", seed)
		}
	}
}

// TestOrderIrrelevantForGlobalModel: a network that reads the mean of all
// pixels cannot tell orders apart: every map, constant or not, gives the
// exact diagonal 1 − k/(H·W) (AUC 1/2) for deletion and k/(H·W) for
// insertion from the mean colour.
func TestOrderIrrelevantForGlobalModel(t *testing.T) {
	const c, h, w = 2, 20, 30
	net := probNet(c, h, w, regionMean(w, 0, 0, w, h))
	x := constInput(c, h, w, 1)
	maps := map[string]metrics.Map{
		"constant": constMap(w, h, 0.3),
		"random":   metrics.Random(w, h, 7),
		"centre":   metrics.CenterGaussian(w, h),
		"zero":     constMap(w, h, 0),
	}
	for name, m := range maps {
		r, err := metrics.Evaluate(context.Background(), x, m, 0, net, metrics.Config{Steps: 7, Insertion: metrics.BaselineMean}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range r.Deletion.Fractions {
			if !near(r.Deletion.Probs[i], 1-f, 1e-5) || !near(r.Insertion.Probs[i], f, 1e-5) {
				t.Fatalf("%s: point %d at %g: deletion %g insertion %g", name, i, f, r.Deletion.Probs[i], r.Insertion.Probs[i])
			}
		}
		if !near(r.Deletion.AUC, 0.5, 1e-5) || !near(r.Insertion.AUC, 0.5, 1e-5) {
			t.Fatalf("%s: AUCs %g %g, want 1/2", name, r.Deletion.AUC, r.Insertion.AUC)
		}
	}
}

// TestUnevenSteps: 600 pixels in 7 steps are not equal steps; the points
// sit at ⌊i·600/7⌋/600 and the trapezoid rule uses those fractions.
func TestUnevenSteps(t *testing.T) {
	const c, h, w = 1, 20, 30
	net := probNet(c, h, w, regionMean(w, 0, 0, w, h))
	r, err := metrics.Evaluate(context.Background(), constInput(c, h, w, 1), constMap(w, h, 1), 0, net, metrics.Config{Steps: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.Deletion.Fractions {
		if want := float64(i*600/7) / 600; f != want {
			t.Fatalf("fraction %d = %g, want %g", i, f, want)
		}
	}
}

// TestBlurBaselineOfConstantImage: blurring a constant picture changes
// nothing, so insertion from the blur baseline starts at Y and stays there
// (AUC = Y), whatever the map.
func TestBlurBaselineOfConstantImage(t *testing.T) {
	const c, h, w = 3, 16, 16
	net := probNet(c, h, w, regionMean(w, 0, 0, 4, 4))
	x := constInput(c, h, w, 0.7)
	r, err := metrics.Evaluate(context.Background(), x, metrics.Random(w, h, 1), 0, net, metrics.Config{Steps: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Insertion.Baseline != metrics.BaselineBlur || r.Deletion.Baseline != metrics.BaselineMean {
		t.Fatalf("default baselines %q/%q, want mean/blur", r.Deletion.Baseline, r.Insertion.Baseline)
	}
	for i, p := range r.Insertion.Probs {
		if !near(p, 0.7, 1e-5) {
			t.Fatalf("insertion point %d = %g, want 0.7", i, p)
		}
	}
	if !near(r.Insertion.AUC, 0.7, 1e-5) || !near(r.Prob, 0.7, 1e-5) {
		t.Fatalf("insertion AUC %g, Y %g, want 0.7", r.Insertion.AUC, r.Prob)
	}
}

// TestCurveEndpoints: deletion runs from the input to its baseline,
// insertion from its baseline to the input, on a textured input where the
// blur matters.
func TestCurveEndpoints(t *testing.T) {
	const c, h, w = 3, 24, 24
	rng := rand.New(rand.NewPCG(1, 2))
	x := metrics.Input{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	p := func(img []float32) float64 { // depends on texture: mean |horizontal gradient|
		var s float64
		for y := range h {
			for px := 1; px < w; px++ {
				s += math.Abs(float64(img[y*w+px] - img[y*w+px-1]))
			}
		}
		return s / float64(h*(w-1))
	}
	net := probNet(c, h, w, p)
	blurred, err := metrics.BaselineInput(x, metrics.BaselineBlur, 2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := metrics.Evaluate(context.Background(), x, metrics.Random(w, h, 5), 0, net, metrics.Config{Steps: 6, BlurSigma: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	y, pb := p(x.Data), p(blurred.Data)
	if pb >= y/2 {
		t.Fatalf("the blur baseline hardly blurs: %g vs %g", pb, y)
	}
	d, in := r.Deletion.Probs, r.Insertion.Probs
	checks := []struct {
		name      string
		got, want float64
	}{
		{"Y", r.Prob, y}, {"deletion start", d[0], y}, {"deletion end (mean colour)", d[6], 1e-6},
		{"insertion start (blur)", in[0], pb}, {"insertion end", in[6], y},
	}
	for _, ck := range checks {
		if !near(ck.got, ck.want, 1e-5) {
			t.Errorf("%s = %g, want %g", ck.name, ck.got, ck.want)
		}
	}
}

// TestAverageDrop on hand-computed cases: the network's probability is the
// mean of the input, which is 0.8 everywhere (Y = 0.8).
func TestAverageDrop(t *testing.T) {
	const c, h, w = 1, 8, 8
	mean := regionMean(w, 0, 0, w, h)
	x := constInput(c, h, w, 0.8)
	half := constMap(w, h, 0.5)
	halfHalf := rectMap(w, h, 0, 0, w, h/2) // top half 1, bottom 0
	cases := []struct {
		name     string
		p        func([]float32) float64
		m        metrics.Map
		o, drop  float64
		increase bool
	}{
		{"map 0.5 halves the input", mean, half, 0.4, 50, false},
		{"map 1 keeps it", mean, constMap(w, h, 1), 0.8, 0, false},
		{"map 0 removes it", mean, constMap(w, h, 0), 1e-6, 100 * (0.8 - 1e-6) / 0.8, false},
		{"half the map", mean, halfHalf, 0.4, 50, false},
		{"inverse network gains", func(img []float32) float64 { return 1 - mean(img) }, half, 0.6, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := metrics.Evaluate(context.Background(), x, tc.m, 0, probNet(c, h, w, tc.p), metrics.Config{Steps: 4}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.ExplanationProb, tc.o, 1e-5) || !near(r.AverageDrop, tc.drop, 1e-3) || r.IncreaseInConfidence != tc.increase {
				t.Fatalf("O = %g, drop %g, increase %v; want %g, %g, %v", r.ExplanationProb, r.AverageDrop, r.IncreaseInConfidence, tc.o, tc.drop, tc.increase)
			}
		})
	}
}

func TestDrop(t *testing.T) {
	cases := []struct {
		y, o, drop float64
		inc        bool
	}{
		{0.5, 0.25, 50, false}, {0.5, 0.75, 0, true}, {1, 0, 100, false}, {0.4, 0.4, 0, false}, {0, 0.3, 0, true}, {0, 0, 0, false},
	}
	for _, c := range cases {
		d, inc := metrics.Drop(c.y, c.o)
		if !near(d, c.drop, 1e-12) || inc != c.inc {
			t.Errorf("Drop(%g, %g) = %g, %v; want %g, %v", c.y, c.o, d, inc, c.drop, c.inc)
		}
	}
}

// TestExplanationIsXTimesMap: the explanation image is the normalised
// input times the map, negative values included (pulled towards 0, the
// mean colour).
func TestExplanationIsXTimesMap(t *testing.T) {
	const c, h, w = 3, 5, 7
	rng := rand.New(rand.NewPCG(3, 4))
	x := metrics.Input{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	m := metrics.Random(w, h, 9)
	var last []float32
	net := func(ctx context.Context, in []float32, n int) ([]float32, error) {
		last = append(last[:0], in[(n-1)*c*h*w:]...)
		return make([]float32, 2*n), nil
	}
	if _, err := metrics.Evaluate(context.Background(), x, m, 1, net, metrics.Config{Steps: 3, Batch: 4}, nil); err != nil {
		t.Fatal(err)
	}
	for ch := range c {
		for p := range h * w {
			if got, want := last[ch*h*w+p], x.Data[ch*h*w+p]*m.Data[p]; got != want {
				t.Fatalf("channel %d pixel %d: %g, want %g", ch, p, got, want)
			}
		}
	}
}

// TestBatchingAndProgress: the batch size changes the calls, not the
// numbers; 2·(Steps+1)+1 images go through; progress ends at the total.
func TestBatchingAndProgress(t *testing.T) {
	const c, h, w = 3, 12, 12
	rng := rand.New(rand.NewPCG(5, 6))
	x := metrics.Input{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	base := probNet(c, h, w, regionMean(w, 2, 2, 9, 7))
	var want *metrics.Report
	for _, batch := range []int{1, 5, 16, 1000} {
		var images, calls int
		var done []int
		net := func(ctx context.Context, in []float32, n int) ([]float32, error) {
			if n > batch {
				t.Errorf("batch %d: got %d images", batch, n)
			}
			images += n
			calls++
			return base(ctx, in, n)
		}
		r, err := metrics.Evaluate(context.Background(), x, metrics.CenterGaussian(w, h), 0, net, metrics.Config{Steps: 10, Batch: batch},
			func(d, total int) {
				if total != metrics.Passes(10) {
					t.Errorf("total %d", total)
				}
				done = append(done, d)
			})
		if err != nil {
			t.Fatal(err)
		}
		total := metrics.Passes(10)
		if total != 23 || images != total || r.Passes != total || calls != (total+batch-1)/batch || len(done) != calls || done[len(done)-1] != total {
			t.Fatalf("batch %d: %d images in %d calls, progress %v, passes %d", batch, images, calls, done, r.Passes)
		}
		if want == nil {
			want = r
		} else if !reflect.DeepEqual(r, want) {
			t.Fatalf("batch %d changes the report", batch)
		}
	}
}

// TestCancellation: a cancelled context stops Evaluate before the next
// batch, or inside a forward that honours it, and leaves no goroutine.
func TestCancellation(t *testing.T) {
	defer goleak.VerifyNone(t)
	const c, h, w = 1, 16, 16
	x := constInput(c, h, w, 1)
	m := metrics.Random(w, h, 1)
	base := probNet(c, h, w, regionMean(w, 0, 0, w, h))

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		net := func(ctx context.Context, in []float32, n int) ([]float32, error) { calls++; return base(ctx, in, n) }
		if _, err := metrics.Evaluate(ctx, x, m, 0, net, metrics.Config{}, nil); !errors.Is(err, context.Canceled) || calls != 0 {
			t.Fatalf("err %v after %d calls", err, calls)
		}
	})
	t.Run("between batches", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		net := func(ctx context.Context, in []float32, n int) ([]float32, error) {
			calls++
			if calls == 2 {
				cancel()
			}
			return base(ctx, in, n)
		}
		if _, err := metrics.Evaluate(ctx, x, m, 0, net, metrics.Config{Batch: 4}, nil); !errors.Is(err, context.Canceled) || calls != 2 {
			t.Fatalf("err %v after %d calls, want Canceled after 2", err, calls)
		}
	})
	t.Run("inside a forward", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		var calls atomic.Int32
		net := func(ctx context.Context, in []float32, n int) ([]float32, error) {
			calls.Add(1)
			<-ctx.Done()
			return nil, errors.New("engine: stopped") // an engine that wraps the cause
		}
		start := time.Now()
		_, err := metrics.Evaluate(ctx, x, m, 0, net, metrics.Config{}, nil)
		if !errors.Is(err, context.DeadlineExceeded) || calls.Load() != 1 {
			t.Fatalf("err %v after %d calls", err, calls.Load())
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v to stop", d)
		}
	})
}

func TestErrors(t *testing.T) {
	const c, h, w = 2, 6, 6
	x := constInput(c, h, w, 1)
	good := metrics.Random(w, h, 1)
	net := probNet(c, h, w, regionMean(w, 0, 0, w, h))
	bad := constMap(w, h, 0.5)
	bad.Data[7] = 1.5
	nan := constMap(w, h, 0.5)
	nan.Data[3] = float32(math.NaN())
	boom := errors.New("boom")
	cases := []struct {
		name  string
		x     metrics.Input
		m     metrics.Map
		class int
		net   metrics.Forward
		cfg   metrics.Config
		is    error
	}{
		{"map size", x, metrics.Random(w+1, h, 1), 0, net, metrics.Config{}, nil},
		{"map value above 1", x, bad, 0, net, metrics.Config{}, nil},
		{"map NaN", x, nan, 0, net, metrics.Config{}, nil},
		{"input size", metrics.Input{C: c, H: h, W: w, Data: x.Data[1:]}, good, 0, net, metrics.Config{}, nil},
		{"steps above pixels", x, good, 0, net, metrics.Config{Steps: 37}, nil},
		{"negative steps", x, good, 0, net, metrics.Config{Steps: -1}, nil},
		{"negative batch", x, good, 0, net, metrics.Config{Batch: -2}, nil},
		{"unknown baseline", x, good, 0, net, metrics.Config{Insertion: "noise"}, nil},
		{"negative sigma", x, good, 0, net, metrics.Config{BlurSigma: -1}, nil},
		{"class out of range", x, good, 2, net, metrics.Config{}, nil},
		{"negative class", x, good, -1, net, metrics.Config{}, nil},
		{"nil forward", x, good, 0, nil, metrics.Config{}, nil},
		{"forward fails", x, good, 0, func(context.Context, []float32, int) ([]float32, error) { return nil, boom }, metrics.Config{}, boom},
		{"short logits", x, good, 0, func(_ context.Context, _ []float32, n int) ([]float32, error) {
			return make([]float32, 2*n+1), nil
		}, metrics.Config{}, nil},
		{"NaN logits", x, good, 0, func(_ context.Context, _ []float32, n int) ([]float32, error) {
			l := make([]float32, 2*n)
			l[1] = float32(math.NaN())
			return l, nil
		}, metrics.Config{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := metrics.Evaluate(context.Background(), tc.x, tc.m, tc.class, tc.net, tc.cfg, nil)
			if err == nil {
				t.Fatalf("no error; report %v", r)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
			t.Log(err)
		})
	}
}

func TestAUC(t *testing.T) {
	// A step: 1 until 0.25, a linear fall to 0 at 0.5, then 0.
	if got := metrics.AUC([]float64{0, 0.25, 0.5, 0.75, 1}, []float64{1, 1, 0, 0, 0}); got != 0.375 {
		t.Errorf("step AUC %g, want 0.375", got)
	}
	x := make([]float64, 33)
	f := make([]float64, 33)
	for i := range x {
		x[i] = float64(i) / 32
		f[i] = 1 - x[i]
	}
	if got := metrics.AUC(x, f); !near(got, 0.5, 1e-15) {
		t.Errorf("diagonal AUC %g, want 0.5", got)
	}
	if got := metrics.AUC([]float64{0, 0.1, 1}, []float64{0.2, 0.2, 0.2}); !near(got, 0.2, 1e-15) {
		t.Errorf("constant AUC %g, want 0.2", got)
	}
}

func TestOrder(t *testing.T) {
	m := metrics.Map{W: 3, H: 2, Data: []float32{0.1, 0.9, float32(math.NaN()), 0.5, 0.9, 0}}
	o := metrics.Order(m, 0)
	if len(o) != 6 || o[2] != 3 || o[3] != 0 || o[4] != 5 || o[5] != 2 || !(o[0] == 1 && o[1] == 4 || o[0] == 4 && o[1] == 1) {
		t.Fatalf("order %v, want {1,4} 3 0 5 2", o)
	}
	// Ties: a constant map's order is a permutation that depends on the seed.
	flat := constMap(10, 10, 0.5)
	a, b, a2 := metrics.Order(flat, 1), metrics.Order(flat, 2), metrics.Order(flat, 1)
	if reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, a2) {
		t.Fatal("tie order is not a function of the seed")
	}
	seen := make([]bool, 100)
	inversions := 0
	for i, p := range a {
		seen[p] = true
		if i > 0 && p < a[i-1] {
			inversions++
		}
	}
	for p, ok := range seen {
		if !ok {
			t.Fatalf("pixel %d missing", p)
		}
	}
	if inversions < 30 {
		t.Fatalf("tie order looks sorted: %d descents in 99", inversions)
	}
}

func TestBlur(t *testing.T) {
	const h, w = 41, 41
	// Constant planes stay constant, edges included (mirroring).
	x := constInput(2, h, w, -1.25)
	b, err := metrics.BaselineInput(x, metrics.BaselineBlur, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range b.Data {
		if !near(float64(v), -1.25, 1e-5) {
			t.Fatalf("value %d = %g, want -1.25", i, v)
		}
	}
	// An impulse spreads into a separable Gaussian of the given σ.
	imp := metrics.Input{C: 1, H: h, W: w, Data: make([]float32, h*w)}
	imp.Data[20*w+20] = 1
	const sigma = 2.5
	b, err = metrics.BaselineInput(imp, metrics.BaselineBlur, sigma)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range b.Data {
		sum += float64(v)
	}
	ctr := float64(b.Data[20*w+20])
	if !near(sum, 1, 1e-5) {
		t.Errorf("impulse response sums to %g", sum)
	}
	for _, d := range [][2]int{{1, 0}, {0, 3}, {-2, 0}, {2, -2}} {
		got := float64(b.Data[(20+d[1])*w+20+d[0]]) / ctr
		want := math.Exp(-float64(d[0]*d[0]+d[1]*d[1]) / (2 * sigma * sigma))
		if !near(got, want, 1e-5) {
			t.Errorf("offset %v: ratio %g, want %g", d, got, want)
		}
	}
	if imp.Data[20*w+20] != 1 {
		t.Error("the blur changed its input")
	}
	// The mean baseline is all zeros.
	z, err := metrics.BaselineInput(x, metrics.BaselineMean, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range z.Data {
		if v != 0 {
			t.Fatal("mean baseline is not zero")
		}
	}
	if got := metrics.BlurSigma(0, 224, 224); got != 5 {
		t.Errorf("default σ at 224: %g", got)
	}
	if got := metrics.BlurSigma(0, 300, 112); got != 2.5 {
		t.Errorf("default σ at 300×112: %g", got)
	}
	if got := metrics.BlurSigma(1.5, 300, 112); got != 1.5 {
		t.Errorf("given σ: %g", got)
	}
}

func TestBaselineMaps(t *testing.T) {
	r := metrics.Random(40, 30, 11)
	var s float64
	for _, v := range r.Data {
		if !(v >= 0 && v < 1) {
			t.Fatalf("random value %g", v)
		}
		s += float64(v)
	}
	if r.W != 40 || r.H != 30 || !near(s/1200, 0.5, 0.03) {
		t.Fatalf("random map %d×%d mean %g", r.W, r.H, s/1200)
	}
	if reflect.DeepEqual(r, metrics.Random(40, 30, 12)) || !reflect.DeepEqual(r, metrics.Random(40, 30, 11)) {
		t.Fatal("random map is not a function of the seed")
	}
	g := metrics.CenterGaussian(41, 21)
	if g.Data[10*41+20] != 1 {
		t.Fatalf("centre value %g", g.Data[10*41+20])
	}
	for y := range 21 {
		for x := range 41 {
			v := g.Data[y*41+x]
			if v != g.Data[(20-y)*41+x] || v != g.Data[y*41+40-x] || !(v > 0 && v <= 1) {
				t.Fatalf("not symmetric or out of range at (%d,%d): %g", x, y, v)
			}
		}
	}
	// One σ (41/4 = 10.25 px) right of the centre: e^−1/2.
	if got, want := float64(g.Data[10*41+30]), math.Exp(-0.5*(10/10.25)*(10/10.25)); !near(got, want, 1e-6) {
		t.Fatalf("value at 10 px right: %g, want %g", got, want)
	}
}

func TestSummarize(t *testing.T) {
	f := []float64{0, 0.5, 1}
	a := &metrics.Report{Deletion: metrics.Curve{Fractions: f, Probs: []float64{1, 0.5, 0}, AUC: 0.5},
		Insertion: metrics.Curve{Fractions: f, Probs: []float64{0, 0, 1}, AUC: 0.25}, AverageDrop: 10, IncreaseInConfidence: true}
	b := &metrics.Report{Deletion: metrics.Curve{Fractions: f, Probs: []float64{1, 0, 0}, AUC: 0.25},
		Insertion: metrics.Curve{Fractions: f, Probs: []float64{0, 1, 1}, AUC: 0.75}, AverageDrop: 30}
	s := metrics.Summarize(a, nil, b)
	want := metrics.Summary{N: 2, DeletionAUC: 0.375, InsertionAUC: 0.5, AverageDrop: 20, IncreaseInConfidence: 50,
		Deletion: []float64{1, 0.25, 0}, Insertion: []float64{0, 0.5, 1}, Fractions: f}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	c := &metrics.Report{Deletion: metrics.Curve{Fractions: []float64{0, 1}, Probs: []float64{1, 0}, AUC: 0.5},
		Insertion: metrics.Curve{Fractions: []float64{0, 1}, Probs: []float64{0, 1}, AUC: 0.5}}
	if s := metrics.Summarize(a, c); s.N != 2 || s.Deletion != nil || s.Fractions != nil || s.DeletionAUC != 0.5 {
		t.Fatalf("mixed curves: %+v", s)
	}
	if s := metrics.Summarize(); s.N != 0 || s.Deletion != nil {
		t.Fatalf("empty: %+v", s)
	}
}

func TestConfig(t *testing.T) {
	c := metrics.Config{}.WithDefaults()
	if c.Steps != 32 || c.Batch != 16 || c.Deletion != metrics.BaselineMean || c.Insertion != metrics.BaselineBlur || metrics.Passes(0) != 67 {
		t.Fatalf("defaults %+v, passes %d", c, metrics.Passes(0))
	}
	for _, s := range []string{"mean", "blur"} {
		if b, err := metrics.ParseBaseline(s); err != nil || string(b) != s {
			t.Errorf("ParseBaseline(%q) = %q, %v", s, b, err)
		}
	}
	if _, err := metrics.ParseBaseline("black"); err == nil {
		t.Error("ParseBaseline accepts black")
	}
}

// BenchmarkEvaluate224 times the bookkeeping of one Evaluate at 224×224
// (67 images) around a network that costs nothing: the overhead a real
// model's forward passes add to.
func BenchmarkEvaluate224(b *testing.B) {
	const c, h, w = 3, 224, 224
	x := constInput(c, h, w, 0.5)
	m := metrics.Random(w, h, 1)
	net := func(_ context.Context, _ []float32, n int) ([]float32, error) { return make([]float32, 10*n), nil }
	for b.Loop() {
		if _, err := metrics.Evaluate(context.Background(), x, m, 0, net, metrics.Config{}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
