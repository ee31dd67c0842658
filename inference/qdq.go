package inference

import (
	"fmt"
	"math"
)

// qdq is ONNX QuantizeLinear or DequantizeLinear with constant scale and
// zero point, per tensor or per axis (one scale per slice along axis):
//
//	QuantizeLinear   y = saturate(round(x / s) + z)   round half to even
//	DequantizeLinear y = (x − z) · s
//
// saturate clamps to the range of the zero point's type (uint8 when it is
// omitted, or output_dtype). Quantized tensors are held as float32 values
// that are integers. DequantizeLinear of a constant (a QDQ model's int8
// weights, int32 biases) is folded at load into float32 weights; on
// activations the pair runs as fake quantisation.
//
// Gradients are straight-through: QuantizeLinear's adjoint is dx = dy / s
// and DequantizeLinear's dx = dy · s, so through a Q→DQ pair the gradient
// passes unchanged, as if the rounding were not there (the estimator of
// quantisation-aware training; saturated values are not masked).
type qdq struct {
	op     string
	scale  []float32
	zero   []float32 // nil: 0
	axis   int
	lo, hi float32 // QuantizeLinear's saturation range
}

func init() {
	for _, op := range []string{"QuantizeLinear", "DequantizeLinear"} {
		register(op, opDef{perChannel: true, flat: true, fold: foldQDQ, build: func(a attrs, in []*tval, opset int64) (any, error) {
			return newQDQ(op, a, in)
		}})
	}
}

// qRange is each integer type's saturation range.
var qRange = map[int][2]float32{
	onnxUint8:  {0, 255},
	onnxInt8:   {-128, 127},
	onnxUint16: {0, 65535},
	onnxInt16:  {-32768, 32767},
	onnxInt32:  {math.MinInt32, math.MaxInt32},
}

func newQDQ(op string, a attrs, in []*tval) (*qdq, error) {
	if len(in) < 2 || in[1] == nil || in[1].f == nil {
		return nil, fmt.Errorf("%s needs a constant float scale (input 1)", op)
	}
	if bs, err := a.int("block_size", 0); err != nil || bs != 0 {
		return nil, fmt.Errorf("%s with block_size %d (blocked quantisation) is not supported", op, bs)
	}
	k := &qdq{op: op, scale: in[1].f}
	var err error
	if k.axis, err = a.int("axis", 1); err != nil {
		return nil, err
	}
	elem := onnxUint8
	if len(in) > 2 && in[2] != nil {
		z := in[2]
		switch {
		case z.f != nil:
			k.zero, elem = z.f, z.elem
		case z.i != nil:
			k.zero, elem = make([]float32, len(z.i)), onnxInt32
			for j, v := range z.i {
				k.zero[j] = float32(v)
			}
		}
		if len(k.zero) != len(k.scale) {
			return nil, fmt.Errorf("%s has %d scales but %d zero points", op, len(k.scale), len(k.zero))
		}
	}
	if d, err := a.int("output_dtype", 0); err != nil {
		return nil, err
	} else if d != 0 {
		elem = d
	}
	r, ok := qRange[elem]
	if !ok && op == "QuantizeLinear" {
		return nil, fmt.Errorf("QuantizeLinear to ONNX type %d is not supported (int8, uint8, int16, uint16, int32 are)", elem)
	}
	k.lo, k.hi = r[0], r[1]
	for _, s := range k.scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("%s scale %v is not a positive number", op, s)
		}
	}
	return k, nil
}

// layout returns the length of one slice along the axis (inner) and the
// number of scales, checking they fit shape.
func (k *qdq) layout(shape []int) (inner, c int, err error) {
	c = len(k.scale)
	if c == 1 {
		return max(numel(shape), 1), 1, nil
	}
	ax := k.axis
	if ax < 0 {
		ax += len(shape)
	}
	if ax < 0 || ax >= len(shape) || shape[ax] != c {
		return 0, 0, fmt.Errorf("%s has %d scales along axis %d of %s", k.op, c, k.axis, shapeStr(shape))
	}
	return numel(shape[ax+1:]), c, nil
}

func (k *qdq) infer(in []*tval) ([]int, error) {
	if _, _, err := k.layout(in[0].shape); err != nil {
		return nil, err
	}
	return in[0].shape, nil
}

// apply computes y from x, reading element j through at(j).
func (k *qdq) apply(y []float32, at func(int) float32, inner, c int) {
	for j := range y {
		ch := (j / inner) % c
		z := float32(0)
		if k.zero != nil {
			z = k.zero[ch]
		}
		x := at(j)
		if k.op == "DequantizeLinear" {
			y[j] = (x - z) * k.scale[ch]
			continue
		}
		q := float32(math.RoundToEven(float64(x/k.scale[ch]))) + z
		y[j] = min(max(q, k.lo), k.hi)
	}
}

func (k *qdq) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	x := in[0]
	if x.f == nil {
		return nil, nil, fmt.Errorf("%s of an integer tensor", k.op)
	}
	inner, c, err := k.layout(x.shape)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(x.shape...)
	k.apply(out.f, func(j int) float32 { return x.f[j] }, inner, c)
	return out, nil, nil
}

func (k *qdq) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	inner, c, err := k.layout(in[0].shape)
	if err != nil {
		return nil, err
	}
	dx := make([]float32, len(dout))
	for j, g := range dout {
		s := k.scale[(j/inner)%c]
		if k.op == "QuantizeLinear" {
			dx[j] = g / s
		} else {
			dx[j] = g * s
		}
	}
	return dx, nil
}

// foldQDQ computes a Quantize/DequantizeLinear of a constant at load:
// int8 weights and int32 biases become float32 weights.
func foldQDQ(k any, in []*tval) (*tval, error) {
	q := k.(*qdq)
	x := in[0]
	inner, c, err := q.layout(x.shape)
	if err != nil {
		return nil, err
	}
	out := &tval{shape: x.shape, f: make([]float32, numel(x.shape))}
	if x.f != nil {
		q.apply(out.f, func(j int) float32 { return x.f[j] }, inner, c)
	} else {
		q.apply(out.f, func(j int) float32 { return float32(x.i[j]) }, inner, c)
	}
	return out, nil
}
