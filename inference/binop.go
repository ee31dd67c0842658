package inference

import (
	"fmt"
	"math"
	"slices"
)

// binop is an elementwise operator of two tensors under ONNX
// multidirectional broadcasting: y = f(a, b). Its adjoint is exact for
// both operands: dL/da = Σ dL/dy · ∂f/∂a over the positions a is
// broadcast to (likewise b), so x·sigmoid(x) (SiLU) and squeeze-excite
// gates get the gradient of both factors.
type binop struct {
	op     string
	f      func(a, b float32) float32
	da, db func(a, b, y float32) float32 // ∂f/∂a, ∂f/∂b at (a, b) with y = f(a, b)
	// d2 gives the second partials f_aa, f_ab, f_bb (Hessian-vector
	// products); nil for the flat operators Add and Sub.
	d2 func(a, b, y float32) (aa, ab, bb float32)
	fi func(a, b int64) (int64, error) // on shape vectors; nil if not defined
}

func init() {
	def := func(k *binop) opDef { return opDef{build: fixed(k), flat: k.d2 == nil} }
	register("Add", def(&binop{op: "Add",
		f:  func(a, b float32) float32 { return a + b },
		da: func(_, _, _ float32) float32 { return 1 },
		db: func(_, _, _ float32) float32 { return 1 },
		fi: func(a, b int64) (int64, error) { return a + b, nil }}))
	register("Sub", def(&binop{op: "Sub",
		f:  func(a, b float32) float32 { return a - b },
		da: func(_, _, _ float32) float32 { return 1 },
		db: func(_, _, _ float32) float32 { return -1 },
		fi: func(a, b int64) (int64, error) { return a - b, nil }}))
	register("Mul", def(&binop{op: "Mul",
		f:  func(a, b float32) float32 { return a * b },
		da: func(_, b, _ float32) float32 { return b },
		db: func(a, _, _ float32) float32 { return a },
		d2: func(_, _, _ float32) (aa, ab, bb float32) { return 0, 1, 0 },
		fi: func(a, b int64) (int64, error) { return a * b, nil }}))
	register("Div", def(&binop{op: "Div",
		f:  func(a, b float32) float32 { return a / b },
		da: func(_, b, _ float32) float32 { return 1 / b },
		db: func(_, b, y float32) float32 { return -y / b },
		d2: func(a, b, _ float32) (aa, ab, bb float32) { return 0, -1 / (b * b), 2 * a / (b * b * b) },
		fi: divInts}))
	register("Pow", def(&binop{op: "Pow",
		f: func(a, b float32) float32 { return float32(math.Pow(float64(a), float64(b))) },
		da: func(a, b, _ float32) float32 {
			if b == 0 {
				return 0
			}
			return b * float32(math.Pow(float64(a), float64(b-1)))
		},
		db: func(a, _, y float32) float32 {
			if a <= 0 {
				return 0 // a^b is not differentiable in b there; torch gives NaN or 0
			}
			return y * float32(math.Log(float64(a)))
		},
		d2: powSecond}))
	register("PRelu", opDef{perChannel: true, build: fixed(&binop{op: "PRelu",
		f: func(x, s float32) float32 {
			if x < 0 {
				return s * x
			}
			return x
		},
		da: func(x, s, _ float32) float32 {
			if x < 0 {
				return s
			}
			return 1
		},
		db: func(x, _, _ float32) float32 { return min(x, 0) },
		d2: func(x, _, _ float32) (aa, ab, bb float32) {
			if x < 0 {
				return 0, 1, 0 // x·s: bilinear where x < 0
			}
			return 0, 0, 0
		}})})
}

// powSecond is the second partials of a^b; in b only where a > 0, as
// Pow's ∂f/∂b (elsewhere a^b is not differentiable in b).
func powSecond(a, b, y float32) (aa, ab, bb float32) {
	x, e := float64(a), float64(b)
	if e != 0 && e != 1 {
		aa = float32(e * (e - 1) * math.Pow(x, e-2))
	}
	if x > 0 {
		l := math.Log(x)
		ab = float32(math.Pow(x, e-1) * (1 + e*l))
		bb = float32(float64(y) * l * l)
	}
	return aa, ab, bb
}

// divInts is ONNX integer Div: truncation toward zero.
func divInts(a, b int64) (int64, error) {
	if b == 0 {
		return 0, fmt.Errorf("integer division by zero")
	}
	return a / b, nil
}

func (k *binop) infer(in []*tval) ([]int, error) {
	if len(in) != 2 || in[0] == nil || in[1] == nil {
		return nil, fmt.Errorf("%s needs two inputs", k.op)
	}
	return broadcastShape(in[0].shape, in[1].shape)
}

func (k *binop) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := k.infer(in)
	if err != nil {
		return nil, nil, err
	}
	a, b := in[0], in[1]
	if a.f == nil || b.f == nil {
		return nil, nil, fmt.Errorf("%s of an integer and a float tensor", k.op)
	}
	out := ar.newT(shape...)
	if slices.Equal(a.shape, b.shape) {
		parallel(len(out.f), 1<<15, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out.f[i] = k.f(a.f[i], b.f[i])
			}
		})
		return out, nil, nil
	}
	st := [][]int{broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)}
	row := lastDim(shape)
	sa, sb := lastStride(st[0]), lastStride(st[1])
	walkRows(shape, []int{0, 0}, st, func(o int, off []int) {
		ia, ib := off[0], off[1]
		for j := 0; j < row; j++ {
			out.f[o+j] = k.f(a.f[ia+j*sa], b.f[ib+j*sb])
		}
	})
	return out, nil, nil
}

func lastDim(s []int) int {
	if len(s) == 0 {
		return 1
	}
	return s[len(s)-1]
}

func lastStride(st []int) int {
	if len(st) == 0 {
		return 0
	}
	return st[len(st)-1]
}

func (k *binop) evalInts(in []*tval) (*tval, error) {
	if k.fi == nil {
		return nil, fmt.Errorf("%s is not defined on integer tensors", k.op)
	}
	shape, err := k.infer(in)
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if numel(shape) > maxValue {
		return nil, fmt.Errorf("%s of shape vectors broadcasts to %s", k.op, shapeStr(shape))
	}
	out := &tval{shape: shape, i: make([]int64, numel(shape))}
	st := [][]int{broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)}
	row := lastDim(shape)
	sa, sb := lastStride(st[0]), lastStride(st[1])
	walkRows(shape, []int{0, 0}, st, func(o int, off []int) {
		for j := 0; j < row && err == nil; j++ {
			out.i[o+j], err = k.fi(a.i[off[0]+j*sa], b.i[off[1]+j*sb])
		}
	})
	return out, err
}

func (k *binop) backwardAll(_ *arena, in []*tval, out *tval, _ any, dout []float32, want []bool) ([][]float32, error) {
	a, b := in[0], in[1]
	shape := out.shape
	g := make([][]float32, 2)
	for i := range g {
		if want[i] {
			g[i] = make([]float32, len(in[i].f))
		}
	}
	if slices.Equal(a.shape, b.shape) {
		parallel(len(dout), 1<<15, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if g[0] != nil {
					g[0][i] = dout[i] * k.da(a.f[i], b.f[i], out.f[i])
				}
				if g[1] != nil {
					g[1][i] = dout[i] * k.db(a.f[i], b.f[i], out.f[i])
				}
			}
		})
		return g, nil
	}
	st := [][]int{broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)}
	row := lastDim(shape)
	sa, sb := lastStride(st[0]), lastStride(st[1])
	walkRows(shape, []int{0, 0}, st, func(o int, off []int) {
		for j := 0; j < row; j++ {
			ia, ib := off[0]+j*sa, off[1]+j*sb
			x, y, z := a.f[ia], b.f[ib], out.f[o+j]
			if g[0] != nil {
				g[0][ia] += dout[o+j] * k.da(x, y, z)
			}
			if g[1] != nil {
				g[1][ib] += dout[o+j] * k.db(x, y, z)
			}
		}
	})
	return g, nil
}

// sum is ONNX Sum: the elementwise sum of any number of broadcast inputs.
type sum struct{}

func init() { register("Sum", opDef{flat: true, build: fixed(sum{})}) }

func (sum) infer(in []*tval) ([]int, error) {
	var shapes [][]int
	for _, t := range in {
		if t == nil {
			return nil, fmt.Errorf("Sum has an omitted input")
		}
		shapes = append(shapes, t.shape)
	}
	if len(shapes) == 0 {
		return nil, fmt.Errorf("Sum needs at least one input")
	}
	return broadcastShape(shapes...)
}

func (s sum) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := s.infer(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	clear(out.f)
	row := lastDim(shape)
	for _, t := range in {
		st := [][]int{broadcastStrides(t.shape, shape)}
		step := lastStride(st[0])
		walkRows(shape, []int{0}, st, func(o int, off []int) {
			for j := 0; j < row; j++ {
				out.f[o+j] += t.f[off[0]+j*step]
			}
		})
	}
	return out, nil, nil
}

func (sum) backwardAll(_ *arena, in []*tval, out *tval, _ any, dout []float32, want []bool) ([][]float32, error) {
	g := make([][]float32, len(in))
	row := lastDim(out.shape)
	for i, t := range in {
		if !want[i] {
			continue
		}
		g[i] = make([]float32, numel(t.shape))
		st := [][]int{broadcastStrides(t.shape, out.shape)}
		step := lastStride(st[0])
		walkRows(out.shape, []int{0}, st, func(o int, off []int) {
			for j := 0; j < row; j++ {
				g[i][off[0]+j*step] += dout[o+j]
			}
		})
	}
	return g, nil
}
