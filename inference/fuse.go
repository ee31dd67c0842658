package inference

import (
	"fmt"
	"slices"
)

// Fusing a convolution with what follows it. ResNet's blocks end in
//
//	y = relu(conv(x) + bias + skip)
//
// which, step by step, is three passes over a fresh buffer after the
// product (bias, Add, Relu) and two more buffers from the arena. A pass
// that keeps nothing runs such a chain as one step: the product writes the
// output buffer and a single epilogue pass adds the bias and the skip and
// clamps, in place. The intermediate tensors (the convolution's output and
// the sum) are then never produced, so a chain is fused only when nobody
// can ask for them: the pass is not kept, neither is a tap or the scores,
// and neither is replaced by a tail pass (run checks this per pass).

// fusion is a chain that starts at a Conv step.
type fusion struct {
	add  int // the Add step reading the Conv's output, or -1
	skip int // the Add's other operand (a value id), or -1
	relu int // the Relu step ending the chain, or -1
}

func (f fusion) last(conv int) int {
	switch {
	case f.relu >= 0:
		return f.relu
	case f.add >= 0:
		return f.add
	}
	return conv
}

// planFusions finds, for every Conv step, the Add and Relu steps it can
// absorb: each reads the previous one's output as its only reader, and the
// Add's other operand has the same shape (no broadcasting) and is
// computed before the Conv runs (the steps are in topological order, so
// such an operand is produced at an earlier step, or is the input).
func (n *Net) planFusions() {
	readers := make([]int, len(n.values))
	producer := make([]int, len(n.values))
	for i := range producer {
		producer[i] = -1
	}
	for i, s := range n.steps {
		producer[s.out] = i
		for _, id := range s.in {
			if id >= 0 {
				readers[id]++
			}
		}
	}
	readerOf := func(v int) int {
		if readers[v] != 1 || v == n.scores {
			return -1
		}
		for j, s := range n.steps {
			for _, id := range s.in {
				if id == v {
					return j
				}
			}
		}
		return -1
	}
	n.fused = make([]fusion, len(n.steps))
	for i, s := range n.steps {
		n.fused[i] = fusion{add: -1, skip: -1, relu: -1}
		c, ok := s.k.(*conv)
		if !ok || c.cout == 0 {
			continue
		}
		f := &n.fused[i]
		out := s.out
		if j := readerOf(out); j >= 0 && n.steps[j].op == "Add" && len(n.steps[j].in) == 2 {
			a := n.steps[j]
			other := a.in[0]
			if other == out {
				other = a.in[1]
			}
			if other >= 0 && other != out && n.values[other].konst == nil && producer[other] < i {
				f.add, f.skip, out = j, other, a.out
			}
		}
		if j := readerOf(out); j >= 0 && n.steps[j].op == "Relu" {
			f.relu = j
		}
	}
}

// tryFused runs step i with the chain it heads as one step when the pass
// allows it, and reports whether it did. The chain's later steps are then
// marked in skip; their outputs but the last are never produced.
func (p *Pass) tryFused(i int, hold map[int]bool, preset map[int]*tval, skip []bool) (bool, error) {
	if p.keep || p.net.fused == nil {
		return false, nil
	}
	f := p.net.fused[i]
	if f.add < 0 && f.relu < 0 {
		return false, nil
	}
	s := p.net.steps[i]
	last := f.last(i)
	for _, j := range []int{i, f.add, f.relu} {
		if j < 0 {
			continue
		}
		out := p.net.steps[j].out
		if _, given := preset[out]; given || (j != last && hold[p.net.root[out]]) {
			return false, nil
		}
	}
	ins, err := p.net.gather(p.vals, s)
	if err != nil {
		return false, err
	}
	c := s.k.(*conv)
	shape, err := c.infer(ins)
	if err != nil {
		return false, fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
	}
	var skipv *tval
	if f.skip >= 0 {
		// An operand that broadcasts runs unfused.
		if skipv = p.vals[f.skip]; skipv == nil || skipv.f == nil || !slices.Equal(skipv.shape, shape) {
			return false, nil
		}
	}
	out, err := c.fusedStep(p.net.arena, ins, skipv, f.relu >= 0)
	if err != nil {
		return true, fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
	}
	lastOut := p.net.steps[last].out
	p.vals[lastOut], p.owned[lastOut] = out, true
	for _, j := range []int{f.add, f.relu} {
		if j >= 0 {
			skip[j] = true
		}
	}
	return true, nil
}

// fusedStep is forwardFused with a panic turned into an error, as exec
// does for one step.
func (c *conv) fusedStep(ar *arena, in []*tval, skip *tval, relu bool) (out *tval, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("failed: %v", r)
		}
	}()
	return c.forwardFused(ar, in, skip, relu)
}

// epilogue finishes a fused convolution in one pass over its output
// out [n][c][hw]: out += bias[ch] (when bias is not nil) + skip (when not
// nil), then max(·, 0) when relu is set. The additions are in the order
// the unfused steps make them: (conv + bias) + skip.
func epilogue(out, bias, skip []float32, relu bool, n, c, hw int) {
	parallel(n*c, 4, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			row := out[pl*hw : (pl+1)*hw]
			var b float32
			if bias != nil {
				b = bias[pl%c]
			}
			switch {
			case skip != nil && relu:
				sk := skip[pl*hw : (pl+1)*hw]
				sk = sk[:len(row)]
				for i, v := range row {
					row[i] = max((v+b)+sk[i], 0)
				}
			case skip != nil:
				sk := skip[pl*hw : (pl+1)*hw]
				sk = sk[:len(row)]
				for i, v := range row {
					row[i] = (v + b) + sk[i]
				}
			case relu:
				for i, v := range row {
					row[i] = max(v+b, 0)
				}
			case bias != nil:
				for i, v := range row {
					row[i] = v + b
				}
			}
		}
	})
}
