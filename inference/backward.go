package inference

import (
	"context"
	"fmt"

	"gorgonia.org/tensor"
)

// The backward pass: gradients of seeds over the logits, one reverse walk
// over the steps with an optional hook per step (guided ReLUs, bias
// gradients and the Hessian-vector product's second-order terms).

// Grad returns d score[class] / d layer for every image of the pass
// (each image's own score: the images do not interact). The pass must
// have been kept. It is exact: hand-written adjoints of each operator.
func (p *Pass) Grad(ctx context.Context, layer string, class int) (*tensor.Dense, error) {
	g, err := p.Grads(ctx, layer, []int{class})
	if err != nil {
		return nil, err
	}
	return g[0], nil
}

// Grads returns the gradients for several classes from one backward
// pass: the fully-connected layers then read their weights once for all
// of them (VGG16's fc6 is 411 MB, so a backward pass is bound by memory,
// and eight classes cost about what one does).
func (p *Pass) Grads(ctx context.Context, layer string, classes []int) ([]*tensor.Dense, error) {
	nc := p.net.NumClasses()
	per := p.n * nc
	seeds := make([]float32, len(classes)*per)
	for j, class := range classes {
		if class < 0 || class >= nc {
			return nil, fmt.Errorf("class %d is out of range: the model has %d classes", class, nc)
		}
		for b := 0; b < p.n; b++ {
			seeds[j*per+b*nc+class] = 1
		}
	}
	g, shape, err := p.backward(ctx, layer, seeds, len(classes))
	if err != nil {
		return nil, err
	}
	size := numel(shape)
	out := make([]*tensor.Dense, len(classes))
	for j := range out {
		out[j] = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(g[j*size:(j+1)*size:(j+1)*size]))
	}
	return out, nil
}

// backward propagates k stacked seeds (each shaped like the scores) down
// to layer and returns the k stacked gradients.
func (p *Pass) backward(ctx context.Context, layer string, seeds []float32, k int) ([]float32, []int, error) {
	if _, err := p.value(layer); err != nil {
		return nil, nil, err
	}
	return p.reverse(ctx, p.net.byName[layer], seeds, k, nil)
}

// stepHook sees, during a backward pass, each step's complete output
// gradient dout (k stacked) and the input gradients dxs its adjoint gave,
// and may change dxs: guided backprop, FullGrad's bias terms and the
// Hessian-vector product's second-order terms hang here.
type stepHook func(i int, s step, dout []float32, dxs [][]float32) error

// reverse propagates k stacked seeds down to value tid; hook, if set, runs
// after each step's adjoint.
func (p *Pass) reverse(ctx context.Context, tid int, seeds []float32, k int, hook stepHook) ([]float32, []int, error) {
	if !p.keep {
		return nil, nil, fmt.Errorf("gradients need a kept forward pass")
	}
	target := p.vals[tid]
	if target == nil || target.f == nil {
		return nil, nil, fmt.Errorf("tensor %q was not kept by this pass", p.net.values[tid].name)
	}
	if len(seeds) != k*len(p.Scores()) {
		return nil, nil, fmt.Errorf("a seed holds %d values; the scores have %d", len(seeds)/max(k, 1), len(p.Scores()))
	}
	down := p.net.downstream(tid)
	grads := map[int][]float32{p.net.scores: seeds}
	for i := len(p.net.steps) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		s := p.net.steps[i]
		dout, ok := grads[s.out]
		if !ok {
			continue
		}
		// Only inputs computed from the layer need a gradient; a value read
		// by several steps sums theirs (fan-out).
		want := make([]bool, len(s.in))
		needed := false
		for j, id := range s.in {
			want[j] = id >= 0 && down[id] && p.net.values[id].konst == nil
			needed = needed || want[j]
		}
		if !needed {
			continue
		}
		dxs, err := p.backwardStep(i, s, dout, k, want)
		if err != nil {
			return nil, nil, err
		}
		if hook != nil {
			if err := hook(i, s, dout, dxs); err != nil {
				return nil, nil, fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
			}
		}
		for j, dx := range dxs {
			if want[j] && dx != nil {
				addGrad(grads, s.in[j], dx)
			}
		}
		if s.out != tid {
			delete(grads, s.out) // every reader of s.out came later: done with it
		}
	}
	g, ok := grads[tid]
	if !ok {
		return nil, nil, fmt.Errorf("the scores do not depend on %q", p.net.values[tid].name)
	}
	return g, target.shape, nil
}

// backwardStep runs one step's adjoint on k stacked gradients, for the
// inputs in want. A Gemm or MatMul takes them as k times more rows in one
// product; other operators go slice by slice over the same kept forward
// state.
func (p *Pass) backwardStep(i int, s step, dout []float32, k int, want []bool) ([][]float32, error) {
	ins, err := p.net.gather(p.vals, s)
	if err != nil {
		return nil, err
	}
	out := p.vals[s.out]
	one := func(dout []float32) ([][]float32, error) {
		switch d := s.k.(type) {
		case adjoint:
			return d.backwardAll(p.net.arena, ins, out, p.aux[i], dout, want)
		case differentiable:
			if !want[0] {
				return nil, fmt.Errorf("only its first input has a gradient")
			}
			dx, err := d.backward(p.net.arena, ins, out, p.aux[i], dout)
			return [][]float32{dx}, err
		}
		return nil, fmt.Errorf("no gradient")
	}
	wrap := func(err error) error { return fmt.Errorf("node %q (%s) backward: %w", s.node, s.op, err) }
	_, isMatMul := s.k.(*matmul)
	if g, isGemm := s.k.(*gemm); k == 1 || (isGemm && !g.transA) || isMatMul {
		dx, err := one(dout)
		if err != nil {
			return nil, wrap(err)
		}
		return dx, nil
	}
	per := numel(out.shape)
	all := make([][]float32, len(s.in))
	for j := 0; j < k; j++ {
		dx, err := one(dout[j*per : (j+1)*per])
		if err != nil {
			return nil, wrap(err)
		}
		for m, d := range dx {
			all[m] = append(all[m], d...)
		}
	}
	return all, nil
}

// addGrad sums gradients of a value used by several steps; it copies
// before adding because alias steps pass their gradient slice through.
func addGrad(grads map[int][]float32, id int, dx []float32) {
	prev, ok := grads[id]
	if !ok {
		grads[id] = dx
		return
	}
	sum := make([]float32, len(prev))
	for i := range sum {
		sum[i] = prev[i] + dx[i]
	}
	grads[id] = sum
}
