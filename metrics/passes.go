package metrics

import (
	"context"
	"fmt"
	"slices"
)

// sequence is Evaluate's images: deletion steps 0…S, insertion steps
// 0…S, then the explanation x ⊙ m. It holds the two running states:
// deletion starts from x and loses pixels to its baseline, insertion
// starts from its baseline and gains x's.
type sequence struct {
	x         Input
	m         []float32 // the map's values, one per pixel
	delBase   []float32
	del, ins  []float32
	order     []int32
	ks        []int // pixels removed (revealed) after each step
	fractions []float64
}

func newSequence(x Input, m Map, cfg Config) (*sequence, error) {
	delBase, err := BaselineInput(x, cfg.Deletion, cfg.BlurSigma)
	if err != nil {
		return nil, err
	}
	insBase, err := BaselineInput(x, cfg.Insertion, cfg.BlurSigma)
	if err != nil {
		return nil, err
	}
	plane, steps := x.H*x.W, cfg.Steps
	s := &sequence{x: x, m: m.Data, delBase: delBase.Data,
		del: slices.Clone(x.Data), ins: insBase.Data, order: Order(m, cfg.Seed),
		ks: make([]int, steps+1), fractions: make([]float64, steps+1)}
	for i := range s.ks {
		s.ks[i] = i * plane / steps
		s.fractions[i] = float64(s.ks[i]) / float64(plane)
	}
	return s, nil
}

// set copies src's pixels idx into dst, in every channel.
func (s *sequence) set(dst, src []float32, idx []int32) {
	plane := s.x.H * s.x.W
	for c := range s.x.C {
		d, v := dst[c*plane:(c+1)*plane], src[c*plane:(c+1)*plane]
		for _, p := range idx {
			d[p] = v[p]
		}
	}
}

// fill writes image j of the sequence into dst. It is called with j = 0,
// 1, … in order, which lets the states advance one step at a time.
func (s *sequence) fill(j int, dst []float32) {
	steps := len(s.ks) - 1
	switch {
	case j <= steps:
		if j > 0 {
			s.set(s.del, s.delBase, s.order[s.ks[j-1]:s.ks[j]])
		}
		copy(dst, s.del)
	case j <= 2*steps+1:
		if i := j - (steps + 1); i > 0 {
			s.set(s.ins, s.x.Data, s.order[s.ks[i-1]:s.ks[i]])
		}
		copy(dst, s.ins)
	default:
		plane := s.x.H * s.x.W
		for c := range s.x.C {
			d, v := dst[c*plane:(c+1)*plane], s.x.Data[c*plane:(c+1)*plane]
			for p, w := range s.m {
				d[p] = v[p] * w
			}
		}
	}
}

// runPasses runs total images made by fill through forward, batch at a
// time, checking ctx before each batch, and returns the class's
// probability on each.
func runPasses(ctx context.Context, x Input, fill func(j int, dst []float32), total, batch int, forward Forward,
	class int, progress func(done, total int)) ([]float64, error) {
	size := x.C * x.H * x.W
	batch = min(batch, total)
	buf := make([]float32, batch*size)
	probs := make([]float64, 0, total)
	for j0 := 0; j0 < total; j0 += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, total-j0)
		for i := range n {
			fill(j0+i, buf[i*size:(i+1)*size])
		}
		logits, err := forward(ctx, buf[:n*size], n)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		p, err := classProbs(logits, n, class)
		if err != nil {
			return nil, fmt.Errorf("%w (images %d–%d of %d)", err, j0+1, j0+n, total)
		}
		probs = append(probs, p...)
		if progress != nil {
			progress(j0+n, total)
		}
	}
	return probs, nil
}
