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
}
