package inference

import (
	"fmt"
	"slices"
)

// convHead is a head read as scores = mean_p f(Z[:, p]) with Z a 1×1
// convolution of the layer (through per-channel steps) and f a ReLU or
// nothing, as in SqueezeNet: classifier Conv 1×1 → ReLU →
// GlobalAveragePool → Flatten.
type convHead struct {
	cp   *channelPath
	conv *conv
	relu bool
}

// convHead finds the head from layer, or says why it is not one.
func (n *Net) convHead(layer int) (*convHead, error) {
	cp, err := n.perChannelTo(layer)
	if err != nil {
		return nil, err
	}
	k, ok := cp.gemm.k.(*conv)
	if !ok {
		return nil, fmt.Errorf("%w: reaches a Gemm, not a 1×1 Conv", ErrNoChannelPath)
	}
	h := &convHead{cp: cp, conv: k}
	pooled := false
	for v := cp.gemm.out; v != n.scores; {
		s, err := n.soleReader(v)
		if err != nil {
			return nil, err
		}
		switch s.k.(type) {
		case relu:
			if h.relu || pooled {
				return nil, fmt.Errorf("%w: a ReLU after the pooling", ErrNoChannelPath)
			}
			h.relu = true
		case globalAvg:
			pooled = true
		case *alias:
			if !pooled && !slices.Equal(n.shapes[v], n.shapes[s.out]) {
				return nil, fmt.Errorf("%w: %s changes the shape before the pooling", ErrNoChannelPath, s.op)
			}
		default:
			return nil, fmt.Errorf("%w: found %s (node %q) after the Conv", ErrNoChannelPath, s.op, s.node)
		}
		v = s.out
	}
	if !pooled {
		return nil, fmt.Errorf("%w: the Conv's output is not averaged", ErrNoChannelPath)
	}
	return h, nil
}

// soleReader is the one step that reads v, as its first input.
func (n *Net) soleReader(v int) (step, error) {
	var found []step
	for _, s := range n.steps {
		for _, id := range s.in {
			if id == v {
				found = append(found, s)
				break
			}
		}
	}
	if len(found) != 1 || found[0].in[0] != v {
		return step{}, fmt.Errorf("%w: %q is read by %d operators", ErrNoChannelPath, n.values[v].name, len(found))
	}
	return found[0], nil
}

// convHeadScores is AblationClassScores for a convHead. Ablating channel
// k moves the convolution's output for class c by W[c,k]·d_k[p] at each
// position p, d_k the change of the Conv's input channel k, so the
// class's score with channel k ablated is
//
//	(1/P) Σ_p f(Z[c,p] + W[c,k]·d_k[p])
//
// with Z the pass's own convolution output: C·P operations for all
// channels (SqueezeNet: 512·169) instead of a pass of the head per
// channel. Equal to the full tail up to float32 rounding. A channel whose
// input does not change keeps the pass's score.
func (p *Pass) convHeadScores(h *convHead, t *tval, class int, fills []float32) ([]float32, error) {
	z := p.vals[h.cp.gemm.out]
	if z == nil {
		return nil, fmt.Errorf("the pass did not keep %q", p.net.values[h.cp.gemm.out].name)
	}
	c := t.shape[1]
	base, ablated, err := p.flatInputs(h.cp, t, fills)
	if err != nil {
		return nil, err
	}
	k := h.conv
	plane := len(base) / c
	if k.cin != c || len(z.f) != k.cout*plane || class >= k.cout {
		return nil, fmt.Errorf("%w: the Conv reads %d channels into %d, the layer has %d", ErrNoChannelPath, k.cin, k.cout, c)
	}
	zc := z.f[class*plane : (class+1)*plane]
	own := p.Scores()[class]
	scores := make([]float32, c)
	parallel(c, 32, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			w := k.w[class*k.cin+ch]
			b, a := base[ch*plane:(ch+1)*plane], ablated[ch*plane:(ch+1)*plane]
			var sum float32
			changed := false
			for i, v := range zc {
				d := a[i] - b[i]
				changed = changed || d != 0
				v += w * d
				if h.relu && v < 0 {
					v = 0
				}
				sum += v
			}
			scores[ch] = own
			if changed {
				scores[ch] = sum / float32(plane)
			}
		}
	})
	return scores, nil
}
