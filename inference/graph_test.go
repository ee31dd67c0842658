package inference

import (
	"context"
	"math"
	"strings"
	"testing"
)

// convNet starts a test graph: x [1,3,6,6] → Conv → "a" [1,4,6,6].
func convNet(opset int64) *graphBuilder {
	g := newGraph(opset, "x", 1, 3, 6, 6)
	g.node("Conv", []string{"x", g.random("c1.w", -0.5, 0.5, 4, 3, 3, 3)}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	return g
}

// TestGraphStructureRefused: what cannot be a network is one line naming
// the cause.
func TestGraphStructureRefused(t *testing.T) {
	cases := []struct {
		name  string
		build func(g *graphBuilder)
		want  string
	}{
		{"duplicate output", func(g *graphBuilder) {
			g.node("Relu", []string{"a"}, []string{"r"})
			g.node("Sigmoid", []string{"a"}, []string{"r"})
			g.node("GlobalAveragePool", []string{"r"}, []string{"p"})
			g.head("p", 4, 2)
		}, `tensor "r" is the output of two nodes, "Relu_c0" (Relu) and "Sigmoid_d0" (Sigmoid)`},
		{"cycle", func(g *graphBuilder) {
			g.node("Add", []string{"a", "s"}, []string{"r"})
			g.node("Sigmoid", []string{"r"}, []string{"s"})
			g.node("GlobalAveragePool", []string{"r"}, []string{"p"})
			g.head("p", 4, 2)
		}, `cycle through 2 nodes ("Add_c0" (Add) → "Sigmoid_d0" (Sigmoid))`},
		{"attention", func(g *graphBuilder) {
			g.node("Reshape", []string{"a", g.ints("s", 1, 4, 36)}, []string{"q"})
			g.node("Transpose", []string{"q"}, []string{"k"}, aInts("perm", 0, 2, 1))
			g.node("MatMul", []string{"q", "k"}, []string{"att"})
			g.node("Softmax", []string{"att"}, []string{"sm"}, aInt("axis", -1))
			g.head("sm", 16, 2)
		}, "MatMul of two activations (attention, as in ViT or Swin) is out of scope"},
		{"unknown op", func(g *graphBuilder) {
			g.node("Celu", []string{"a"}, []string{"r"})
			g.head("r", 144, 2)
		}, `unsupported operator Celu (node "Celu_c0", opset 14); supported: Add, AveragePool`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := convNet(14)
			c.build(g)
			_, err := Decode(g.bytes())
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q does not say %q in one line", err, c.want)
			}
		})
	}
}

// TestUnsortedGraphIsSorted: nodes listed out of order run as their
// dependencies say, giving the scores of the sorted file.
func TestUnsortedGraphIsSorted(t *testing.T) {
	build := func(reverse bool) *Net {
		g := convNet(14)
		g.node("Relu", []string{"a"}, []string{"r"})
		g.node("Sigmoid", []string{"a"}, []string{"s"})
		g.node("Mul", []string{"r", "s"}, []string{"m"})
		g.node("GlobalAveragePool", []string{"m"}, []string{"p"})
		g.head("p", 4, 3)
		if reverse {
			for i, j := 0, len(g.nodes)-1; i < j; i, j = i+1, j-1 {
				g.nodes[i], g.nodes[j] = g.nodes[j], g.nodes[i]
			}
		}
		net, err := Decode(g.bytes())
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	ctx := context.Background()
	a, b := build(false), build(true)
	pa, err := a.Forward(ctx, randomInput(a, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Forward(ctx, randomInput(b, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range pa.Scores() {
		if pb.Scores()[i] != v {
			t.Fatalf("score %d: sorted %v, reversed file %v", i, v, pb.Scores()[i])
		}
	}
}

// TestChannelsLastInputAndConvClassifier: a TF-style graph taking
// [1,H,W,3] (then Transpose) and ending in a 1×1 convolution to
// [1,classes,1,1] runs on [N,C,H,W] inputs and scores like the same
// network written channels-first with a Gemm head; CAM applies to both.
func TestChannelsLastInputAndConvClassifier(t *testing.T) {
	values := func(n int, seed float64) []float32 {
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(math.Sin(float64(i)*1.3+seed)) / 2
		}
		return d
	}
	convW, fcW, fcB := values(4*3*3*3, 1), values(5*4, 2), values(5, 3)
	build := func(nhwc bool) *Net {
		g := newGraph(13, "x", 1, 3, 6, 6)
		in := "x"
		if nhwc {
			g = newGraph(13, "x", 1, 6, 6, 3)
			g.node("Transpose", []string{"x"}, []string{"xt"}, aInts("perm", 0, 3, 1, 2))
			in = "xt"
		}
		g.node("Conv", []string{in, g.weight("c1.w", []int{4, 3, 3, 3}, convW)}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
		g.node("Relu", []string{"a"}, []string{"f"})
		g.node("GlobalAveragePool", []string{"f"}, []string{"p"})
		if nhwc {
			g.node("Conv", []string{"p", g.weight("k.w", []int{5, 4, 1, 1}, fcW), g.weight("k.b", []int{5}, fcB)}, []string{"scores"})
		} else {
			g.node("Flatten", []string{"p"}, []string{"flat"})
			g.node("Gemm", []string{"flat", g.weight("fc.w", []int{5, 4}, fcW), g.weight("fc.b", []int{5}, fcB)}, []string{"scores"}, aInt("transB", 1))
		}
		g.output = "scores"
		net, err := Decode(g.bytes())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := net.LinearHead(); err != nil {
			t.Fatalf("channels last %v: %v", nhwc, err)
		}
		return net
	}
	ctx := context.Background()
	a, b := build(false), build(true)
	if c, h, w := b.InputSize(); c != 3 || h != 6 || w != 6 || b.NumClasses() != 5 {
		t.Fatalf("channels-last model takes %d×%d×%d, %d classes; want 3×6×6, 5", c, h, w, b.NumClasses())
	}
	pa, err := a.Forward(ctx, randomInput(a, 2), false)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Forward(ctx, randomInput(b, 2), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range pa.Scores() {
		if d := math.Abs(float64(pb.Scores()[i] - v)); d > 1e-5 {
			t.Fatalf("score %d: channels-first %v, channels-last %v", i, v, pb.Scores()[i])
		}
	}
}
