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

// linearTangent is the tangent of an operator linear in its float inputs
// (no offset): its own forward on the tangents, with the other float
// inputs zeroed when zeroOthers (Concat, Sum read several activations).
func linearTangent(k kernel, in []*tval, din [][]float32, zeroOthers bool) ([]float32, error) {
	x := withTangents(in, din)
	if zeroOthers {
		for j, t := range x {
			if t != nil && din[j] == nil && t.f != nil {
				x[j] = &tval{shape: t.shape, f: make([]float32, len(t.f))}
			}
		}
	}
	y, _, err := k.forward(nil, x, false)
	if err != nil {
		return nil, err
	}
	return y.f, nil
}

// diagonalTangent is the tangent of an elementwise operator of one
// activation: its Jacobian is diagonal, so J·ẋ = Jᵀ·ẋ, its backward.
func diagonalTangent(d differentiable, in []*tval, out *tval, aux any, din [][]float32) ([]float32, error) {
	return d.backward(nil, in, out, aux, din[0])
}

func (r relu) tangent(_ *arena, in []*tval, out *tval, aux any, din [][]float32) ([]float32, error) {
	return diagonalTangent(r, in, out, aux, din)
}

func (u *unary) tangent(_ *arena, in []*tval, out *tval, aux any, din [][]float32) ([]float32, error) {
	return diagonalTangent(u, in, out, aux, din)
}

func (b *batchNorm) tangent(_ *arena, in []*tval, out *tval, aux any, din [][]float32) ([]float32, error) {
	return diagonalTangent(b, in, out, aux, din)
}

func (k *qdq) tangent(_ *arena, in []*tval, out *tval, aux any, din [][]float32) ([]float32, error) {
	return diagonalTangent(k, in, out, aux, din)
}

func (c *cast) tangent(_ *arena, _ []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return din[0], nil
}

func (a *alias) tangent(_ *arena, _ []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return din[0], nil
}

// conv's tangent is the convolution of ẋ without the bias.
func (c *conv) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	if din[0] == nil {
		return nil, fmt.Errorf("only the input has a tangent")
	}
	nb := *c
	nb.bias = nil
	return linearTangent(&nb, in[:2], din[:2], false)
}

// gemm's tangent is alpha·op(Ȧ)·op(B), without C.
func (g *gemm) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	if din[0] == nil || len(din) > 1 && din[1] != nil {
		return nil, fmt.Errorf("only A has a tangent (B is a weight)")
	}
	return linearTangent(g, in[:2], din[:2], false)
}

func (m *matmul) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(m, in, din, false)
}

// pool: an average is linear; a maximum passes the tangent of its winner.
func (p *pool) tangent(_ *arena, in []*tval, out *tval, _ any, din [][]float32) ([]float32, error) {
	if !p.max {
		return linearTangent(p, in, din, false)
	}
	arg := make([]int32, len(out.f))
	p.run(in[0], out.shape, make([]float32, len(out.f)), arg)
	h, w, ho, wo := in[0].shape[2], in[0].shape[3], out.shape[2], out.shape[3]
	d := make([]float32, len(out.f))
	for o, a := range arg {
		if a >= 0 {
			pl := o / (ho * wo)
			d[o] = din[0][pl*h*w+int(a)]
		}
	}
	return d, nil
}

func (g globalAvg) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(g, in, din, false)
}

func (r *reduceMean) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(r, in, din, false)
}

func (t *transpose) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(t, in, din, false)
}

func (s *slice) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(s, in, din, false)
}

func (g *gather) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(g, in, din, false)
}

func (c *concat) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(c, in, din, true)
}

func (s sum) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	return linearTangent(s, in, din, true)
}

// pad's tangent pads ẋ with zeros: a constant fill, from the attribute or
// from input 2 (opset 11 on), has none.
func (p *pad) tangent(_ *arena, in []*tval, _ *tval, _ any, din [][]float32) ([]float32, error) {
	z := *p
	z.value = 0
	in = append([]*tval(nil), in...)
	if len(in) > 2 && in[2] != nil {
		in[2] = &tval{shape: in[2].shape, f: make([]float32, len(in[2].f))}
	}
	return linearTangent(&z, in, din, false)
}

// binop's tangent is ẏ = ∂f/∂a·ȧ + ∂f/∂b·ḃ under broadcasting.
func (k *binop) tangent(_ *arena, in []*tval, out *tval, _ any, din [][]float32) ([]float32, error) {
	a, b := in[0], in[1]
	d := make([]float32, len(out.f))
	k.walk(a, b, out, func(o, ia, ib int) {
		x, y, z := a.f[ia], b.f[ib], out.f[o]
		if din[0] != nil {
			d[o] += k.da(x, y, z) * din[0][ia]
		}
		if din[1] != nil {
			d[o] += k.db(x, y, z) * din[1][ib]
		}
	})
	return d, nil
}

// walk visits every output position o of a broadcast binary operator with
// the positions ia, ib of its operands.
func (k *binop) walk(a, b, out *tval, visit func(o, ia, ib int)) {
	if sameShape(a.shape, b.shape) {
		for i := range out.f {
			visit(i, i, i)
		}
		return
	}
	shape := out.shape
	st := [][]int{broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)}
	row := lastDim(shape)
	sa, sb := lastStride(st[0]), lastStride(st[1])
	walkRows(shape, []int{0, 0}, st, func(o int, off []int) {
		for j := 0; j < row; j++ {
			visit(o+j, off[0]+j*sa, off[1]+j*sb)
		}
	})
}

// unary's curvature: C = f₂(x)·ẋ·ȳ, f₂ the second derivative.
func (u *unary) curvature(in []*tval, out *tval, din [][]float32, dout []float32, want []bool) ([][]float32, error) {
	if u.d2 == nil {
		return nil, fmt.Errorf("%s has no second derivative", u.op)
	}
	if !want[0] || din[0] == nil {
		return [][]float32{nil}, nil
	}
	c := make([]float32, len(dout))
	for i, g := range dout {
		c[i] = u.d2(in[0].f[i], out.f[i]) * din[0][i] * g
	}
	return [][]float32{c}, nil
}

// binop's curvature from the second partials of f (k.d2):
// C_a = Σ ȳ·(f_aa·ȧ + f_ab·ḃ), C_b = Σ ȳ·(f_ab·ȧ + f_bb·ḃ), summed over
// the positions an operand is broadcast to.
func (k *binop) curvature(in []*tval, out *tval, din [][]float32, dout []float32, want []bool) ([][]float32, error) {
	if k.d2 == nil {
		return nil, fmt.Errorf("%s has no second derivative", k.op)
	}
	a, b := in[0], in[1]
	cs := make([][]float32, 2)
	for j := range cs {
		if want[j] {
			cs[j] = make([]float32, len(in[j].f))
		}
	}
	k.walk(a, b, out, func(o, ia, ib int) {
		var ta, tb float32
		if din[0] != nil {
			ta = din[0][ia]
		}
		if din[1] != nil {
			tb = din[1][ib]
		}
		if ta == 0 && tb == 0 {
			return
		}
		aa, ab, bb := k.d2(a.f[ia], b.f[ib], out.f[o])
		g := dout[o]
		if cs[0] != nil {
			cs[0][ia] += g * (aa*ta + ab*tb)
		}
		if cs[1] != nil {
			cs[1][ib] += g * (ab*ta + bb*tb)
		}
	})
	return cs, nil
}
