package inference

import "fmt"

// gather is ONNX Gather along axis with integer indices: of shape
// vectors (Shape → Gather), or of activations (torchvision GoogLeNet's
// transform_input reads x[:, 0]). Its adjoint adds each output slice back
// onto the input slice it was read from.
type gather struct{ axis int }

func init() {
	register("Gather", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		ax, err := a.int("axis", 0)
		return &gather{axis: ax}, err
	}})
}

// plan returns the output shape, the outer and inner block sizes, the
// gathered axis' length and the resolved indices.
func (g *gather) plan(in []*tval) (shape []int, outer, inner, n int, idx []int, err error) {
	if len(in) < 2 || in[1] == nil || in[1].i == nil {
		return nil, 0, 0, 0, nil, fmt.Errorf("Gather needs integer indices")
	}
	x := in[0].shape
	ax, err := normAxis(g.axis, len(x))
	if err != nil {
		return nil, 0, 0, 0, nil, err
	}
	n = x[ax]
	idx = in[1].ints()
	for j, v := range idx {
		if v < 0 {
			v += n
		}
		if v < 0 || v >= n {
			return nil, 0, 0, 0, nil, fmt.Errorf("Gather index %d out of range for %d", idx[j], n)
		}
		idx[j] = v
	}
	shape = append(append(append([]int(nil), x[:ax]...), in[1].shape...), x[ax+1:]...)
	return shape, numel(x[:ax]), numel(x[ax+1:]), n, idx, nil
}

func (g *gather) infer(in []*tval) ([]int, error) {
	shape, _, _, _, _, err := g.plan(in)
	return shape, err
}

// each calls fn for every copied block: output and input offsets.
func each(outer, inner, n int, idx []int, fn func(o, i int)) {
	m := len(idx)
	for b := 0; b < outer; b++ {
		for j, v := range idx {
			fn((b*m+j)*inner, (b*n+v)*inner)
		}
	}
}

func (g *gather) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, outer, inner, n, idx, err := g.plan(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	x := in[0].f
	each(outer, inner, n, idx, func(o, i int) { copy(out.f[o:o+inner], x[i:i+inner]) })
	return out, nil, nil
}

func (g *gather) evalInts(in []*tval) (*tval, error) {
	shape, outer, inner, n, idx, err := g.plan(in)
	if err != nil {
		return nil, err
	}
	out := &tval{shape: shape, i: make([]int64, numel(shape))}
	each(outer, inner, n, idx, func(o, i int) { copy(out.i[o:o+inner], in[0].i[i:i+inner]) })
	return out, nil
}

func (g *gather) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	_, outer, inner, n, idx, err := g.plan(in)
	if err != nil {
		return nil, err
	}
	dx := make([]float32, numel(in[0].shape))
	each(outer, inner, n, idx, func(o, i int) {
		for k := 0; k < inner; k++ {
			dx[i+k] += dout[o+k]
		}
	})
	return dx, nil
}
