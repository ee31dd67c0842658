package inference

import (
	"context"
	"fmt"

	"gorgonia.org/tensor"
)

// Hessian-vector products by forward-over-reverse (docs/engine.md).
//
// The gradient at a layer A is ḡ = J_tailᵀ·s for the seed s over the
// scores. Its directional derivative along v, H·v = d/dε ḡ(A + ε·v), is
// found in two sweeps over the steps after A:
//
//  1. tangent: ẋ for every value, ẋ_A = v, each step's ẏ = J(x)·ẋ (its
//     linearisation at the kept forward state);
//  2. backward on pairs (ȳ, ẏ̄) from (s, 0): for y = f(x),
//     x̄ = J(x)ᵀ·ȳ and ẋ̄ = J(x)ᵀ·ẏ̄ + C, C = (d/dε J(x + ε·ẋ))ᵀ·ȳ.
//
// The first half of the pair is the ordinary backward; the second is the
// same adjoint applied to ẏ̄ (both run as one backward of two stacked
// seeds) plus the curvature term C. C is zero for an operator whose
// Jacobian is locally constant — linear or piecewise linear, opDef.flat —
// so on a net of Conv, Gemm, ReLU, max-pool, BatchNorm, Add … H·v = 0 and
// no sweep runs. A smooth operator (Sigmoid, Tanh, Erf, Sqrt, Softplus,
// HardSwish, Mul, Div, Pow) supplies C through curved; one that does not
// (LayerNormalization, LRN) is refused by name.

// tangentKernel kernels give their forward-mode derivative ẏ = J(x)·ẋ at
// the kept forward state; din[j] is nil where input j has no tangent
// (a constant, or a value not computed from the layer).
type tangentKernel interface {
	tangent(ar *arena, in []*tval, out *tval, aux any, din [][]float32) ([]float32, error)
}

// curved kernels give the second-order term of their adjoint: for each
// input j with want[j], Cⱼ = (d/dε Jⱼ(x + ε·ẋ))ᵀ·ȳ, given the inputs'
// tangents din and the output gradient dout (nil where zero).
type curved interface {
	curvature(in []*tval, out *tval, din [][]float32, dout []float32, want []bool) ([][]float32, error)
}

// HessianVector returns H·v at layer for the seeded scores Σ seed·scores:
// d(Σ G⊙V)/dA with G the seeded gradient at the layer and V = v held
// fixed (torch.autograd.grad(G, A, grad_outputs=V)), shaped like the
// layer. It is exactly zero when every operator after the layer is
// piecewise linear (opDef.flat).
func (p *Pass) HessianVector(ctx context.Context, layer string, seed, v []float32) (*tensor.Dense, error) {
	t, err := p.value(layer)
	if err != nil {
		return nil, err
	}
	if len(v) != len(t.f) {
		return nil, fmt.Errorf("the vector holds %d values; layer %q has %d", len(v), layer, len(t.f))
	}
	per := len(p.Scores())
	if len(seed) != per {
		return nil, fmt.Errorf("a seed holds %d values; the scores have %d", len(seed), per)
	}
	if !p.keep {
		return nil, fmt.Errorf("Hessian-vector products need a kept forward pass")
	}
	tid := p.net.byName[layer]
	down := p.net.downstream(tid)
	if p.flatAfter(down) {
		return tensor.New(tensor.WithShape(t.shape...), tensor.WithBacking(make([]float32, len(t.f)))), nil
	}
	tan, err := p.tangents(ctx, tid, v, down)
	if err != nil {
		return nil, err
	}
	pair := make([]float32, 2*per)
	copy(pair, seed)
	hook := func(i int, s step, dout []float32, dxs [][]float32) error {
		if s.def.flat {
			return nil
		}
		c, ok := s.k.(curved)
		if !ok {
			return fmt.Errorf("its second derivative is not implemented, so ShapleyCAM's Hessian-vector product cannot be formed here")
		}
		half := len(dout) / 2
		din := make([][]float32, len(s.in))
		want := make([]bool, len(s.in))
		for j, id := range s.in {
			if id >= 0 {
				din[j] = tan[id]
			}
			want[j] = dxs[j] != nil
		}
		ins, err := p.net.gather(p.vals, s)
		if err != nil {
			return err
		}
		cs, err := c.curvature(ins, p.vals[s.out], din, dout[:half], want)
		if err != nil {
			return err
		}
		for j, cj := range cs {
			if cj == nil || dxs[j] == nil {
				continue
			}
			second := dxs[j][len(dxs[j])/2:]
			for q, x := range cj {
				second[q] += x
			}
		}
		return nil
	}
	g, shape, err := p.reverse(ctx, tid, pair, 2, hook)
	if err != nil {
		return nil, err
	}
	n := numel(shape)
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(g[n:2*n:2*n])), nil
}

// flatAfter reports whether every step computed from the layer is
// piecewise linear.
func (p *Pass) flatAfter(down []bool) bool {
	for _, s := range p.net.steps {
		if down[s.out] && !s.def.flat {
			return false
		}
	}
	return true
}

// tangents runs the tangent sweep from value tid with ẋ = v and returns
// every float value's tangent by id (nil where it does not depend on tid).
func (p *Pass) tangents(ctx context.Context, tid int, v []float32, down []bool) ([][]float32, error) {
	tan := make([][]float32, len(p.vals))
	tan[tid] = v
	for i, s := range p.net.steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out := p.vals[s.out]
		if !down[s.out] || s.out == tid || out == nil || out.f == nil {
			continue
		}
		din := make([][]float32, len(s.in))
		some := false
		for j, id := range s.in {
			if id >= 0 && tan[id] != nil {
				din[j], some = tan[id], true
			}
		}
		if !some {
			continue
		}
		tk, ok := s.k.(tangentKernel)
		if !ok {
			return nil, fmt.Errorf("node %q (%s): its forward derivative is not implemented, so ShapleyCAM's Hessian-vector product cannot be formed here", s.node, s.op)
		}
		ins, err := p.net.gather(p.vals, s)
		if err != nil {
			return nil, err
		}
		d, err := tk.tangent(nil, ins, out, p.aux[i], din)
		if err != nil {
			return nil, fmt.Errorf("node %q (%s) tangent: %w", s.node, s.op, err)
		}
		tan[s.out] = d
	}
	return tan, nil
}

// withTangents is in with every input that has a tangent replaced by it,
// and every other activation input by zeros: the inputs of a linear
// operator's forward that gives its tangent.
func withTangents(in []*tval, din [][]float32) []*tval {
	out := make([]*tval, len(in))
	for j, t := range in {
		switch {
		case t == nil:
		case din[j] != nil:
			out[j] = &tval{shape: t.shape, f: din[j]}
		default:
			out[j] = t
		}
	}
	return out
}
