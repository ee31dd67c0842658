package inference

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// ablationHead is input [1,3,8,8] → Conv 3→6 → Relu → MaxPool 2×2 →
// Flatten (96) → fc6 (96→64) → Relu → fc7 (64→24) → Relu → fc8 (24→5),
// each Gemm's weights stored as [K × n] or, with transB, [n × K]. fc6's
// bias is −3 on every other unit, so some of fc7's inputs are 0 in every
// ablated row (liveGemm leaves them out).
func ablationHead(transB int) []byte {
	g := newGraph(13, "x", 1, 3, 8, 8)
	g.node("Conv", []string{"x", g.random("c.w", -0.5, 0.5, 6, 3, 3, 3), g.random("c.b", -0.1, 0.3, 6)}, []string{"a"}, aInts("pads", 1, 1, 1, 1))
	g.node("Relu", []string{"a"}, []string{"r"})
	g.node("MaxPool", []string{"r"}, []string{"p"}, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2))
	g.node("Flatten", []string{"p"}, []string{"f"}, aInt("axis", 1))
	in := "f"
	for i, d := range [][2]int{{96, 64}, {64, 24}, {24, 5}} {
		k, n := d[0], d[1]
		shape := []int{k, n}
		if transB == 1 {
			shape = []int{n, k}
		}
		bias := make([]float32, n)
		for j := range bias {
			bias[j] = 0.05 * float32(j%3)
			if i == 0 && j%2 == 1 {
				bias[j] = -3
			}
		}
		w := g.random(fmt.Sprintf("fc%d.w", i), -0.3, 0.3, shape...)
		out := fmt.Sprintf("y%d", i)
		g.node("Gemm", []string{in, w, g.weight(fmt.Sprintf("fc%d.b", i), []int{n}, bias)}, []string{out}, aInt("transB", transB))
		in = out
		if i < 2 {
			g.node("Relu", []string{out}, []string{out + "r"})
			in = out + "r"
		}
	}
	g.output = in
	return g.bytes()
}

// TestAblationClassScoresBothLayouts: with the weights stored either way,
// the fc6 shortcut and fc7 over the live units give each class the score
// the whole tail gives on each ablated tensor (within 1e-5), at the ReLU
// (fill 0) and at the Conv (a fill per channel).
func TestAblationClassScoresBothLayouts(t *testing.T) {
	ctx := context.Background()
	for _, transB := range []int{0, 1} {
		net, err := Decode(ablationHead(transB))
		if err != nil {
			t.Fatal(err)
		}
		x := net.NewInput(1)
		xs := x.Data().([]float32)
		for i := range xs {
			xs[i] = float32(math.Sin(float64(i) * 0.37))
		}
		p, err := net.Forward(ctx, x, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, layer := range []string{"r", "a"} {
			act, _ := p.Activation(layer)
			s := act.Shape()
			a := act.Data().([]float32)
			fills := make([]float32, s[1])
			if layer == "a" {
				for k := range fills {
					fills[k] = -0.2 * float32(k)
				}
			}
			want := ablatedTailOf(t, p, layer, a, s[1], s[2]*s[3], fills)
			for class := range 5 {
				got, err := p.AblationClassScores(ctx, layer, class, fills, nil)
				if err != nil {
					t.Fatalf("transB %d %s: %v", transB, layer, err)
				}
				for k, v := range got {
					if w := want[k*5+class]; !(math.Abs(float64(v-w)) <= 1e-5) {
						t.Errorf("transB %d %s class %d channel %d: %g, the tail gives %g", transB, layer, class, k, v, w)
					}
				}
			}
		}
		p.Release()
	}
}

// TestLiveGemmLeavesOutDeadColumns: the product over the live columns
// equals the whole product for both weight layouts, and columns that are
// 0 in every row are left out.
func TestLiveGemmLeavesOutDeadColumns(t *testing.T) {
	const m, k, n = 3, 16, 5
	x := make([]float32, m*k)
	for i := range x {
		if j := i % k; j%4 != 1 { // columns 1, 5, 9, 13 live
			continue
		}
		x[i] = float32(i%7) - 2.5
	}
	if got := liveColumns(x, m, k); fmt.Sprint(got) != "[1 5 9 13]" {
		t.Fatalf("live columns %v, want [1 5 9 13]", got)
	}
	for _, transB := range []bool{false, true} {
		w := make([]float32, k*n)
		for i := range w {
			w[i] = float32(i%11)*0.1 - 0.4
		}
		bshape := []int{k, n}
		if transB {
			bshape = []int{n, k}
		}
		g := &gemm{alpha: 1.5, beta: 1, transB: transB}
		xt, bt := &tval{shape: []int{m, k}, f: x}, &tval{shape: bshape, f: w}
		bias := &tval{shape: []int{n}, f: []float32{1, 2, 3, 4, 5}}
		want, _, err := g.forward(nil, []*tval{xt, bt, bias}, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := liveGemm(nil, g, xt, bt, bias)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.f {
			if d := math.Abs(float64(got.f[i] - want.f[i])); !(d <= 1e-5) {
				t.Errorf("transB %v: [%d] %g, the whole product %g", transB, i, got.f[i], want.f[i])
			}
		}
	}
}

// ablatedTailOf is every class's score with each channel k of a (c
// channels of plane values) set to fills[k], by the whole tail.
func ablatedTailOf(t *testing.T, p *Pass, layer string, a []float32, c, plane int, fills []float32) []float32 {
	t.Helper()
	batch := make([]float32, 0, c*len(a))
	for k := range c {
		item := append([]float32(nil), a...)
		for i := k * plane; i < (k+1)*plane; i++ {
			item[i] = fills[k]
		}
		batch = append(batch, item...)
	}
	s, err := p.ScoresWith(context.Background(), layer, batch, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
