package inference

import "fmt"

// transpose is ONNX Transpose: output axis d is input axis perm[d]
// (reversed axes when perm is absent).
type transpose struct{ perm []int }

func init() {
	register("Transpose", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		p, err := a.ints("perm")
		return &transpose{perm: p}, err
	}})
	register("Pad", opDef{flat: true, build: newPad})
}

func (t *transpose) permFor(r int) ([]int, error) {
	if t.perm == nil {
		p := make([]int, r)
		for i := range p {
			p[i] = r - 1 - i
		}
		return p, nil
	}
	if len(t.perm) != r {
		return nil, fmt.Errorf("Transpose perm %v for a rank-%d tensor", t.perm, r)
	}
	seen := make([]bool, r)
	for _, a := range t.perm {
		if a < 0 || a >= r || seen[a] {
			return nil, fmt.Errorf("Transpose perm %v is not a permutation", t.perm)
		}
		seen[a] = true
	}
	return t.perm, nil
}

func (t *transpose) infer(in []*tval) ([]int, error) {
	x := in[0].shape
	p, err := t.permFor(len(x))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(x))
	for d, a := range p {
		out[d] = x[a]
	}
	return out, nil
}

// walk visits the output rows with the input offset of each row.
func (t *transpose) walk(x []int, fn func(o, i, row, istep int)) []int {
	p, _ := t.permFor(len(x))
	xs := strides(x)
	out := make([]int, len(x))
	st := make([]int, len(x))
	for d, a := range p {
		out[d], st[d] = x[a], xs[a]
	}
	row, istep := lastDim(out), lastStride(st)
	walkRows(out, []int{0}, [][]int{st}, func(o int, off []int) { fn(o, off[0], row, istep) })
	return out
}

func (t *transpose) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := t.infer(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	x := in[0].f
	t.walk(in[0].shape, func(o, i, row, istep int) {
		for j := 0; j < row; j++ {
			out.f[o+j] = x[i+j*istep]
		}
	})
	return out, nil, nil
}

func (t *transpose) evalInts(in []*tval) (*tval, error) {
	shape, err := t.infer(in)
	if err != nil {
		return nil, err
	}
	out := &tval{shape: shape, i: make([]int64, numel(shape))}
	t.walk(in[0].shape, func(o, i, row, istep int) {
		for j := 0; j < row; j++ {
			out.i[o+j] = in[0].i[i+j*istep]
		}
	})
	return out, nil
}

func (t *transpose) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	dx := make([]float32, numel(in[0].shape))
	t.walk(in[0].shape, func(o, i, row, istep int) {
		for j := 0; j < row; j++ {
			dx[i+j*istep] = dout[o+j]
		}
	})
	return dx, nil
}

// pad is ONNX Pad in constant, reflect or edge mode. Pads come from
// attributes before opset 11 and from inputs (pads, constant_value, axes)
// after; negative pads crop.
type pad struct {
	mode       string
	pads       []int // [begin₀ … begin_r, end₀ … end_r]; nil: from input 1
	value      float32
	fromInputs bool
}

func newPad(a attrs, _ []*tval, opset int64) (any, error) {
	p := &pad{}
	var err error
	if p.mode, err = a.str("mode", "constant"); err != nil {
		return nil, err
	}
	if p.mode != "constant" && p.mode != "reflect" && p.mode != "edge" {
		return nil, fmt.Errorf("Pad mode %q is not supported (constant, reflect, edge are)", p.mode)
	}
	if opset >= 11 {
		p.fromInputs = true
		return p, nil
	}
	name := "pads"
	if opset < 2 {
		name = "paddings"
	}
	if p.pads, err = a.ints(name); err != nil {
		return nil, err
	}
	p.value, err = a.float("value", 0)
	return p, err
}

// resolve returns the per-axis begin and end pads and the fill value.
func (p *pad) resolve(in []*tval) (begin, end []int, value float32, err error) {
	r := len(in[0].shape)
	pads, value := p.pads, p.value
	var axes []int
	if p.fromInputs {
		if len(in) < 2 || in[1] == nil || in[1].i == nil {
			return nil, nil, 0, fmt.Errorf("Pad needs integer pads")
		}
		pads = in[1].ints()
		if len(in) > 2 && in[2] != nil {
			if len(in[2].f) != 1 {
				return nil, nil, 0, fmt.Errorf("Pad constant_value must be a float scalar")
			}
			value = in[2].f[0]
		}
		if len(in) > 3 && in[3] != nil {
			axes = in[3].ints()
		}
	}
	if axes == nil {
		for d := 0; d < r; d++ {
			axes = append(axes, d)
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, nil, 0, fmt.Errorf("Pad has %d pads for %d axes", len(pads), len(axes))
	}
	begin, end = make([]int, r), make([]int, r)
	for i, a := range axes {
		if a, err = normAxis(a, r); err != nil {
			return nil, nil, 0, err
		}
		begin[a], end[a] = pads[i], pads[len(axes)+i]
	}
	return begin, end, value, nil
}

// source maps, per axis, each output coordinate to its input coordinate
// (-1 for the constant fill).
func (p *pad) source(in []*tval) (out []int, src [][]int, value float32, err error) {
	x := in[0].shape
	begin, end, value, err := p.resolve(in)
	if err != nil {
		return nil, nil, 0, err
	}
	out = make([]int, len(x))
	src = make([][]int, len(x))
	for d, n := range x {
		out[d] = n + begin[d] + end[d]
		if out[d] < 0 || (n == 0 && out[d] > 0 && p.mode != "constant") {
			return nil, nil, 0, fmt.Errorf("Pad %v/%v does not fit %s", begin, end, shapeStr(x))
		}
		if p.mode == "reflect" && n > 1 && (begin[d] >= n || end[d] >= n) {
			return nil, nil, 0, fmt.Errorf("reflect Pad of %d on an axis of %d", max(begin[d], end[d]), n)
		}
		src[d] = make([]int, out[d])
		for j := range src[d] {
			src[d][j] = p.coord(j-begin[d], n)
		}
	}
	return out, src, value, nil
}

func (p *pad) coord(i, n int) int {
	if i >= 0 && i < n {
		return i
	}
	switch p.mode {
	case "edge":
		return max(0, min(i, n-1))
	case "reflect":
		if n == 1 {
			return 0
		}
		if i < 0 {
			return -i
		}
		return 2*(n-1) - i
	}
	return -1
}

func (p *pad) infer(in []*tval) ([]int, error) {
	out, _, _, err := p.source(in)
	return out, err
}

// visit calls fn(o, i) for every output position o with its input
// position i (-1 for the fill).
func (p *pad) visit(x, out []int, src [][]int, fn func(o, i int)) {
	xs := strides(x)
	idx := make([]int, len(out))
	for o := 0; o < numel(out); o++ {
		i := 0
		for d := range out {
			s := src[d][idx[d]]
			if s < 0 {
				i = -1
				break
			}
			i += s * xs[d]
		}
		fn(o, i)
		for d := len(out) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < out[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func (p *pad) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, src, value, err := p.source(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	x := in[0].f
	p.visit(in[0].shape, shape, src, func(o, i int) {
		if i < 0 {
			out.f[o] = value
		} else {
			out.f[o] = x[i]
		}
	})
	return out, nil, nil
}

func (p *pad) backward(_ *arena, in []*tval, out *tval, _ any, dout []float32) ([]float32, error) {
	_, src, _, err := p.source(in)
	if err != nil {
		return nil, err
	}
	dx := make([]float32, numel(in[0].shape))
	p.visit(in[0].shape, out.shape, src, func(o, i int) {
		if i >= 0 {
			dx[i] += dout[o]
		}
	})
	return dx, nil
}
