package cam

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// DefaultMaxChannels is Faster-Score-CAM's default number of channels
// (-max-channels, tf-keras-vis's max_N).
const DefaultMaxChannels = 10

// TopVarianceChannels returns the n channels of a with the largest
// activation variance over pixels (population variance, as tf-keras-vis's
// reduce_variance), largest first, ties by index: Faster-Score-CAM
// (tf-keras-vis's ScoreCAM with max_N) scores only these, so it runs n
// masked passes instead of C. n ≥ C gives every channel.
func TopVarianceChannels(a Maps, n int) ([]int, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("cam: max-channels %d: need at least 1", n)
	}
	P := float64(a.H * a.W)
	v := make([]float64, a.C)
	order := make([]int, a.C)
	for k := range a.C {
		order[k] = k
		ch := a.Channel(k)
		mean := sum64(ch) / P
		for _, x := range ch {
			d := float64(x) - mean
			v[k] += d * d / P
		}
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(v[j], v[i]) })
	return order[:min(n, a.C)], nil
}

// SelectChannels returns the channels idx of a, in that order, as a new
// stack: Faster-Score-CAM's map is WeightedSum(s, ScoreWeights(s, …)) of
// s = SelectChannels(a, TopVarianceChannels(a, n)), the softmax taken over
// the selected channels only.
func SelectChannels(a Maps, idx []int) (Maps, error) {
	if err := a.Validate(); err != nil {
		return Maps{}, err
	}
	if len(idx) == 0 {
		return Maps{}, fmt.Errorf("cam: no channels selected")
	}
	P := a.H * a.W
	out := Maps{C: len(idx), H: a.H, W: a.W, Data: make([]float32, len(idx)*P)}
	for i, k := range idx {
		if k < 0 || k >= a.C {
			return Maps{}, fmt.Errorf("cam: channel %d is out of range: %d channels", k, a.C)
		}
		copy(out.Channel(i), a.Channel(k))
	}
	return out, nil
}

// fasterScoreCAM is Score-CAM over the max-channels channels of largest
// variance (TopVarianceChannels, SelectChannels).
func fasterScoreCAM(ctx context.Context, src Source, p Params) (Result, error) {
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	idx, err := TopVarianceChannels(a, int(p.Options["max-channels"]))
	if err != nil {
		return Result{}, err
	}
	sel, err := SelectChannels(a, idx)
	if err != nil {
		return Result{}, err
	}
	w, err := keptScoreWeights(src, p, idx)
	if w == nil && err == nil {
		var progress func(ScoreProgress)
		if p.Progress != nil {
			progress = func(s ScoreProgress) { m := s.Map; p.Progress(s.Done, s.Total, &m) }
		}
		var run *ScoreRun
		if run, err = ScoreLogitsBoxed(ctx, sel, src.Input(), nil, p.Class, maskBatch(src, p.Options["batch"]), boxedForward(src), progress); err == nil {
			w, err = run.Weights(p.Class)
		}
	}
	if err != nil {
		return Result{}, err
	}
	m, err := WeightedSum(sel, w)
	return Result{Map: m, Layer: p.Layer}, err
}

// keptScoreWeights are Faster-Score-CAM's weights from a ScoreCAM run the
// source kept at p.Layer (with the same batch): the softmax of the class's
// scores of the selected channels, whose masks are ScoreCAM's own — so no
// masked pass runs. Nil without a kept run.
func keptScoreWeights(src Source, p Params, idx []int) ([]float32, error) {
	keeper, ok := src.(ScoreRuns)
	if !ok {
		return nil, nil
	}
	// ScoreCAM's options as its Compute resolves them: its batch and the
	// generic -aug-smooth, off (an augmented input is another source).
	run := keeper.ScoreRun(p.Layer, map[string]float64{"batch": p.Options["batch"], OptAugSmooth: 0})
	if run == nil {
		return nil, nil
	}
	all, err := run.ChannelScores(p.Class)
	if err != nil {
		return nil, err
	}
	s := make([]float32, len(idx))
	for i, k := range idx {
		s[i] = all[k]
	}
	w := make([]float32, len(s))
	softmax(w, s)
	return w, nil
}
