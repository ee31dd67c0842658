package inference

import (
	"context"
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// Pass is one forward run over a batch. A kept pass holds every
// intermediate tensor, so gradients for any class at any layer cost only
// the backward part from the scores down to that layer.
type Pass struct {
	net  *Net
	vals []*tval
	aux  []any // per step: what backward needs (MaxPool argmax)
	keep bool
	n    int // batch size
	// owned marks the values whose buffers this pass took from the arena.
	owned []bool
}

// Forward runs the network. With keep, the pass can answer Grad and
// Scores-with-replacement queries afterwards; without it intermediate
// tensors are dropped as soon as they are used, except the named taps.
//
// A model with a symbolic height or width takes x at any size its graph
// accepts (the pass then belongs to the Net of that size).
func (n *Net) Forward(ctx context.Context, x *tensor.Dense, keep bool, taps ...string) (*Pass, error) {
	n, err := n.forInput(x)
	if err != nil {
		return nil, err
	}
	in, err := n.checkInput(x)
	if err != nil {
		return nil, err
	}
	return n.run(ctx, in, keep, taps, nil)
}

func (n *Net) checkInput(x *tensor.Dense) (*tval, error) {
	if x == nil {
		return nil, fmt.Errorf("no input tensor")
	}
	data, ok := x.Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("input must be float32, is %s", dtypeName(x.Dtype()))
	}
	s := x.Shape()
	c, h, w := n.InputSize()
	if len(s) != 4 || s[1] != c || s[2] != h || s[3] != w {
		return nil, fmt.Errorf("input is %s; the model takes [N×%d×%d×%d]", shapeStr(s), c, h, w)
	}
	return n.toGraphLayout(&tval{shape: append([]int(nil), s...), f: data}), nil
}

// graphLayout is an [N,C,H,W] shape as the graph's input has it.
func (n *Net) graphLayout(s []int) []int {
	if !n.nhwc {
		return s
	}
	return []int{s[0], s[2], s[3], s[1]}
}

// toGraphLayout turns an [N,C,H,W] input into the graph's layout.
func (n *Net) toGraphLayout(t *tval) *tval {
	if !n.nhwc {
		return t
	}
	out, _, _ := (&transpose{perm: []int{0, 2, 3, 1}}).forward(nil, []*tval{t}, false)
	return out
}

// run executes the steps. Values in preset (by value id) are taken as
// given and their producers skipped: that is how the tail after a layer
// runs on replaced activations.
func (n *Net) run(ctx context.Context, in *tval, keep bool, taps []string, preset map[int]*tval) (*Pass, error) {
	p := &Pass{net: n, vals: make([]*tval, len(n.values)), aux: make([]any, len(n.steps)), keep: keep, n: in.shape[0],
		owned: make([]bool, len(n.values))}
	for i, v := range n.values {
		p.vals[i] = v.konst
	}
	p.vals[n.input] = in
	for id, v := range preset {
		p.vals[id] = v
	}
	hold := map[int]bool{n.root[n.scores]: true}
	for _, t := range taps {
		id, ok := n.byName[t]
		if !ok || id < 0 {
			return nil, fmt.Errorf("the model has no tensor %q", t)
		}
		hold[n.root[id]] = true
	}
	skip := make([]bool, len(n.steps)) // run inside a fused step before
	for i, s := range n.steps {
		if err := ctx.Err(); err != nil {
			p.Release()
			return nil, err
		}
		if _, given := preset[s.out]; given {
			continue
		}
		if !skip[i] {
			fused, err := p.tryFused(i, hold, preset, skip)
			if err == nil && !fused {
				err = p.exec(i, s)
			}
			if err != nil {
				p.Release()
				return nil, err
			}
		}
		if !keep {
			p.recycle(i, s, hold)
		}
	}
	return p, nil
}

// recycle returns the buffers whose last reader was step i.
func (p *Pass) recycle(i int, s step, hold map[int]bool) {
	for _, id := range s.in {
		if id < 0 {
			continue
		}
		r := p.net.root[id]
		if p.net.rootLast[r] == i && p.owned[r] && !hold[r] && p.vals[r] != nil {
			p.net.arena.put(p.vals[r].f)
			p.vals[r], p.owned[r] = nil, false
		}
	}
}

// Release gives the pass's buffers back for reuse by later passes. The
// pass, and every tensor taken from it, must not be used afterwards.
func (p *Pass) Release() {
	for id, own := range p.owned {
		if own && p.vals[id] != nil {
			p.net.arena.put(p.vals[id].f)
		}
		p.owned[id] = false
	}
	clear(p.vals)
}

func (p *Pass) exec(i int, s step) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node %q (%s) failed: %v", s.node, s.op, r)
		}
	}()
	ins, err := p.net.gather(p.vals, s)
	if err != nil {
		return err
	}
	out, aux, owned, err := s.eval(p.net.arena, ins, p.keep)
	if err != nil {
		return fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
	}
	p.vals[s.out], p.aux[i], p.owned[s.out] = out, aux, owned
	return nil
}

// eval runs s on its inputs: integer ops (shapes, indices) by value, a
// kernel's forward from ar otherwise. owned says whether out is a buffer
// of ar's that the pass may recycle (not an alias of an input).
func (s step) eval(ar *arena, ins []*tval, keep bool) (out *tval, aux any, owned bool, err error) {
	switch k := s.k.(type) {
	case *intOp:
		out, err = k.eval(ins)
	case kernel:
		if ie, ok := k.(intEvaler); ok && allInts(ins) {
			out, err = ie.evalInts(ins)
			break
		}
		out, aux, err = k.forward(ar, ins, keep)
		owned = err == nil && !s.def.alias
	default:
		err = fmt.Errorf("internal: %s cannot run", s.op)
	}
	return out, aux, owned, err
}

// Batch is the number of images in the pass.
func (p *Pass) Batch() int { return p.n }

// Scores are the raw class scores (logits), [batch × classes] row-major.
func (p *Pass) Scores() []float32 { return p.vals[p.net.scores].f }

// Probs are softmax(Scores) per image.
func (p *Pass) Probs() []float32 { return softmaxRows(p.Scores(), p.n) }

// Activation returns a tapped (or, in a kept pass, any) tensor by name.
func (p *Pass) Activation(name string) (*tensor.Dense, error) {
	t, err := p.value(name)
	if err != nil {
		return nil, err
	}
	return tensor.New(tensor.WithShape(t.shape...), tensor.WithBacking(t.f)), nil
}

func (p *Pass) value(name string) (*tval, error) {
	id, ok := p.net.byName[name]
	if !ok || id < 0 {
		return nil, fmt.Errorf("the model has no tensor %q", name)
	}
	t := p.vals[id]
	if t == nil || t.f == nil {
		return nil, fmt.Errorf("tensor %q was not kept by this pass", name)
	}
	return t, nil
}

// readBy marks the values read by the steps whose output is marked.
func (n *Net) readBy(marked []bool) []bool {
	r := make([]bool, len(n.values))
	for _, s := range n.steps {
		if marked[s.out] {
			for _, id := range s.in {
				if id >= 0 {
					r[id] = true
				}
			}
		}
	}
	return r
}

// tileBatch repeats a one-image tensor n times along the batch axis.
func tileBatch(v *tval, n int) *tval {
	out := &tval{shape: append([]int{n}, v.shape[1:]...), f: make([]float32, n*len(v.f))}
	for b := 0; b < n; b++ {
		copy(out.f[b*len(v.f):], v.f)
	}
	return out
}

// downstream marks the values computed from value v (v included).
func (n *Net) downstream(v int) []bool {
	down := make([]bool, len(n.values))
	down[v] = true
	for _, s := range n.steps {
		for _, in := range s.in {
			if in >= 0 && down[in] {
				down[s.out] = true
			}
		}
	}
	return down
}

// ScoresWith runs the part of the network after layer on a batch of
// replacement activations acts ([n, C, H, W] flattened, C·H·W matching the
// layer) and returns the scores [n × classes]. Values that do not depend
// on the layer come from this pass. This is what makes AblationCAM cheap:
// only the tail is re-run.
func (p *Pass) ScoresWith(ctx context.Context, layer string, acts []float32, n int) ([]float32, error) {
	t, err := p.value(layer)
	if err != nil {
		return nil, err
	}
	per := numel(t.shape) / p.n
	if n < 1 || len(acts) != n*per {
		return nil, fmt.Errorf("replacement activations hold %d values, want %d×%d", len(acts), n, per)
	}
	return p.scoresFrom(ctx, p.net.byName[layer], acts, n)
}

// scoresFrom runs what follows value tid on n replacement values for it.
func (p *Pass) scoresFrom(ctx context.Context, tid int, acts []float32, n int) ([]float32, error) {
	t := p.vals[tid]
	down := p.net.downstream(tid)
	fromInput := p.net.downstream(p.net.input)
	readers := p.net.readBy(down)
	preset := map[int]*tval{}
	for id, v := range p.vals {
		if v == nil || down[id] {
			continue
		}
		// An activation of this pass that a tail step reads beside the
		// replaced ones (a skip connection, a Concat's other branch)
		// gets one copy per replacement when the pass holds one image.
		if fromInput[id] && readers[id] && p.n == 1 && n > 1 && v.f != nil {
			v = tileBatch(v, n)
		}
		preset[id] = v
	}
	shape := append([]int{n}, t.shape[1:]...)
	preset[tid] = &tval{shape: shape, f: acts}
	q, err := p.net.run(ctx, p.vals[p.net.input], false, nil, preset)
	if err != nil {
		return nil, err
	}
	scores := append([]float32(nil), q.Scores()...)
	q.Release()
	return scores, nil
}

// CheckFinite reports NaN or Inf in the scores, which a CAM cannot explain.
func (p *Pass) CheckFinite() error {
	for _, v := range p.Scores() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("the model's scores contain NaN or Inf: its weights or the input are broken")
		}
	}
	return nil
}
