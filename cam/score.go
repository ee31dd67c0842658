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
// logits. It is ScoreLogits(…).Weights(class) without the un-masked
// logits.
func ScoreWeights(ctx context.Context, a, x Maps, class int, batch int,
	forward BatchFunc, progress func(ScoreProgress)) ([]float32, error) {
	run, err := ScoreLogits(ctx, a, x, nil, class, batch, forward, progress)
	if err != nil {
		return nil, err
	}
	return run.Weights(class)
}

// ScoreLogits runs ScoreCAM's masked passes (see ScoreWeights for the
// masks) and keeps all their logits. base, if not nil, is the logits of
// the un-masked input x.
//
// Less work for the same result, each exact: channels whose masks are
// identical (every dead or constant channel's is all zero) share one pass;
// a channel whose mask leaves x unchanged (x⊙mask = x bit for bit: the
// mask is 1 wherever x is not 0) takes base instead of a pass.
//
// Order and batches are chosen for a live display, and do not change the
// result: channels are scored strongest first (by activation sum), in
// batches of 1, 2, 4, … up to batch (≤ 0 means DefaultBatch), so the first
// partial map arrives after one forward pass and already shows the
// channels that dominate the map. ctx is checked before each batch;
// progress, if not nil, is called after each batch with class's partial
// weights (see ScoreProgress). Memory: one batch of masked images,
// batch×3×H×W float32 (19 MB for 32 images of 224×224), and the logits.
func ScoreLogits(ctx context.Context, a, x Maps, base []float32, class int, batch int,
	forward BatchFunc, progress func(ScoreProgress)) (*ScoreRun, error) {
	return ScoreLogitsBoxed(ctx, a, x, base, class, batch, Boxless(forward), progress)
}

// ScoreLogitsBoxed is ScoreLogits with a forward that is told each masked
// image's box of nonzero values (where its mask is not 0, or less where
// x is 0), so that it can skip the work over the rest (see BoxedFunc).
func ScoreLogitsBoxed(ctx context.Context, a, x Maps, base []float32, class int, batch int,
	forward BoxedFunc, progress func(ScoreProgress)) (*ScoreRun, error) {
	return ScoreLogitsApart(ctx, a, x, base, class, batch, forward, nil, progress)
}

// ScoreLogitsApart is ScoreLogitsBoxed for a forward with two paths, the
// images whose box apart(box) holds and the rest: each batch takes images
// of one path only, so neither runs at a smaller batch beside the other.
// Channels of the other path wait for a batch of their own (at most one
// batch of them: the order stays strongest first but for that delay).
func ScoreLogitsApart(ctx context.Context, a, x Maps, base []float32, class int, batch int,
	forward BoxedFunc, apart func(Box) bool, progress func(ScoreProgress)) (*ScoreRun, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := x.Validate(); err != nil {
		return nil, fmt.Errorf("cam: input: %w", err)
	}
	if class < 0 || (base != nil && class >= len(base)) {
		return nil, fmt.Errorf("cam: invalid class %d", class)
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, a.C)
	sc := &scorer{a: a, x: x, base: base, class: class, up: newUpsampler(a.W, a.H, x.W, x.H),
		mask: make([]float32, x.H*x.W), other: make([]float32, x.H*x.W),
		buf: make([]float32, batch*x.C*x.H*x.W), known: make([]bool, a.C),
		rep: make([]int, a.C), seen: map[uint64]int{}, apart: apart, boxes: make([]Box, a.C), filled: make([]bool, batch)}
	order := strongestFirst(a)
	for pos, n := 0, 1; pos < a.C || len(sc.held) > 0; n = min(2*n, batch) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if pos, err = sc.batch(ctx, order, pos, n, forward); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(sc.report())
		}
	}
	if len(sc.waiting) > 0 {
		return nil, fmt.Errorf("cam: the un-masked logits have %d classes, the masked passes %d", len(base), sc.classes)
	}
	return &ScoreRun{C: a.C, Classes: sc.classes, Logits: sc.logits, Passes: sc.passes}, nil
}

// scorer holds ScoreLogits' state between batches.
type scorer struct {
	a, x        Maps
	base        []float32
	class       int
	up          *upsampler
	mask, other []float32
	buf         []float32
	classes     int
	logits      []float32 // a.C × classes once the first pass told classes
	known       []bool
	passes      int
	// rep[k] is the channel whose identical mask channel k shares (k
	// itself when it has its own pass, -1 when k takes base); seen finds
	// a mask's first channel by its hash; waiting are the channels whose
	// representative has no logits yet.
	rep     []int
	seen    map[uint64]int
	waiting []int
	// apart, when not nil, splits the channels needing a pass into two
	// kinds by their boxes, batched apart (see pick); held are those
	// waiting for a batch of their kind, boxes every such channel's box,
	// filled which of buf's images pick left made.
	apart  func(Box) bool
	held   []int
	boxes  []Box
	filled []bool
}

// batch scores up to n channels from order[pos:], returning the new pos.
func (s *scorer) batch(ctx context.Context, order []int, pos, n int, forward BoxedFunc) (int, error) {
	size := s.x.C * s.x.H * s.x.W
	items, pos := s.pick(order, pos, n)
	if len(items) == 0 {
		s.settle()
		return pos, nil
	}
	boxes := make([]Box, len(items))
	for i, k := range items {
		if item := s.buf[i*size : (i+1)*size]; !s.filled[i] {
			s.up.mask(s.mask, s.a.Channel(k))
			s.masked(item)
		}
		boxes[i] = s.boxes[k]
	}
	logits, err := forward(ctx, s.buf[:len(items)*size], boxes)
	if err != nil {
		return pos, err
	}
	if _, err := classScores(logits, len(items), s.class); err != nil {
		return pos, err
	}
	if s.logits == nil {
		s.classes = len(logits) / len(items)
		s.logits = make([]float32, s.a.C*s.classes)
	}
	if len(logits) != len(items)*s.classes {
		return pos, fmt.Errorf("cam: %d logits for a batch of %d, want %d classes each", len(logits), len(items), s.classes)
	}
	for i, k := range items {
		copy(s.logits[k*s.classes:(k+1)*s.classes], logits[i*s.classes:(i+1)*s.classes])
		s.known[k] = true
	}
	s.passes += len(items)
	s.settle()
	return pos, nil
}

// pick chooses the next batch: up to n channels from order[pos:] that
// need a pass of their own, all on one side of apart. The others are held
// back, in order, for a batch of their own, which runs once n of them
// wait or order is done; so a batch never mixes the forward's windowed
// images with whole ones (run beside windows, whole images go one at a
// time). The masked images of the channels picked from order are left in
// s.buf with s.filled set; held ones are masked again when their batch
// runs.
func (s *scorer) pick(order []int, pos, n int) ([]int, int) {
	size := s.x.C * s.x.H * s.x.W
	clear(s.filled)
	if len(s.held) >= n || (pos == len(order) && len(s.held) > 0) {
		items := slices.Clone(s.held[:min(n, len(s.held))])
		s.held = s.held[len(items):]
		return items, pos
	}
	var items []int
	side := len(s.held) > 0 && !s.apartBox(s.boxes[s.held[0]])
	for pos < len(order) && len(items) < n {
		k := order[pos]
		pos++
		item := s.buf[len(items)*size : (len(items)+1)*size]
		if !s.ownPass(k, item) {
			continue
		}
		a := s.apartBox(s.boxes[k])
		if len(items) == 0 && len(s.held) == 0 {
			side = a
		}
		if a != side {
			s.held = append(s.held, k)
			continue
		}
		s.filled[len(items)] = true
		items = append(items, k)
	}
	return items, pos
}

func (s *scorer) apartBox(b Box) bool { return s.apart != nil && s.apart(b) }

// ownPass reports whether channel k needs a pass of its own, writing its
// masked image into item and its box into s.boxes[k] when it does;
// otherwise it records which pass's logits k takes.
func (s *scorer) ownPass(k int, item []float32) bool {
	s.up.mask(s.mask, s.a.Channel(k))
	if r, ok := s.sameAs(k); ok {
		s.rep[k] = r
		s.waiting = append(s.waiting, k)
		return false
	}
	if s.masked(item) && s.base != nil {
		s.rep[k] = -1
		s.waiting = append(s.waiting, k)
		return false
	}
	s.rep[k] = k
	s.boxes[k] = nonzeroBox(item, s.x.C, s.x.H, s.x.W)
	return true
}

// sameAs finds an earlier channel with exactly the mask in s.mask (the
// hash proposes one, the masks are then compared bit for bit); otherwise
// it records k as the first with this mask.
func (s *scorer) sameAs(k int) (int, bool) {
	h := hashFloats(s.mask)
	r, ok := s.seen[h]
	if !ok {
		s.seen[h] = k
		return 0, false
	}
	s.up.mask(s.other, s.a.Channel(r))
	for i, v := range s.mask {
		if math.Float32bits(v) != math.Float32bits(s.other[i]) {
			return 0, false // a hash collision: k gets its own pass
		}
	}
	return r, true
}

// settle gives the waiting channels their logits once their
// representative has them (base for the un-masked input).
func (s *scorer) settle() {
	if s.logits == nil && s.base != nil {
		s.classes = len(s.base)
		s.logits = make([]float32, s.a.C*s.classes)
	}
	if s.logits == nil {
		return
	}
	rest := s.waiting[:0]
	for _, k := range s.waiting {
		var src []float32
		switch r := s.rep[k]; {
		case r < 0:
			src = s.base
		case s.known[r]:
			src = s.logits[r*s.classes : (r+1)*s.classes]
		default:
			rest = append(rest, k)
			continue
		}
		if len(src) != s.classes {
			rest = append(rest, k) // base disagrees with the passes: keep waiting; reported at the end
			continue
		}
		copy(s.logits[k*s.classes:(k+1)*s.classes], src)
		s.known[k] = true
	}
	s.waiting = rest
}

// hashFloats is FNV-1a over the values' bits.
func hashFloats(v []float32) uint64 {
	h := uint64(14695981039346656037)
	for _, f := range v {
		h ^= uint64(math.Float32bits(f))
		h *= 1099511628211
	}
	return h
}

// masked writes x ⊙ mask into item and reports whether that is x itself,
// bit for bit.
func (s *scorer) masked(item []float32) bool {
	plane := s.x.H * s.x.W
	same := true
	for c := range s.x.C {
		xc := s.x.Data[c*plane : (c+1)*plane]
		ic := item[c*plane : (c+1)*plane]
		for p, m := range s.mask {
			ic[p] = xc[p] * m
			same = same && math.Float32bits(ic[p]) == math.Float32bits(xc[p])
		}
	}
	return same
}

// report is the softmax over the channels scored so far, and their map.
func (s *scorer) report() ScoreProgress {
	var idx []int
	var got []float32
	for k, ok := range s.known {
		if ok {
			idx = append(idx, k)
			got = append(got, s.logits[k*s.classes+s.class])
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
