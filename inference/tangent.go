package inference

import (
	"fmt"
	"slices"
)

// Each kernel's tangent (forward-mode derivative) and curvature term
// for HessianVector (hessian.go).

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
	if slices.Equal(a.shape, b.shape) {
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
