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
	for _, c := range opCases {
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
				if math.Abs(fd-float64(got[i])) > 0.02*scale+2e-3 {
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
