package cam_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"camviz/cam"
)

// linearTail is a fake network tail with known answers:
// logit_c = bias_c + Σ_k beta[c][k]·Σ_p A_k(p).
type linearTail struct {
	beta  [][]float64
	bias  []float64
	c, hw int
	calls []int // n of each call
}

func (l *linearTail) run(ctx context.Context, in []float32, n int) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(in) != n*l.c*l.hw {
		return nil, errors.New("wrong input length")
	}
	l.calls = append(l.calls, n)
	out := make([]float32, 0, n*len(l.beta))
	for i := range n {
		item := in[i*l.c*l.hw:]
		for c := range l.beta {
			s := l.bias[c]
			for k := range l.c {
				s += l.beta[c][k] * float64(sum(item[k*l.hw:(k+1)*l.hw]))
			}
			out = append(out, float32(s))
		}
	}
	return out, nil
}

func sum(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func newLinearTail(rng *rand.Rand, classes, c, hw int) *linearTail {
	l := &linearTail{c: c, hw: hw, bias: make([]float64, classes)}
	for range classes {
		row := make([]float64, c)
		for k := range row {
			row[k] = rng.Float64() - 0.3
		}
		l.beta = append(l.beta, row)
	}
	for i := range l.bias {
		l.bias[i] = 1 + rng.Float64()
	}
	return l
}

func TestAblationWeightsLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := randMaps(rng, 7, 3, 4)
	for _, c := range []struct {
		batch int
		calls []int
	}{
		{1, []int{1, 1, 1, 1, 1, 1, 1}},
		{3, []int{3, 3, 1}},
		{7, []int{7}},
		{0, []int{7}},   // DefaultBatch, capped at C
		{100, []int{7}}, // capped at C
	} {
		tail := newLinearTail(rng, 4, a.C, a.H*a.W)
		const class = 2
		y := tail.bias[class]
		for k := range a.C {
			y += tail.beta[class][k] * float64(sum(a.Channel(k)))
		}
		var done []int
		w, err := cam.AblationWeights(context.Background(), a, class, float32(y), c.batch, tail.run,
			func(d, total int) {
				if total != a.C {
					t.Errorf("progress total %d", total)
				}
				done = append(done, d)
			})
		if err != nil {
			t.Fatal(err)
		}
		// Zeroing channel k (min(A) = 0) removes beta_k·ΣA_k from the logit.
		for k := range a.C {
			want := tail.beta[class][k] * float64(sum(a.Channel(k))) / y
			if math.Abs(float64(w[k])-want) > 1e-5 {
				t.Errorf("batch %d: w[%d] = %v, want %v", c.batch, k, w[k], want)
			}
		}
		if !slices.Equal(tail.calls, c.calls) {
			t.Errorf("batch %d: calls %v, want %v", c.batch, tail.calls, c.calls)
		}
		if done[len(done)-1] != a.C || len(done) != len(c.calls) {
			t.Errorf("batch %d: progress %v", c.batch, done)
		}
	}
}

// With min(A) ≠ 0 the reference fills the ablated channel of the i-th item
// of each batch with min(A) − (i+1)·1e7.
func TestAblationValueNonZeroMin(t *testing.T) {
	a := cam.Maps{C: 5, H: 1, W: 2, Data: []float32{-1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
	var fills []float32
	tail := func(_ context.Context, in []float32, n int) ([]float32, error) {
		for i := range n {
			item := in[i*10 : (i+1)*10]
			// The ablated channel is the one not equal to the original.
			for k := range 5 {
				if item[2*k] != a.Data[2*k] {
					if item[2*k] != item[2*k+1] {
						t.Errorf("channel %d not uniformly ablated", k)
					}
					fills = append(fills, item[2*k])
				}
			}
		}
		return make([]float32, n), nil
	}
	if _, err := cam.AblationWeights(context.Background(), a, 0, 1, 3, tail, nil); err != nil {
		t.Fatal(err)
	}
	f1 := float32(-1) - 1e7
	f2 := f1 - 1e7
	f3 := f2 - 1e7
	want := []float32{f1, f2, f3, f1, f2}
	if !slices.Equal(fills, want) {
		t.Errorf("ablation values %v, want %v", fills, want)
	}
}

func TestAblationErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := randMaps(rng, 5, 2, 2)
	good := newLinearTail(rng, 3, a.C, 4)
	boom := errors.New("boom")
	for _, c := range []struct {
		name  string
		class int
		tail  cam.BatchFunc
		want  error
	}{
		{"tail error", 0, func(context.Context, []float32, int) ([]float32, error) { return nil, boom }, boom},
		{"class out of range", 3, good.run, nil},
		{"negative class", -1, good.run, nil},
		{"ragged logits", 0, func(_ context.Context, _ []float32, n int) ([]float32, error) {
			return make([]float32, 2*n+1), nil
		}, nil},
		{"no logits", 0, func(context.Context, []float32, int) ([]float32, error) { return nil, nil }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := cam.AblationWeights(context.Background(), a, c.class, 1, 2, c.tail, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
		})
	}
}

func TestAblationCancel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a := randMaps(rng, 10, 2, 2)
	tail := newLinearTail(rng, 2, a.C, 4)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := cam.AblationWeights(ctx, a, 0, 1, 3, tail.run, func(done, _ int) {
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if len(tail.calls) != 1 {
		t.Errorf("%d tail calls after cancel, want 1", len(tail.calls))
	}
}

// sumForward is a fake network whose class-0 logit is the sum of the
// input and class-1 logit its negation; it records every input image.
type sumForward struct {
	size   int
	images [][]float32
}

func (s *sumForward) run(ctx context.Context, in []float32, n int) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]float32, 0, 2*n)
	for i := range n {
		img := in[i*s.size : (i+1)*s.size]
		s.images = append(s.images, slices.Clone(img))
		var t float64
		for _, v := range img {
			t += float64(v)
		}
		out = append(out, float32(t), float32(-t))
	}
	return out, nil
}

// alignCorners is a float64 bilinear upsampling with align_corners=True,
// written independently of the package code.
func alignCorners(ch []float32, h, w, oh, ow int) []float64 {
	out := make([]float64, oh*ow)
	for y := range oh {
		sy := float64(y) * float64(h-1) / float64(max(oh-1, 1))
		y0 := int(sy)
		y1 := min(y0+1, h-1)
		ly := sy - float64(y0)
		for x := range ow {
			sx := float64(x) * float64(w-1) / float64(max(ow-1, 1))
			x0 := int(sx)
			x1 := min(x0+1, w-1)
			lx := sx - float64(x0)
			top := float64(ch[y0*w+x0])*(1-lx) + float64(ch[y0*w+x1])*lx
			bot := float64(ch[y1*w+x0])*(1-lx) + float64(ch[y1*w+x1])*lx
			out[y*ow+x] = top*(1-ly) + bot*ly
		}
	}
	return out
}

func TestScoreMasks(t *testing.T) {
	// Channel 0 is a ramp; channel 1 is constant (its mask must be 0).
	// The ramp has the larger sum, so it is scored first.
	a := cam.Maps{C: 2, H: 2, W: 2, Data: []float32{0, 10, 20, 40, 3, 3, 3, 3}}
	ones := cam.Maps{C: 1, H: 3, W: 5, Data: make([]float32, 15)}
	for i := range ones.Data {
		ones.Data[i] = 1
	}
	f := &sumForward{size: 15}
	if _, err := cam.ScoreWeights(context.Background(), a, ones, 0, 0, f.run, nil); err != nil {
		t.Fatal(err)
	}
	up := alignCorners(a.Channel(0), 2, 2, 3, 5)
	lo, hi := slices.Min(up), slices.Max(up)
	for i, v := range f.images[0] {
		want := (up[i] - lo) / (hi - lo)
		if math.Abs(float64(v)-want) > 1e-6 {
			t.Fatalf("mask 0 = %v, want %v at %d", f.images[0], want, i)
		}
	}
	// Corners of an align_corners upsampling are the source corners.
	if f.images[0][0] != 0 || f.images[0][14] != 1 {
		t.Errorf("mask corners %v %v", f.images[0][0], f.images[0][14])
	}
	for _, v := range f.images[1] {
		if v != 0 {
			t.Fatalf("mask of a constant channel = %v, want zeros", f.images[1])
		}
	}
}

func TestScoreWeightsSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	a := randMaps(rng, 6, 3, 3)
	x := cam.Maps{C: 3, H: 5, W: 4, Data: make([]float32, 60)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for _, class := range []int{0, 1} {
		f := &sumForward{size: 60}
		var reports []cam.ScoreProgress
		w, err := cam.ScoreWeights(context.Background(), a, x, class, 4, f.run,
			func(p cam.ScoreProgress) { reports = append(reports, p) })
		if err != nil {
			t.Fatal(err)
		}
		// Expected scores from independent masks.
		scores := make([]float64, a.C)
		for k := range a.C {
			up := alignCorners(a.Channel(k), 3, 3, 5, 4)
			lo, hi := slices.Min(up), slices.Max(up)
			for c := range 3 {
				for p, m := range up {
					scores[k] += float64(x.Data[c*20+p]) * (m - lo) / (hi - lo + 1e-8)
				}
			}
			if class == 1 {
				scores[k] = -scores[k]
			}
		}
		want := softmax64(scores)
		for k := range w {
			if math.Abs(float64(w[k])-want[k]) > 1e-5 {
				t.Errorf("class %d: w = %v, want %v", class, w, want)
				break
			}
		}
		// Progress: batches of 1, 2 and 3 (4 capped by what is left), the
		// strongest channels first, partial softmax over the channels done.
		if len(reports) != 3 || reports[0].Done != 1 || reports[1].Done != 3 || reports[2].Done != 6 || reports[0].Total != 6 {
			t.Fatalf("progress reports %+v", reports)
		}
		order := cam.StrongestFirst(a)
		part := softmax64([]float64{scores[order[0]], scores[order[1]], scores[order[2]]})
		for k, v := range reports[1].Weights {
			wantK := 0.0
			for i := range 3 {
				if order[i] == k {
					wantK = part[i]
				}
			}
			if math.Abs(float64(v)-wantK) > 1e-5 {
				t.Errorf("partial weights %v, want %v on channels %v (then zeros)", reports[1].Weights, part, order[:3])
				break
			}
		}
		if reports[0].Weights[order[0]] != 1 {
			t.Errorf("first report %v: want all weight on channel %d", reports[0].Weights, order[0])
		}
		reports = reports[1:]
		if !slices.Equal(reports[1].Weights, w) {
			t.Errorf("final progress weights %v differ from result %v", reports[1].Weights, w)
		}
		final, _ := cam.WeightedSum(a, w)
		if !slices.Equal(reports[1].Map.Data, final.Data) {
			t.Error("final progress map differs from WeightedSum of the result")
		}
		partial, _ := cam.WeightedSum(a, reports[0].Weights)
		if !slices.Equal(reports[0].Map.Data, partial.Data) {
			t.Error("partial progress map is not the weighted sum of the partial weights")
		}
	}
}

func softmax64(s []float64) []float64 {
	hi := slices.Max(s)
	out := make([]float64, len(s))
	var t float64
	for i, v := range s {
		out[i] = math.Exp(v - hi)
		t += out[i]
	}
	for i := range out {
		out[i] /= t
	}
	return out
}

func TestScoreCancelAndErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	a := randMaps(rng, 5, 2, 2)
	x := cam.Maps{C: 3, H: 4, W: 4, Data: make([]float32, 48)}
	ctx, cancel := context.WithCancel(context.Background())
	f := &sumForward{size: 48}
	_, err := cam.ScoreWeights(ctx, a, x, 0, 2, f.run, func(p cam.ScoreProgress) {
		if p.Done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || len(f.images) != 3 {
		t.Errorf("after cancel: error %v, %d images run", err, len(f.images))
	}
	if _, err := cam.ScoreWeights(context.Background(), a, x, 2, 2, (&sumForward{size: 48}).run, nil); err == nil {
		t.Error("class out of range accepted")
	}
	if _, err := cam.ScoreWeights(context.Background(), a, cam.Maps{C: 3, H: 4, W: 4}, 0, 2, f.run, nil); err == nil {
		t.Error("empty input accepted")
	}
	boom := errors.New("boom")
	_, err = cam.ScoreWeights(context.Background(), a, x, 0, 2,
		func(context.Context, []float32, int) ([]float32, error) { return nil, boom }, nil)
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}

// TestScoreZeroMasksRunOnce: dead channels all make the same black input,
// which runs once and gives them all its score.
func TestScoreZeroMasksRunOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	a := randMaps(rng, 5, 3, 3)
	for _, k := range []int{1, 2, 4} {
		clear(a.Channel(k))
	}
	x := cam.Maps{C: 3, H: 4, W: 4, Data: make([]float32, 48)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	f := &sumForward{size: 48}
	w, err := cam.ScoreWeights(context.Background(), a, x, 0, 2, f.run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.images) != 3 {
		t.Fatalf("%d forward images, want 3 (two live channels, one black image)", len(f.images))
	}
	if w[1] != w[2] || w[2] != w[4] {
		t.Fatalf("dead channels' weights differ: %v", w)
	}
	g := &sumForward{size: 48}
	want, err := cam.ScoreWeights(context.Background(), a, x, 0, 1, g.run, nil)
	if err != nil || !slices.Equal(w, want) {
		t.Fatalf("weights %v with batch 2, %v with batch 1 (%v)", w, want, err)
	}
}
