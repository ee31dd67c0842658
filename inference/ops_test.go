package inference

import (
	"context"
	"math"
	"testing"
)

// opCase builds, from tap "a" ([1,4,6,6], a convolution of the input
// "x" [1,3,6,6]), the operators under test; it returns the tensor the
// head reads and its number of values.
type opCase struct {
	name  string
	opset int64
	build func(g *graphBuilder) (string, int)
}

var opCases = []opCase{
	{"Add fan-out (residual)", 14, func(g *graphBuilder) (string, int) {
		g.node("Conv", []string{"a", g.random("c2.w", -0.4, 0.4, 4, 4, 3, 3)}, []string{"b"}, aInts("pads", 1, 1, 1, 1))
		g.node("Add", []string{"a", "b"}, []string{"y"})
		g.node("Tanh", []string{"y"}, []string{"z"})
		return "z", 144
	}},
	{"Mul of two activations (SiLU)", 14, func(g *graphBuilder) (string, int) {
		g.node("Sigmoid", []string{"a"}, []string{"s"})
		g.node("Mul", []string{"a", "s"}, []string{"y"})
		return "y", 144
	}},
	{"squeeze-excite broadcast Mul", 14, func(g *graphBuilder) (string, int) {
		g.node("GlobalAveragePool", []string{"a"}, []string{"p"})
		g.node("Conv", []string{"p", g.random("se.w", -1, 1, 4, 4, 1, 1), g.random("se.b", -0.2, 0.2, 4)}, []string{"q"})
		g.node("HardSigmoid", []string{"q"}, []string{"s"}, aFloat("alpha", 1.0/6), aFloat("beta", 0.5))
		g.node("Mul", []string{"a", "s"}, []string{"y"})
		return "y", 144
	}},
	{"LayerNorm over channels (Sub Div Pow Sqrt ReduceMean)", 13, func(g *graphBuilder) (string, int) {
		g.node("ReduceMean", []string{"a"}, []string{"m"}, aInts("axes", 1))
		g.node("Sub", []string{"a", "m"}, []string{"d"})
		g.node("Pow", []string{"d", g.weight("two", nil, []float32{2})}, []string{"d2"})
		g.node("ReduceMean", []string{"d2"}, []string{"v"}, aInts("axes", 1))
		g.node("Add", []string{"v", g.weight("eps", nil, []float32{1e-2})}, []string{"ve"})
		g.node("Sqrt", []string{"ve"}, []string{"sd"})
		g.node("Div", []string{"d", "sd"}, []string{"y"})
		return "y", 144
	}},
	{"Pow with an activation exponent", 14, func(g *graphBuilder) (string, int) {
		g.node("Sigmoid", []string{"a"}, []string{"s"})
		g.node("Add", []string{"s", g.weight("half", []int{1}, []float32{0.5})}, []string{"base"})
		g.node("Pow", []string{"base", "a"}, []string{"y"})
		return "y", 144
	}},
	{"Concat, BatchNorm after it (DenseNet)", 14, func(g *graphBuilder) (string, int) {
		g.node("Relu", []string{"a"}, []string{"r"})
		g.node("Concat", []string{"a", "r"}, []string{"c"}, aInt("axis", 1))
		g.node("BatchNormalization", []string{"c", g.random("bn.s", 0.5, 1.5, 8), g.random("bn.b", -0.1, 0.1, 8),
			g.random("bn.m", -0.2, 0.2, 8), g.random("bn.v", 0.5, 2, 8)}, []string{"y"})
		return "y", 288
	}},
	{"Concat and Add with a branch from before the layer", 14, func(g *graphBuilder) (string, int) {
		g.node("Conv", []string{"x", g.random("side.w", -0.4, 0.4, 4, 3, 3, 3)}, []string{"side"}, aInts("pads", 1, 1, 1, 1))
		g.node("Add", []string{"a", "side"}, []string{"s"})
		g.node("Concat", []string{"side", "s"}, []string{"y"}, aInt("axis", 1))
		return "y", 288
	}},
	{"Split by sizes input (opset 13) and Mul of the parts", 13, func(g *graphBuilder) (string, int) {
		g.node("Split", []string{"a", g.ints("sizes", 1, 3)}, []string{"p0", "p1"}, aInt("axis", 1))
		g.node("Mul", []string{"p1", "p0"}, []string{"y"})
		return "y", 108
	}},
	{"Split in equal parts by attribute (opset 11), ShuffleNet shuffle", 11, func(g *graphBuilder) (string, int) {
		g.node("Split", []string{"a"}, []string{"p0", "p1"}, aInt("axis", 1))
		g.node("Tanh", []string{"p1"}, []string{"t"})
		g.node("Concat", []string{"p0", "t"}, []string{"c"}, aInt("axis", 1))
		g.node("Reshape", []string{"c", g.ints("s1", 1, 2, 2, 6, 6)}, []string{"r"})
		g.node("Transpose", []string{"r"}, []string{"tr"}, aInts("perm", 0, 2, 1, 3, 4))
		g.node("Reshape", []string{"tr", g.ints("s2", 1, 4, 6, 6)}, []string{"y"})
		return "y", 144
	}},
	{"Slice with steps from inputs (opset 13)", 13, func(g *graphBuilder) (string, int) {
		g.node("Slice", []string{"a", g.ints("st", 5, 1), g.ints("en", -100, 6), g.ints("ax", 3, 2), g.ints("sp", -2, 2)}, []string{"y"})
		return "y", 4 * 3 * 3
	}},
	{"Slice by attributes (opset 9)", 9, func(g *graphBuilder) (string, int) {
		g.node("Slice", []string{"a"}, []string{"y"}, aInts("starts", 1, -4), aInts("ends", 3, 1000), aInts("axes", 1, 2))
		return "y", 2 * 4 * 6
	}},
	{"Transpose, MatMul, Add, Transpose (ConvNeXt's linear)", 14, func(g *graphBuilder) (string, int) {
		g.node("Transpose", []string{"a"}, []string{"t"}, aInts("perm", 0, 2, 3, 1))
		g.node("MatMul", []string{"t", g.random("lin.w", -0.5, 0.5, 4, 5)}, []string{"m"})
		g.node("Add", []string{"m", g.random("lin.b", -0.1, 0.1, 5)}, []string{"mb"})
		g.node("Erf", []string{"mb"}, []string{"e"})
		g.node("Mul", []string{"mb", "e"}, []string{"ge"})
		g.node("Transpose", []string{"ge"}, []string{"y"}, aInts("perm", 0, 3, 1, 2))
		return "y", 180
	}},
	{"Pad reflect (opset 11 inputs)", 11, func(g *graphBuilder) (string, int) {
		g.node("Pad", []string{"a", g.ints("pads", 0, 0, 2, 1, 0, 0, 1, 2)}, []string{"y"}, aStr("mode", "reflect"))
		return "y", 4 * 9 * 9
	}},
	{"Pad edge and constant (opset 2 attributes)", 2, func(g *graphBuilder) (string, int) {
		g.node("Pad", []string{"a"}, []string{"e"}, aStr("mode", "edge"), aInts("pads", 0, 0, 1, 0, 0, 0, 0, 2))
		g.node("Pad", []string{"e"}, []string{"y"}, aInts("pads", 0, 0, 1, 1, 0, 0, -1, 1), aFloat("value", 0.5))
		return "y", 4 * 7 * 10
	}},
	{"Clip as ReLU6 (opset 11 inputs), HardSwish", 14, func(g *graphBuilder) (string, int) {
		g.node("Mul", []string{"a", g.weight("k", nil, []float32{8})}, []string{"big"})
		g.node("Clip", []string{"big", g.weight("lo", nil, []float32{0}), g.weight("hi", nil, []float32{6})}, []string{"c"})
		g.node("HardSwish", []string{"a"}, []string{"h"})
		g.node("Add", []string{"c", "h"}, []string{"y"})
		return "y", 144
	}},
	{"Clip by attributes (opset 6), LeakyRelu, Softplus", 6, func(g *graphBuilder) (string, int) {
		g.node("Clip", []string{"a"}, []string{"c"}, aFloat("min", -0.3), aFloat("max", 0.4))
		g.node("LeakyRelu", []string{"a"}, []string{"l"}, aFloat("alpha", 0.1))
		g.node("Softplus", []string{"l"}, []string{"s"})
		g.node("Sum", []string{"c", "s", "a"}, []string{"y"})
		return "y", 144
	}},
	{"PRelu per channel", 14, func(g *graphBuilder) (string, int) {
		g.node("PRelu", []string{"a", g.random("slope", 0.05, 0.5, 4, 1, 1)}, []string{"y"})
		return "y", 144
	}},
	{"ReduceMean over H,W (opset 18 axes input)", 18, func(g *graphBuilder) (string, int) {
		g.node("Tanh", []string{"a"}, []string{"t"})
		g.node("ReduceMean", []string{"t", g.ints("axes", 2, 3)}, []string{"y"}, aInt("keepdims", 0))
		return "y", 4
	}},
	{"LayerNormalization over the last axis (opset 17, ConvNeXt)", 17, func(g *graphBuilder) (string, int) {
		g.node("Transpose", []string{"a"}, []string{"t"}, aInts("perm", 0, 2, 3, 1))
		g.node("LayerNormalization", []string{"t", g.random("ln.s", 0.5, 1.5, 4), g.random("ln.b", -0.2, 0.2, 4)}, []string{"y"},
			aInt("axis", -1), aFloat("epsilon", 1e-3))
		return "y", 144
	}},
	{"Gather of channels, Unsqueeze, Concat (GoogLeNet's transform_input)", 13, func(g *graphBuilder) (string, int) {
		g.node("Gather", []string{"a", g.ints("ch0", 0)}, []string{"c0"}, aInt("axis", 1))
		g.node("Gather", []string{"a", g.ints("ch31", 3, 1)}, []string{"c31"}, aInt("axis", 1))
		g.node("Mul", []string{"c0", g.weight("k", nil, []float32{0.45})}, []string{"m0"})
		g.node("Concat", []string{"m0", "c31", "a"}, []string{"y"}, aInt("axis", 1))
		return "y", 7 * 36
	}},
	{"LRN", 14, func(g *graphBuilder) (string, int) {
		g.node("LRN", []string{"a"}, []string{"y"}, aInt("size", 3), aFloat("alpha", 0.5), aFloat("beta", 0.75), aFloat("bias", 1))
		return "y", 144
	}},
	{"grouped Conv (group 2)", 14, func(g *graphBuilder) (string, int) {
		g.node("Conv", []string{"a", g.random("g.w", -0.4, 0.4, 6, 2, 3, 3), g.random("g.b", -0.1, 0.1, 6)}, []string{"y"},
			aInt("group", 2), aInts("pads", 1, 0, 1, 2), aInts("strides", 1, 2))
		return "y", 6 * 6 * 3
	}},
	{"depthwise Conv, strided and dilated, multiplier 2", 14, func(g *graphBuilder) (string, int) {
		g.node("Conv", []string{"a", g.random("dw.w", -0.5, 0.5, 8, 1, 3, 3), g.random("dw.b", -0.1, 0.1, 8)}, []string{"y"},
			aInt("group", 4), aInts("pads", 2, 1, 2, 1), aInts("strides", 2, 1), aInts("dilations", 2, 1))
		return "y", 8 * 3 * 6
	}},
	{"depthwise Conv 5×5 stride 2 (EfficientNet)", 14, func(g *graphBuilder) (string, int) {
		g.node("Conv", []string{"a", g.random("dw.w", -0.5, 0.5, 4, 1, 5, 5)}, []string{"y"},
			aInt("group", 4), aInts("pads", 2, 2, 2, 2), aInts("strides", 2, 2))
		return "y", 4 * 3 * 3
	}},
	{"MaxPool with pads and ceil_mode", 14, func(g *graphBuilder) (string, int) {
		g.node("MaxPool", []string{"a"}, []string{"y"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1), aInt("ceil_mode", 1))
		return "y", 4 * 4 * 4
	}},
	{"AveragePool count_include_pad, ceil_mode", 14, func(g *graphBuilder) (string, int) {
		g.node("AveragePool", []string{"a"}, []string{"y"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1),
			aInt("ceil_mode", 1), aInt("count_include_pad", 1))
		return "y", 4 * 4 * 4
	}},
}

// opNet builds x → Conv → a → (case) → Flatten → Gemm.
func opNet(t *testing.T, c opCase) *Net {
	t.Helper()
	g := newGraph(c.opset, "x", 1, 3, 6, 6)
	g.node("Conv", []string{"x", g.random("c1.w", -0.5, 0.5, 4, 3, 3, 3), g.random("c1.b", -0.2, 0.2, 4)}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	out, features := c.build(g)
	g.head(out, features, 3)
	net, err := Decode(g.bytes())
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func randomInput(net *Net, seed int) *tensorDense {
	x := net.NewInput(1)
	d := x.Data().([]float32)
	for i := range d {
		d[i] = float32(math.Sin(float64(i*7+seed))) * 1.5
	}
	return x
}

// TestOpAdjointsMatchFiniteDifferences checks every operator's backward
// against its forward: nudging each value of the tap by ±h moves the
// score by the gradient times 2h (central differences, all positions
// at once through tail passes). The batched gradient of three classes
// agrees with the one-class ones.
func TestOpAdjointsMatchFiniteDifferences(t *testing.T) {
	ctx := context.Background()
	for _, c := range opCases {
		t.Run(c.name, func(t *testing.T) {
			net := opNet(t, c)
			p, err := net.Forward(ctx, randomInput(net, 3), true)
			if err != nil {
				t.Fatal(err)
			}
			act, _ := p.Activation("a")
			base := act.Data().([]float32)
			const h = 1e-3
			var batch []float32
			for i := range base {
				for _, d := range []float32{h, -h} {
					v := append([]float32(nil), base...)
					v[i] += d
					batch = append(batch, v...)
				}
			}
			s, err := p.ScoresWith(ctx, "a", batch, 2*len(base))
			if err != nil {
				t.Fatal(err)
			}
			gs, err := p.Grads(ctx, "a", []int{0, 1, 2})
			if err != nil {
				t.Fatal(err)
			}
			nc := net.NumClasses()
			for class := 0; class < nc; class++ {
				g1, err := p.Grad(ctx, "a", class)
				if err != nil {
					t.Fatal(err)
				}
				gd, gb := g1.Data().([]float32), gs[class].Data().([]float32)
				bad := 0
				for i := range base {
					fd := float64(s[2*i*nc+class]-s[(2*i+1)*nc+class]) / (2 * h)
					if d := math.Abs(fd - float64(gd[i])); d > 0.02*math.Abs(float64(gd[i]))+2e-3 {
						if bad++; bad <= 3 {
							t.Errorf("class %d, value %d: finite difference %.5f, gradient %.5f", class, i, fd, gd[i])
						}
					}
					if math.Abs(float64(gd[i]-gb[i])) > 1e-5*(1+math.Abs(float64(gd[i]))) {
						t.Fatalf("class %d, value %d: batched gradient %v, alone %v", class, i, gb[i], gd[i])
					}
				}
				if nonzero(gd) < len(gd)/4 {
					t.Errorf("class %d: only %d of %d gradient values are not zero", class, nonzero(gd), len(gd))
				}
			}
		})
	}
}
