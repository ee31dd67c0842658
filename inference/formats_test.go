package inference

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand"
	"strings"
	"testing"
)

// roundHalf rounds f to the nearest float16 (ties to even), returning its
// bits and its value; written from the IEEE 754 definition, independent
// of halfToFloat.
func roundHalf(f float32) (uint16, float32) {
	sign := uint16(0)
	a := float64(f)
	if a < 0 {
		sign, a = 0x8000, -a
	}
	if a == 0 {
		return sign, f
	}
	e := math.Floor(math.Log2(a))
	var bits uint16
	var v float64
	if e < -14 {
		m := math.RoundToEven(a * (1 << 24))
		bits, v = uint16(m), m/(1<<24)
	} else {
		m := math.RoundToEven(a / math.Pow(2, e) * 1024)
		if m == 2048 {
			m, e = 1024, e+1
		}
		bits, v = uint16(e+15)<<10|uint16(m-1024), m*math.Pow(2, e-10)
	}
	if sign != 0 {
		v = -v
	}
	return sign | bits, float32(v)
}

func TestHalfToFloat(t *testing.T) {
	for _, c := range []struct {
		bits uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0001, 1.0 / (1 << 24)}, {0x03ff, 1023.0 / (1 << 24)}, {0x0400, 1.0 / (1 << 14)},
		{0x8000, 0}, {0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := halfToFloat(c.bits); got != c.want {
			t.Errorf("halfToFloat(%#04x) = %g, want %g", c.bits, got, c.want)
		}
	}
	if v := halfToFloat(0x7e00); v == v {
		t.Errorf("halfToFloat(0x7e00) = %g, want NaN", v)
	}
	if got := halfToFloat(0x8000); !math.Signbit(float64(got)) {
		t.Error("halfToFloat(0x8000) lost the sign of −0")
	}
}

// halfWeights are the small CNN's weights rounded to float16, as fp16
// bytes and as float32 values.
type halfWeights struct {
	name  string
	shape []int
	bits  []byte
	vals  []float32
}

func newHalfWeights(rng *rand.Rand, name string, lo, hi float32, shape ...int) halfWeights {
	w := halfWeights{name: name, shape: shape, bits: make([]byte, 2*numel(shape)), vals: make([]float32, numel(shape))}
	for i := range w.vals {
		b, v := roundHalf(lo + (hi-lo)*rng.Float32())
		binary.LittleEndian.PutUint16(w.bits[2*i:], b)
		w.vals[i] = v
	}
	return w
}

// aTensor is a tensor-valued attribute (a Constant's value).
func aTensor(name string, tp []byte) attr { return msg(attrHead(name, 4), 5, tp) }

// halfNet builds x [1,3,8,8] → Conv → Relu → Mul by a Constant 0.5 →
// GlobalAveragePool → Flatten → Gemm → scores in one of four forms: the
// float32 reference (weights already rounded to fp16), fp16 weights and
// I/O, fp16 weights each followed by a Cast to float32, and
// keep_io_types (float32 I/O cast to fp16 and back around an fp16 body).
func halfNet(form string) []byte {
	rng := rand.New(rand.NewSource(7))
	ws := []halfWeights{
		newHalfWeights(rng, "c.w", -0.5, 0.5, 4, 3, 3, 3),
		newHalfWeights(rng, "c.b", -0.1, 0.1, 4),
		newHalfWeights(rng, "fc.w", -0.5, 0.5, 5, 4),
		newHalfWeights(rng, "fc.b", -0.1, 0.1, 5),
	}
	g := newGraph(13, "x", 1, 3, 8, 8)
	names := map[string]string{}
	half := []byte{0, 0x38} // 0.5 in fp16
	for _, w := range ws {
		switch form {
		case "float32":
			names[w.name] = g.weight(w.name, w.shape, w.vals)
		case "cast":
			g.init = append(g.init, tensorProto(w.name+".h", onnxFloat16, w.shape, w.bits))
			g.node("Cast", []string{w.name + ".h"}, []string{w.name}, aInt("to", onnxFloat))
			names[w.name] = w.name
		default:
			g.init = append(g.init, tensorProto(w.name, onnxFloat16, w.shape, w.bits))
			names[w.name] = w.name
		}
	}
	x := "x"
	switch form {
	case "fp16":
		g.inElem, g.outElem = onnxFloat16, onnxFloat16
	case "keepio":
		g.node("Cast", []string{"x"}, []string{"x16"}, aInt("to", onnxFloat16))
		x = "x16"
	}
	g.node("Conv", []string{x, names["c.w"], names["c.b"]}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	g.node("Relu", []string{"a"}, []string{"r"})
	if form == "float32" || form == "cast" {
		g.node("Constant", nil, []string{"k"}, aTensor("value", tensorProto("", onnxFloat, nil, []byte{0, 0, 0, 0x3f})))
	} else {
		g.node("Constant", nil, []string{"k"}, aTensor("value", tensorProto("", onnxFloat16, nil, half)))
	}
	g.node("Mul", []string{"r", "k"}, []string{"m"})
	g.node("GlobalAveragePool", []string{"m"}, []string{"p"})
	g.node("Flatten", []string{"p"}, []string{"flat"}, aInt("axis", 1))
	g.node("Gemm", []string{"flat", names["fc.w"], names["fc.b"]}, []string{"s"}, aInt("transB", 1))
	g.output = "s"
	if form == "keepio" {
		g.node("Cast", []string{"s"}, []string{"scores"}, aInt("to", onnxFloat))
		g.output = "scores"
	}
	return g.bytes()
}

// TestHalfModelsComputeInFloat32: fp16 weights (with fp16 or float32
// I/O, with or without Casts) give the float32 network of the rounded
// weights: same scores, same gradients.
func TestHalfModelsComputeInFloat32(t *testing.T) {
	ref, err := Decode(halfNet("float32"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	x := make([]float32, 3*8*8)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	ctx := context.Background()
	rp, err := ref.Forward(ctx, newDense([]int{1, 3, 8, 8}, x), true)
	if err != nil {
		t.Fatal(err)
	}
	rg, err := rp.Grad(ctx, "r", 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{"fp16", "cast", "keepio"} {
		t.Run(form, func(t *testing.T) {
			net, err := Decode(halfNet(form))
			if err != nil {
				t.Fatal(err)
			}
			if got := net.NumClasses(); got != 5 {
				t.Fatalf("%d classes, want 5", got)
			}
			p, err := net.Forward(ctx, newDense([]int{1, 3, 8, 8}, x), true)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range p.Scores() {
				if want := rp.Scores()[i]; math.Abs(float64(s-want)) > 1e-5 {
					t.Errorf("score %d = %g, float32 network gives %g", i, s, want)
				}
			}
			g, err := p.Grad(ctx, "r", 2)
			if err != nil {
				t.Fatal(err)
			}
			gd, rd := g.Data().([]float32), rg.Data().([]float32)
			for i := range gd {
				if math.Abs(float64(gd[i]-rd[i])) > 1e-6 {
					t.Fatalf("gradient %d = %g, float32 network gives %g", i, gd[i], rd[i])
				}
			}
		})
	}
	// The scores depend on the weights: a Mul by the fp16 constant read
	// wrong (as 0) would make every class its bias.
	if s := rp.Scores(); s[0] == s[1] {
		t.Fatal("degenerate reference network")
	}
}

// TestLowPrecisionRefusals: what stays refused names its tensor.
func TestLowPrecisionRefusals(t *testing.T) {
	g := newGraph(13, "x", 1, 3, 4, 4)
	g.init = append(g.init, tensorProto("w", onnxFloat16, []int{2, 3, 1, 1}, make([]byte, 11)))
	g.node("Conv", []string{"x", "w"}, []string{"a"})
	g.node("GlobalAveragePool", []string{"a"}, []string{"p"})
	g.head("p", 2, 2)
	_, err := Decode(g.bytes())
	if err == nil || !strings.Contains(err.Error(), `initializer "w" (ONNX type 10, shape [2 3 1 1]) holds 11 bytes for 6 values of 2 bytes`) {
		t.Fatalf("got %v", err)
	}
	g.init[0] = tensorProto("w", 17, []int{2, 3, 1, 1}, make([]byte, 6))
	_, err = Decode(g.bytes())
	if err == nil || err.Error() != `initializer "w" has ONNX type 17 (float8, int4 or newer), which camviz does not read` {
		t.Fatalf("float8: got %v", err)
	}
}

// TestQDQExactSemantics: rounding half to even, saturation to the zero
// point's type, per-axis scales and zero points.
func TestQDQExactSemantics(t *testing.T) {
	f := func(v ...float32) *tval { return &tval{shape: []int{len(v)}, f: v} }
	cases := []struct {
		name  string
		op    string
		a     attrs
		in    []*tval
		x     *tval
		want  []float32
		dx    []float32 // adjoint of ones
		shape []int
	}{
		{"uint8 by default", "QuantizeLinear", attrs{}, []*tval{nil, f(0.5)},
			f(0.25, 0.75, 1.25, -0.25, 200, -3), []float32{0, 2, 2, 0, 255, 0}, []float32{2, 2, 2, 2, 2, 2}, nil},
		{"int8 zero point", "QuantizeLinear", attrs{}, []*tval{nil, f(2), {f: []float32{-3}, elem: onnxInt8}},
			f(5, 7, -300, 300, -5), []float32{-1, 1, -128, 127, -5}, []float32{0.5, 0.5, 0.5, 0.5, 0.5}, nil},
		{"per axis", "DequantizeLinear", attrs{"axis": int64(0)}, []*tval{nil, f(0.5, 2), {shape: []int{2}, f: []float32{1, -1}, elem: onnxInt8}},
			&tval{shape: []int{2, 2}, f: []float32{3, -1, 0, 4}}, []float32{1, -1, 2, 10}, []float32{0.5, 0.5, 2, 2}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := newQDQ(c.op, c.a, c.in)
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := k.forward(nil, []*tval{c.x}, false)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range out.f {
				if v != c.want[i] {
					t.Errorf("%s(%g) = %g, want %g", c.op, c.x.f[i], v, c.want[i])
				}
			}
			ones := make([]float32, len(c.want))
			for i := range ones {
				ones[i] = 1
			}
			dx, err := k.backward(nil, []*tval{c.x}, out, nil, ones)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range dx {
				if v != c.dx[i] {
					t.Errorf("straight-through gradient %d = %g, want %g", i, v, c.dx[i])
				}
			}
		})
	}
	for _, c := range []struct {
		a    attrs
		in   []*tval
		want string
	}{
		{attrs{}, []*tval{nil, nil}, "QuantizeLinear needs a constant float scale"},
		{attrs{}, []*tval{nil, f(0)}, "QuantizeLinear scale 0 is not a positive number"},
		{attrs{"block_size": int64(32)}, []*tval{nil, f(1)}, "QuantizeLinear with block_size 32 (blocked quantisation) is not supported"},
		{attrs{"output_dtype": int64(17)}, []*tval{nil, f(1)}, "QuantizeLinear to ONNX type 17 is not supported"},
	} {
		if _, err := newQDQ("QuantizeLinear", c.a, c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

func int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// TestQDQModel: a QDQ model as onnxruntime's quantize_static writes it —
// int8 weights with per-channel scales, an int32 bias, a uint8 Gemm
// weight with a zero point, and Q→DQ pairs on the input and on an
// activation — gives the float network of its dequantized weights on the
// fake-quantised activations, and the same gradient (straight through).
func TestQDQModel(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	wq := make([]int8, 4*3*3*3)
	for i := range wq {
		wq[i] = int8(rng.Intn(255) - 127)
	}
	sw := []float32{0.004, 0.002, 0.003, 0.005}
	bq := []int32{120, -300, 7, 2000}
	const sx, zx, sr = 1.0 / 128, 128, 0.01
	fcq := make([]byte, 5*4)
	for i := range fcq {
		fcq[i] = byte(rng.Intn(256))
	}
	const sfc, zfc = 0.02, 128
	fcb := []float32{0.1, -0.2, 0.05, 0, 0.3}

	// dequantized by hand
	w := make([]float32, len(wq))
	for i, q := range wq {
		w[i] = float32(q) * sw[i/27]
	}
	b := make([]float32, 4)
	for i, q := range bq {
		b[i] = float32(q) * sx * sw[i]
	}
	fc := make([]float32, len(fcq))
	for i, q := range fcq {
		fc[i] = (float32(q) - zfc) * sfc
	}

	g := newGraph(13, "x", 1, 3, 6, 6)
	g.weight("sx", nil, []float32{sx})
	g.init = append(g.init, tensorProto("zx", onnxUint8, nil, []byte{zx}))
	g.node("QuantizeLinear", []string{"x", "sx", "zx"}, []string{"xq"})
	g.node("DequantizeLinear", []string{"xq", "sx", "zx"}, []string{"xd"})
	g.init = append(g.init, tensorProto("wq", onnxInt8, []int{4, 3, 3, 3}, int8Bytes(wq)))
	g.weight("sw", []int{4}, sw)
	g.init = append(g.init, tensorProto("zw", onnxInt8, []int{4}, make([]byte, 4)))
	g.node("DequantizeLinear", []string{"wq", "sw", "zw"}, []string{"w"}, aInt("axis", 0))
	braw := make([]byte, 16)
	sb := make([]float32, 4)
	for i, q := range bq {
		binary.LittleEndian.PutUint32(braw[4*i:], uint32(q))
		sb[i] = sx * sw[i]
	}
	g.init = append(g.init, tensorProto("bq", onnxInt32, []int{4}, braw))
	g.weight("sb", []int{4}, sb)
	g.node("DequantizeLinear", []string{"bq", "sb"}, []string{"b"}, aInt("axis", 0))
	g.node("Conv", []string{"xd", "w", "b"}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	g.node("Relu", []string{"a"}, []string{"r"})
	g.weight("sr", nil, []float32{sr})
	g.node("QuantizeLinear", []string{"r", "sr"}, []string{"rq"})
	g.node("DequantizeLinear", []string{"rq", "sr"}, []string{"rd"})
	g.node("GlobalAveragePool", []string{"rd"}, []string{"p"})
	g.node("Flatten", []string{"p"}, []string{"flat"}, aInt("axis", 1))
	g.init = append(g.init, tensorProto("fcq", onnxUint8, []int{5, 4}, fcq))
	g.weight("sfc", nil, []float32{sfc})
	g.init = append(g.init, tensorProto("zfc", onnxUint8, nil, []byte{zfc}))
	g.node("DequantizeLinear", []string{"fcq", "sfc", "zfc"}, []string{"fc.w"})
	g.weight("fc.b", []int{5}, fcb)
	g.node("Gemm", []string{"flat", "fc.w", "fc.b"}, []string{"scores"}, aInt("transB", 1))
	g.output = "scores"
	qnet, err := Decode(g.bytes())
	if err != nil {
		t.Fatal(err)
	}

	r := newGraph(13, "x", 1, 3, 6, 6)
	r.node("Conv", []string{"x", r.weight("w", []int{4, 3, 3, 3}, w), r.weight("b", []int{4}, b)}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	r.node("Relu", []string{"a"}, []string{"r"})
	r.node("GlobalAveragePool", []string{"r"}, []string{"p"})
	r.node("Flatten", []string{"p"}, []string{"flat"}, aInt("axis", 1))
	r.node("Gemm", []string{"flat", r.weight("fc.w", []int{5, 4}, fc), r.weight("fc.b", []int{5}, fcb)}, []string{"scores"}, aInt("transB", 1))
	r.output = "scores"
	ref, err := Decode(r.bytes())
	if err != nil {
		t.Fatal(err)
	}

	x := make([]float32, 3*6*6)
	xfq := make([]float32, len(x))
	for i := range x {
		x[i] = rng.Float32()*2.4 - 1.2 // some beyond the uint8 range
		q := math.RoundToEven(float64(x[i]/sx)) + zx
		xfq[i] = (float32(min(max(q, 0), 255)) - zx) * sx
	}
	ctx := context.Background()
	qp, err := qnet.Forward(ctx, newDense([]int{1, 3, 6, 6}, x), true)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := ref.Forward(ctx, newDense([]int{1, 3, 6, 6}, xfq), true)
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := rp.Activation("r")
	rv := ra.Data().([]float32)
	for c := range 5 {
		want := float64(fcb[c])
		for ch := range 4 {
			var sum float64
			for _, v := range rv[36*ch : 36*ch+36] {
				sum += float64(min(math.RoundToEven(float64(v/sr)), 255)) * sr
			}
			want += float64(fc[4*c+ch]) * sum / 36
		}
		if got := float64(qp.Scores()[c]); math.Abs(got-want) > 1e-5 {
			t.Errorf("score %d = %g, want %g", c, got, want)
		}
	}
	qg, err := qp.Grad(ctx, "r", 3)
	if err != nil {
		t.Fatal(err)
	}
	rg, err := rp.Grad(ctx, "r", 3)
	if err != nil {
		t.Fatal(err)
	}
	qd, rd := qg.Data().([]float32), rg.Data().([]float32)
	for i := range qd {
		if math.Abs(float64(qd[i]-rd[i])) > 1e-6 || rd[i] == 0 && i%36 == 0 {
			t.Fatalf("gradient %d through the Q→DQ pair = %g, float network gives %g", i, qd[i], rd[i])
		}
	}
}

// strided builds x → Conv(stride 2) → Relu → Conv(stride 2) "b" → GAP →
// Flatten → Gemm, at input shape in (negative: symbolic); the weights
// depend only on the seed.
func strided(in ...int) *graphBuilder {
	g := newGraph(13, "x", in...)
	g.node("Conv", []string{"x", g.random("c1.w", -0.5, 0.5, 4, 3, 3, 3)}, []string{"a"}, aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2))
	g.node("Relu", []string{"a"}, []string{"r"})
	g.node("Conv", []string{"r", g.random("c2.w", -0.5, 0.5, 6, 4, 3, 3)}, []string{"b"}, aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2))
	g.node("GlobalAveragePool", []string{"b"}, []string{"p"})
	g.head("p", 6, 3)
	return g
}

// TestDynamicInputSize: a [1,3,'h','w'] model runs at any size its graph
// takes, exactly as the same network exported at that fixed size.
func TestDynamicInputSize(t *testing.T) {
	dyn, err := Decode(strided(1, 3, -1, -1).bytes())
	if err != nil {
		t.Fatal(err)
	}
	if h, w := dyn.Dynamic(); !h || !w {
		t.Fatalf("Dynamic() = %v, %v", h, w)
	}
	if _, h, w := dyn.InputSize(); h != DynamicDefaultSide || w != DynamicDefaultSide {
		t.Fatalf("load-time size %d×%d", h, w)
	}
	if s := dyn.Stride(); s != 4 {
		t.Fatalf("Stride() = %d, want 4", s)
	}
	for _, c := range []struct{ ih, iw, h, w int }{{300, 450, 300, 452}, {3000, 4000, 768, 1024}, {1, 1, 4, 4}} {
		if h, w := dyn.SizeFor(c.ih, c.iw); h != c.h || w != c.w {
			t.Errorf("SizeFor(%d, %d) = %d×%d, want %d×%d", c.ih, c.iw, h, w, c.h, c.w)
		}
	}
	fixed, err := Decode(strided(1, 3, 20, 36).bytes())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(5))
	x := make([]float32, 3*20*36)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	ctx := context.Background()
	dp, err := dyn.Forward(ctx, newDense([]int{1, 3, 20, 36}, x), true)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fixed.Forward(ctx, newDense([]int{1, 3, 20, 36}, x), true)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range dp.Scores() {
		if want := fp.Scores()[i]; math.Abs(float64(s-want)) > 1e-6 {
			t.Errorf("score %d = %g at 20×36, fixed export gives %g", i, s, want)
		}
	}
	g, err := dp.Grad(ctx, "b", 1)
	if err != nil {
		t.Fatal(err)
	}
	if s := g.Shape(); s[2] != 5 || s[3] != 9 {
		t.Fatalf("gradient at b is %v, want [1 6 5 9]", s)
	}
	// Channels last with a symbolic size ([1,'h','w',3], TF exports).
	gl := newGraph(13, "x", 1, -1, -1, 3)
	gl.node("Transpose", []string{"x"}, []string{"xt"}, aInts("perm", 0, 3, 1, 2))
	gl.node("Conv", []string{"xt", gl.random("c1.w", -0.5, 0.5, 4, 3, 3, 3)}, []string{"a"}, aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2))
	gl.node("Relu", []string{"a"}, []string{"r"})
	gl.node("Conv", []string{"r", gl.random("c2.w", -0.5, 0.5, 6, 4, 3, 3)}, []string{"b"}, aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2))
	gl.node("GlobalAveragePool", []string{"b"}, []string{"p"})
	gl.head("p", 6, 3)
	nhwc, err := Decode(gl.bytes())
	if err != nil {
		t.Fatal(err)
	}
	lp, err := nhwc.Forward(ctx, newDense([]int{1, 3, 20, 36}, x), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range lp.Scores() {
		if want := fp.Scores()[i]; math.Abs(float64(s-want)) > 1e-6 {
			t.Errorf("channels-last score %d = %g at 20×36, fixed export gives %g", i, s, want)
		}
	}
	sized, err := dyn.WithInputSize(20, 36)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := sized.Layer("b"); l.Shape[2] != 5 || l.Shape[3] != 9 {
		t.Fatalf("layer b at 20×36 is %v", l.Shape)
	}
	if again, _ := dyn.WithInputSize(20, 36); again != sized {
		t.Error("the Net of a size is not reused")
	}
	if _, err := fixed.WithInputSize(32, 32); err == nil || !strings.Contains(err.Error(), `the model input "x" has a fixed size 20×36; it cannot take 32×32`) {
		t.Errorf("fixed model: %v", err)
	}
	if _, err := fixed.Forward(ctx, newDense([]int{1, 3, 32, 32}, make([]float32, 3*32*32)), false); err == nil {
		t.Error("a fixed model ran at another size")
	}

	// A graph that flattens a spatial map into a Gemm takes one size only.
	g2 := newGraph(13, "x", 1, 3, -1, -1)
	g2.node("Conv", []string{"x", g2.random("c1.w", -0.5, 0.5, 2, 3, 3, 3)}, []string{"a"}, aInts("pads", 1, 1, 1, 1), aInts("strides", 8, 8))
	g2.head("a", 2*28*28, 3)
	flat, err := Decode(g2.bytes())
	if err != nil {
		t.Fatal(err)
	}
	_, err = flat.Forward(ctx, newDense([]int{1, 3, 64, 64}, make([]float32, 3*64*64)), false)
	if err == nil || !strings.Contains(err.Error(), "the model does not take a 64×64 input: node") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v", err)
	}
}

// TestFCHeadOfMatMulAdd: a TF/Keras-style classifier — Flatten, then
// MatMul and Add layers — is read as convolutions like Gemm layers: at
// the model's size the dense map is the forward's scores, at twice the
// size it has (8−4+1)² positions.
func TestFCHeadOfMatMulAdd(t *testing.T) {
	g := newGraph(13, "x", 1, 3, 8, 8)
	g.node("Conv", []string{"x", g.random("c.w", -0.5, 0.5, 4, 3, 3, 3)}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	g.node("Relu", []string{"a"}, []string{"r"})
	g.node("MaxPool", []string{"r"}, []string{"mp"}, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2))
	g.node("Flatten", []string{"mp"}, []string{"flat"}, aInt("axis", 1))
	g.node("MatMul", []string{"flat", g.random("d1.w", -0.5, 0.5, 64, 6)}, []string{"m1"})
	g.node("Add", []string{"m1", g.random("d1.b", -0.1, 0.1, 6)}, []string{"h1"})
	g.node("Relu", []string{"h1"}, []string{"h1r"})
	g.node("MatMul", []string{"h1r", g.random("d2.w", -0.5, 0.5, 6, 3)}, []string{"m2"})
	g.node("Add", []string{g.random("d2.b", -0.1, 0.1, 3), "m2"}, []string{"scores"})
	g.output = "scores"
	net, err := Decode(g.bytes())
	if err != nil {
		t.Fatal(err)
	}
	h, err := net.FCHead()
	if err != nil {
		t.Fatal(err)
	}
	if h.Feature != "mp" || h.C != 4 || h.H != 4 || h.W != 4 || len(h.convs) != 2 {
		t.Fatalf("head %s %d×%d×%d with %d layers", h.Feature, h.C, h.H, h.W, len(h.convs))
	}
	rng := rand.New(rand.NewSource(9))
	x := make([]float32, 3*8*8)
	for i := range x {
		x[i] = rng.Float32()
	}
	ctx := context.Background()
	d, err := net.DenseScores(ctx, h, newDense([]int{1, 3, 8, 8}, x))
	if err != nil {
		t.Fatal(err)
	}
	p, err := net.Forward(ctx, newDense([]int{1, 3, 8, 8}, x), false)
	if err != nil {
		t.Fatal(err)
	}
	relClose(t, "dense vs forward", d.Data().([]float32), p.Scores(), 1e-5)
	big, err := net.DenseScores(ctx, h, upsample2(t, []int{1, 3, 8, 8}, x))
	if err != nil {
		t.Fatal(err)
	}
	if s := big.Shape(); s[0] != 3 || s[1] != 5 || s[2] != 5 {
		t.Fatalf("dense map at 16×16 is %v, want [3 5 5]", s)
	}
}

// TestFormatFixtures: models written by the onnx Python library
// (scripts/make_format_fixtures.py) run as their float32 twins — fp16
// I/O, weights in raw_data and a Constant in int32_data; a QDQ model
// with int8 zero points in int32_data and a MatMul + Add head.
func TestFormatFixtures(t *testing.T) {
	load := func(name string) *Net {
		t.Helper()
		n, err := Load(fixturesDir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rng := rand.New(rand.NewSource(4))
	x := make([]float32, 3*8*8)
	xfq := make([]float32, len(x))
	for i := range x {
		x[i] = rng.Float32()*5 - 2.5 // beyond the QDQ input's ±2
		q := min(max(math.RoundToEven(float64(x[i]*64))+128, 0), 255)
		xfq[i] = float32(q-128) / 64
	}
	ctx := context.Background()
	for _, c := range []struct {
		model, twin string
		twinInput   []float32
	}{
		{"fp16_op13.onnx", "fp16_twin_op13.onnx", x},
		{"qdq_op13.onnx", "qdq_twin_op13.onnx", xfq},
	} {
		p, err := load(c.model).Forward(ctx, newDense([]int{1, 3, 8, 8}, x), false)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := load(c.twin).Forward(ctx, newDense([]int{1, 3, 8, 8}, c.twinInput), false)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range p.Scores() {
			if want := tp.Scores()[i]; math.Abs(float64(s-want)) > 1e-5 || want == 0 {
				t.Errorf("%s: score %d = %g, its float32 twin gives %g", c.model, i, s, want)
			}
		}
	}
}
