package inference

import "fmt"

// intOp is shape arithmetic on small int64 vectors (Shape, Constant,
// ConstantOfShape). It runs for real both at load-time shape inference and
// at every forward pass; it costs microseconds and carries no gradient.
type intOp struct {
	op         string
	start, end int
	hasEnd     bool
	value      *tval
}

func init() {
	register("Shape", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		k := &intOp{op: "Shape"}
		var err error
		if k.start, err = a.int("start", 0); err != nil {
			return nil, err
		}
		if _, k.hasEnd = a["end"]; k.hasEnd {
			k.end, err = a.int("end", 0)
		}
		return k, err
	}})
	register("ConstantOfShape", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		k := &intOp{op: "ConstantOfShape", value: &tval{shape: []int{1}, f: []float32{0}}}
		if v, ok := a["value"]; ok {
			t, err := fromTensorAny(v)
			if err != nil {
				return nil, err
			}
			if numel(t.shape) != 1 {
				return nil, fmt.Errorf("ConstantOfShape value must hold one element")
			}
			k.value = t
		}
		return k, nil
	}})
	register("Cast", opDef{alias: true, perChannel: true, flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		to, err := a.int("to", 0)
		return &cast{to: to}, err
	}, fold: func(k any, in []*tval) (*tval, error) { return castTo(in[0], k.(*cast).to) }})
}

func (k *intOp) eval(in []*tval) (*tval, error) {
	switch k.op {
	case "Constant":
		return k.value, nil
	case "Shape":
		return k.shapeOf(in[0].shape), nil
	case "ConstantOfShape":
		return k.fill(in[0])
	}
	return nil, fmt.Errorf("internal: unknown int op %s", k.op)
}

// fill is ConstantOfShape: a tensor of the given shape holding value.
func (k *intOp) fill(shape *tval) (*tval, error) {
	if shape == nil || shape.i == nil || len(shape.shape) > 1 {
		return nil, fmt.Errorf("ConstantOfShape needs a 1-D integer shape")
	}
	s := shape.ints()
	n := 1
	for _, d := range s {
		if d < 0 || n*max(d, 1) > maxValue {
			return nil, fmt.Errorf("ConstantOfShape of %v is not a valid size", s)
		}
		n *= d
	}
	out := &tval{shape: s}
	if k.value.i != nil {
		out.i = make([]int64, n)
		for j := range out.i {
			out.i[j] = k.value.i[0]
		}
		return out, nil
	}
	out.f = make([]float32, n)
	for j := range out.f {
		out.f[j] = k.value.f[0]
	}
	return out, nil
}

func (k *intOp) shapeOf(s []int) *tval {
	lo, hi := k.start, len(s)
	if k.hasEnd {
		hi = k.end
	}
	clamp := func(v int) int {
		if v < 0 {
			v += len(s)
		}
		return max(0, min(v, len(s)))
	}
	lo, hi = clamp(lo), clamp(hi)
	var out []int64
	for _, d := range s[lo:max(lo, hi)] {
		out = append(out, int64(d))
	}
	return &tval{shape: []int{len(out)}, i: out}
}

// cast is Cast. Between float types (float32, float16, bfloat16, double)
// it is the identity, since the engine computes in float32: an fp16
// model's Casts around its input, weights and scores change nothing, and
// the gradient passes through. On shape vectors it converts between
// int64 and float.
type cast struct{ to int }

func (c *cast) infer(in []*tval) ([]int, error) { return in[0].shape, nil }

func (c *cast) forward(_ *arena, in []*tval, _ bool) (*tval, any, error) {
	if in[0].f == nil && in[0].i == nil {
		// load-time shape inference of an activation
		if !floatType(c.to) {
			return nil, nil, fmt.Errorf("Cast of a float activation to type %d is not supported", c.to)
		}
		return &tval{shape: in[0].shape}, nil, nil
	}
	out, err := castTo(in[0], c.to)
	if err != nil {
		return nil, nil, err
	}
	return &tval{shape: out.shape, f: out.f, i: out.i}, nil, nil
}

func (c *cast) backward(_ *arena, _ []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	return dout, nil
}

func (c *cast) evalInts(in []*tval) (*tval, error) { return castTo(in[0], c.to) }

// floatType reports whether ONNX type to is a float the engine holds as
// float32.
func floatType(to int) bool {
	return to == onnxFloat || to == onnxFloat16 || to == onnxBFloat16 || to == 11
}

func castTo(t *tval, to int) (*tval, error) {
	if floatType(to) {
		to = onnxFloat
	}
	if to == onnxInt32 {
		to = 7
	}
	switch {
	case to == 7 && t.i != nil, to == 1 && t.f != nil:
		return t, nil
	case to == 7 && t.f != nil:
		out := &tval{shape: t.shape, i: make([]int64, len(t.f))}
		for j, v := range t.f {
			out.i[j] = int64(v)
		}
		return out, nil
	case to == 1 && t.i != nil:
		out := &tval{shape: t.shape, f: make([]float32, len(t.i))}
		for j, v := range t.i {
			out.f[j] = float32(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("Cast to type %d is not supported", to)
}
