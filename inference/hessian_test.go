package inference

import (
	"context"
	"math"
	"strings"
	"testing"
)

// TestHessianVectorMatchesFiniteDifferences checks the forward-over-reverse
// product H·v at the input against central differences of the seeded input
// gradient, (∇(x + h·v) − ∇(x − h·v)) / 2h, on every operator case of
// ops_test.go (x → Conv → a → case → Gemm), with a seed over all three
// classes. LayerNormalization and LRN have no second derivative here: they
// are refused by name, never answered with zeros.
func TestHessianVectorMatchesFiniteDifferences(t *testing.T) {
	ctx := context.Background()
	seed := []float32{0.7, -1.3, 0.4}
	for _, c := range append(opCases, tangentCases...) {
		t.Run(c.name, func(t *testing.T) {
			net := opNet(t, c)
			x := randomInput(net, 5)
			p, err := net.Forward(ctx, x, true)
			if err != nil {
				t.Fatal(err)
			}
			xs := x.Data().([]float32)
			v := make([]float32, len(xs))
			for i := range v {
				v[i] = float32(math.Cos(float64(3*i + 1)))
			}
			hv, err := p.HessianVector(ctx, "x", seed, v)
			if c.name == "LRN" || strings.HasPrefix(c.name, "LayerNormalization") {
				op := strings.Fields(c.name)[0]
				if err == nil || !strings.Contains(err.Error(), op) || !strings.Contains(err.Error(), "not implemented") {
					t.Fatalf("HVP through %s: %v, want a refusal naming it", op, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			const h = 2e-3
			grad := func(sign float32) []float32 {
				y := net.NewInput(1)
				d := y.Data().([]float32)
				for i := range d {
					d[i] = xs[i] + sign*h*v[i]
				}
				q, err := net.Forward(ctx, y, true)
				if err != nil {
					t.Fatal(err)
				}
				g, err := q.InputGrad(ctx, seed, false)
				if err != nil {
					t.Fatal(err)
				}
				return g.Data().([]float32)
			}
			gp, gm := grad(1), grad(-1)
			got := hv.Data().([]float32)
			var scale float64
			for _, v := range got {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			// A step of ±h·v may cross a kink (ReLU, max-pool's winner,
			// Clip's bound): there the difference quotient is not a second
			// derivative. Such positions are few; all others must agree.
			bad := 0
			for i := range got {
				fd := float64(gp[i]-gm[i]) / (2 * h)
				if math.Abs(fd-float64(got[i])) > 0.02*scale+1e-4 {
					bad++
				}
			}
			t.Logf("largest |H·v| %.3g; %d of %d positions off (kinks crossed)", scale, bad, len(got))
			if bad > len(got)/20 {
				t.Errorf("H·v differs from finite differences at %d of %d positions (largest %.3g)", bad, len(got), scale)
			}
		})
	}
}

// tangentCases put a smooth operator after linear ones, so that the
// tangent sweep through those (offsets dropped, max-pool's winner) is what
// the product depends on.
var tangentCases = []opCase{
	{"Pad with a constant-value input, MaxPool, GlobalAveragePool, then Tanh", 13, func(g *graphBuilder) (string, int) {
		// the mean mixes every position: a tangent wrongly carrying the
		// fill, or the wrong winner's, would move every H·v value
		g.node("Pad", []string{"a", g.ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), g.weight("fill", nil, []float32{0.3})}, []string{"p"})
		g.node("MaxPool", []string{"p"}, []string{"m"}, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2))
		g.node("GlobalAveragePool", []string{"m"}, []string{"q"})
		g.node("Tanh", []string{"q"}, []string{"y"})
		return "y", 4
	}},
	{"Conv with bias, AveragePool, Transpose, then x·sigmoid(x)", 14, func(g *graphBuilder) (string, int) {
		g.node("Conv", []string{"a", g.random("c2.w", -0.4, 0.4, 4, 4, 3, 3), g.random("c2.b", -0.5, 0.5, 4)}, []string{"b"}, aInts("pads", 1, 1, 1, 1))
		g.node("AveragePool", []string{"b"}, []string{"q"}, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2))
		g.node("Transpose", []string{"q"}, []string{"t"}, aInts("perm", 0, 2, 3, 1))
		g.node("Sigmoid", []string{"t"}, []string{"s"})
		g.node("Mul", []string{"t", "s"}, []string{"y"})
		return "y", 4 * 3 * 3
	}},
}
