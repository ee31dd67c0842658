package inference

import (
	"fmt"
	"math"
)

// unary is an elementwise operator y = f(x) with derivative df(x, y).
// Each entry below is the ONNX definition of the operator.
type unary struct {
	op string
	f  func(x float32) float32
	df func(x, y float32) float32
	// d2 is the second derivative f''(x, y) for Hessian-vector products;
	// nil for the piecewise-linear ones (registered flat).
	d2 func(x, y float32) float32
}

func init() {
	un := func(op string, f func(float32) float32, df, d2 func(x, y float32) float32) {
		register(op, opDef{perChannel: true, build: fixed(&unary{op: op, f: f, df: df, d2: d2})})
	}
	un("Sigmoid", sigmoid, func(_, y float32) float32 { return y * (1 - y) },
		func(_, y float32) float32 { return y * (1 - y) * (1 - 2*y) })
	un("Tanh", func(x float32) float32 { return float32(math.Tanh(float64(x))) },
		func(_, y float32) float32 { return 1 - y*y },
		func(_, y float32) float32 { return -2 * y * (1 - y*y) })
	un("Erf", func(x float32) float32 { return float32(math.Erf(float64(x))) },
		func(x, _ float32) float32 { return float32(2 / math.SqrtPi * math.Exp(-float64(x)*float64(x))) },
		func(x, _ float32) float32 {
			v := float64(x)
			return float32(-2 * v * 2 / math.SqrtPi * math.Exp(-v*v))
		})
	un("Sqrt", func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
		func(_, y float32) float32 { return 0.5 / y },
		func(_, y float32) float32 { return -0.25 / (y * y * y) })
	un("Softplus", func(x float32) float32 {
		// log(1+eˣ) without overflow: max(x,0) + log1p(e^−|x|)
		v := float64(x)
		return float32(math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))))
	}, func(x, _ float32) float32 { return sigmoid(x) },
		func(x, _ float32) float32 { s := sigmoid(x); return s * (1 - s) })
	un("HardSwish", func(x float32) float32 { return x * min(max(x+3, 0), 6) / 6 },
		func(x, _ float32) float32 {
			switch {
			case x < -3:
				return 0
			case x > 3:
				return 1
			}
			return (2*x + 3) / 6
		},
		func(x, _ float32) float32 {
			if x > -3 && x < 3 {
				return 1.0 / 3
			}
			return 0
		})
	register("HardSigmoid", opDef{perChannel: true, flat: true, build: newHardSigmoid})
	register("LeakyRelu", opDef{perChannel: true, flat: true, build: newLeakyRelu})
	register("Clip", opDef{perChannel: true, flat: true, build: newClip})
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func newHardSigmoid(a attrs, _ []*tval, _ int64) (any, error) {
	alpha, err := a.float("alpha", 0.2)
	if err != nil {
		return nil, err
	}
	beta, err := a.float("beta", 0.5)
	if err != nil {
		return nil, err
	}
	return &unary{op: "HardSigmoid",
		f: func(x float32) float32 { return max(0, min(1, alpha*x+beta)) },
		df: func(x, _ float32) float32 {
			if v := alpha*x + beta; v > 0 && v < 1 {
				return alpha
			}
			return 0
		}}, nil
}

func newLeakyRelu(a attrs, _ []*tval, _ int64) (any, error) {
	alpha, err := a.float("alpha", 0.01)
	if err != nil {
		return nil, err
	}
	return &unary{op: "LeakyRelu",
		f: func(x float32) float32 {
			if x < 0 {
				return alpha * x
			}
			return x
		},
		df: func(x, _ float32) float32 {
			if x < 0 {
				return alpha
			}
			return 1
		}}, nil
}

// newClip reads the bounds from attributes (opset < 11) or from constant
// inputs 1 and 2 (opset 11 on; either may be omitted).
func newClip(a attrs, in []*tval, opset int64) (any, error) {
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if opset < 11 {
		var err error
		if lo, err = a.float("min", lo); err != nil {
			return nil, err
		}
		if hi, err = a.float("max", hi); err != nil {
			return nil, err
		}
	}
	for i, dst := range []*float32{&lo, &hi} {
		if len(in) <= i+1 || in[i+1] == nil {
			continue
		}
		if len(in[i+1].f) != 1 {
			return nil, fmt.Errorf("Clip bounds must be constant scalars")
		}
		*dst = in[i+1].f[0]
	}
	return &unary{op: "Clip",
		f: func(x float32) float32 { return min(max(x, lo), hi) },
		df: func(x, _ float32) float32 {
			if x < lo || x > hi {
				return 0
			}
			return 1
		}}, nil
}

func (u *unary) infer(in []*tval) ([]int, error) {
	if in[0].isInt() {
		return nil, fmt.Errorf("%s of an integer tensor", u.op)
	}
	return in[0].shape, nil
}

func (u *unary) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	x := in[0]
	if x.f == nil {
		return nil, nil, fmt.Errorf("%s of an integer tensor", u.op)
	}
	out := ar.newT(x.shape...)
	parallel(len(x.f), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.f[i] = u.f(x.f[i])
		}
	})
	return out, nil, nil
}

func (u *unary) backward(_ *arena, in []*tval, out *tval, _ any, dout []float32) ([]float32, error) {
	x := in[0]
	dx := make([]float32, len(dout))
	parallel(len(dx), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dx[i] = dout[i] * u.df(x.f[i], out.f[i])
		}
	})
	return dx, nil
}
