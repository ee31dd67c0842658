package cam

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
)

// ScoreProgress is what ScoreWeights reports after each batch, so that a
// GUI can refine the picture while the forward passes run.
type ScoreProgress struct {
	// Done channels out of Total have been scored.
	Done, Total int
	// Weights is the softmax over the Done channels scored so far; the
	// other channels get weight 0. It is renormalised at every batch, so a
	// channel's weight shrinks as others arrive; once Done == Total it is
	// the final result. It is freshly allocated at each call.
	Weights []float32
	// Map is WeightedSum(a, Weights): the layer map (before ReLU) that the
	// channels scored so far give. Only its shape is meaningful before the
	// end, which is what MinMax post-processing shows.
	Map Map
}

// ScoreWeights returns ScoreCAM's channel weights for activations a of the
// image x (3×H×W, the preprocessed network input): every channel A_k is
// upsampled to H×W (bilinear with align_corners=True, as PyTorch's
// UpsamplingBilinear2d), min-max normalised to a mask
// (A_k − min)/(max − min + 1e-8) in float32 — so a constant channel gives
// an all-zero mask, i.e. a black input —, x⊙mask_k is run through the whole
// network by forward (see BatchFunc), and w = softmax over k of the class's
// logits.
//
// Order and batches are chosen for a live display, and do not change the
// result: channels are scored strongest first (by activation sum), in
// batches of 1, 2, 4, … up to batch (≤ 0 means DefaultBatch), so the first
// partial map arrives after one forward pass and already shows the
// channels that dominate the map. Channels whose mask is all zero (dead or
// constant channels) all make the same black input, which is run once.
// ctx is checked before each batch; progress, if not nil, is called after
// each batch (see ScoreProgress). Memory: one batch of masked images,
// batch×3×H×W float32 (19 MB for 32 images of 224×224).
func ScoreWeights(ctx context.Context, a, x Maps, class int, batch int,
	forward BatchFunc, progress func(ScoreProgress)) ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := x.Validate(); err != nil {
		return nil, fmt.Errorf("cam: input: %w", err)
	}
	if class < 0 {
		return nil, fmt.Errorf("cam: invalid class %d", class)
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, a.C)
	sc := &scorer{a: a, x: x, up: newUpsampler(a.W, a.H, x.W, x.H), mask: make([]float32, x.H*x.W),
		buf: make([]float32, batch*x.C*x.H*x.W), scores: make([]float32, a.C), known: make([]bool, a.C),
		zeroRep: -1}
	order := strongestFirst(a)
	for pos, n := 0, 1; pos < a.C; n = min(2*n, batch) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if pos, err = sc.batch(ctx, order, pos, n, class, forward); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(sc.report())
		}
	}
	w := make([]float32, a.C)
	softmax(w, sc.scores)
	return w, nil
}

// scorer holds ScoreWeights' state between batches.
type scorer struct {
	a, x   Maps
	up     *upsampler
	mask   []float32
	buf    []float32
	scores []float32
	known  []bool
	// zeroRep is the first channel with an all-zero mask; the others like
	// it wait in zeros for its score.
	zeroRep int
	zeros   []int
}

// batch scores up to n channels from order[pos:], returning the new pos.
func (s *scorer) batch(ctx context.Context, order []int, pos, n, class int, forward BatchFunc) (int, error) {
	size := s.x.C * s.x.H * s.x.W
	var items []int
	for pos < len(order) && len(items) < n {
		k := order[pos]
		pos++
		s.up.mask(s.mask, s.a.Channel(k))
		if allZero(s.mask) {
			if s.zeroRep >= 0 {
				s.zeros = append(s.zeros, k)
				continue
			}
			s.zeroRep = k
		}
		s.masked(s.buf[len(items)*size : (len(items)+1)*size])
		items = append(items, k)
	}
	if len(items) > 0 {
		logits, err := forward(ctx, s.buf[:len(items)*size], len(items))
		if err != nil {
			return pos, err
		}
		got, err := classScores(logits, len(items), class)
		if err != nil {
			return pos, err
		}
		for i, k := range items {
			s.scores[k], s.known[k] = got[i], true
		}
	}
	if s.zeroRep >= 0 && s.known[s.zeroRep] {
		for _, k := range s.zeros {
			s.scores[k], s.known[k] = s.scores[s.zeroRep], true
		}
		s.zeros = s.zeros[:0]
	}
	return pos, nil
}

// masked writes x ⊙ mask into item.
func (s *scorer) masked(item []float32) {
	plane := s.x.H * s.x.W
	for c := range s.x.C {
		xc := s.x.Data[c*plane : (c+1)*plane]
		ic := item[c*plane : (c+1)*plane]
		for p, m := range s.mask {
			ic[p] = xc[p] * m
		}
	}
}

// report is the softmax over the channels scored so far, and their map.
func (s *scorer) report() ScoreProgress {
	var idx []int
	var got []float32
	for k, ok := range s.known {
		if ok {
			idx = append(idx, k)
			got = append(got, s.scores[k])
		}
	}
	part := make([]float32, len(got))
	softmax(part, got)
	w := make([]float32, s.a.C)
	for i, k := range idx {
		w[k] = part[i]
	}
	m := NewMap(s.a.W, s.a.H)
	weightedSum(m.Data, s.a, w)
	return ScoreProgress{Done: len(idx), Total: s.a.C, Weights: w, Map: m}
}

// strongestFirst orders channels by decreasing activation sum (ties by
// index).
func strongestFirst(a Maps) []int {
	sums := make([]float64, a.C)
	order := make([]int, a.C)
	for k := range a.C {
		order[k] = k
		for _, v := range a.Channel(k) {
			sums[k] += float64(v)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(sums[j], sums[i]) })
	return order
}

func allZero(s []float32) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}

// softmax writes exp(s_k − max s)/Σ exp(s_j − max s) into dst, computed in
// float64. NaN scores make every weight NaN, as in the reference.
func softmax(dst, s []float32) {
	hi := math.Inf(-1)
	for _, v := range s {
		hi = max(hi, float64(v))
	}
	var sum float64
	for _, v := range s {
		sum += math.Exp(float64(v) - hi)
	}
	for i, v := range s {
		dst[i] = float32(math.Exp(float64(v)-hi) / sum)
	}
}

// upsampler computes ScoreCAM masks: PyTorch's bilinear upsampling with
// align_corners=True, then per-channel min-max.
type upsampler struct {
	x, y axis
	row  []float32 // one source row interpolated along x
	srcW int
}

func newUpsampler(srcW, srcH, dstW, dstH int) *upsampler {
	return &upsampler{
		x: alignCornersAxis(srcW, dstW), y: alignCornersAxis(srcH, dstH),
		row: make([]float32, 2*dstW), srcW: srcW,
	}
}

// alignCornersAxis reproduces PyTorch's compute_indices_weights_linear with
// align_corners=True in float32: scale = (in−1)/(out−1), source = scale·d,
// i0 = trunc(source), i1 = i0+1 except at the last index, λ = source − i0.
func alignCornersAxis(in, out int) axis {
	a := axis{i0: make([]int32, out), i1: make([]int32, out), w: make([]float32, out)}
	var scale float32
	if out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	for d := range out {
		src := scale * float32(d)
		i0 := min(int(src), in-1)
		a.i0[d] = int32(i0)
		a.i1[d] = int32(min(i0+1, in-1))
		a.w[d] = min(max(src-float32(i0), 0), 1)
	}
	return a
}

// mask writes the normalised upsampled channel ch into dst. PyTorch's
// kernel interpolates along x within each of the two source rows, then
// blends the rows, t0·(1−λy) + t1·λy, in float32; we follow that order.
func (u *upsampler) mask(dst, ch []float32) {
	w := len(u.x.i0)
	r0, r1 := u.row[:w], u.row[w:]
	for dy := range u.y.i0 {
		u.interpRow(r0, ch[int(u.y.i0[dy])*u.srcW:])
		u.interpRow(r1, ch[int(u.y.i1[dy])*u.srcW:])
		l1 := u.y.w[dy]
		l0 := 1 - l1
		out := dst[dy*w : (dy+1)*w]
		for x := range out {
			out[x] = r0[x]*l0 + r1[x]*l1
		}
	}
	lo, hi, _ := Range(dst)
	den := (hi - lo) + float32(1e-8)
	for i, v := range dst {
		dst[i] = (v - lo) / den
	}
}

func (u *upsampler) interpRow(out, in []float32) {
	for x := range out {
		l1 := u.x.w[x]
		out[x] = in[u.x.i0[x]]*(1-l1) + in[u.x.i1[x]]*l1
	}
}
