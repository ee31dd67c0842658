package inference

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"camviz/cam"
)

// zooMeta is a family's zoo.json (tools/fixtures/zoograd.py): torch's
// input gradient, guided backprop, prob-target gradient, Hessian-vector
// product and pytorch-grad-cam's FullGrad and ShapleyCAM maps.
type zooMeta struct {
	Family string `json:"family"`
	Class  int    `json:"class"`
	Layer  string `json:"layer"`
}

func (z zooMeta) fixtureName() string { return z.Family }

// scaledClose fails unless got is within tol·max|want| of want everywhere, and
// returns the worst difference relative to that scale.
func scaledClose(t *testing.T, what string, got, want []float32, tol float64) float64 {
	t.Helper()
	worst, scale := diffScale(t, what, got, want)
	if !(worst <= tol*scale) {
		t.Errorf("%s: max abs diff %.3g, largest value %.3g (tolerance %.0e relative)", what, worst, scale, tol)
	}
	return worst / math.Max(scale, 1e-30)
}

func oneHot(n, k int) []float32 {
	s := make([]float32, n)
	s[k] = 1
	return s
}

// TestZooDerivativesMatchTorch checks the engine's seeded, input, guided
// and bias gradients and its Hessian-vector products against torch on the
// tiny families (ReLU, HardSwish/HardSigmoid/SE, SiLU, GELU/LayerNorm).
func TestZooDerivativesMatchTorch(t *testing.T) {
	ctx := context.Background()
	eachFixture(t, filepath.Join(familiesDir, "*", "zoo.json"), 4, func(t *testing.T, z zooMeta, dir string, net *Net, x []float32, shape []int) {
		p, err := net.Forward(ctx, newDense(shape, x), true)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Release()
		k := strconv.Itoa(z.Class)
		ref := func(name string) []float32 {
			v, _ := readNpyFrom(t, filepath.Join(dir, "zoo_"+name+"_c"+k+".npy"))
			return v
		}
		seed := oneHot(len(p.Scores()), z.Class)

		gx, err := p.InputGrad(ctx, seed, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("input gradient: %.2g relative", scaledClose(t, "input gradient", gx.Data().([]float32), ref("inputgrad"), 1e-4))

		gb, err := p.InputGrad(ctx, seed, true)
		if err != nil {
			t.Fatal(err)
		}
		s := gb.Shape()
		hwc, err := cam.HWC(cam.Maps{C: s[1], H: s[2], W: s[3], Data: gb.Data().([]float32)})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("guided backprop: %.2g relative", scaledClose(t, "guided backprop", hwc, ref("guided"), 1e-4))

		probs := p.Probs()
		prob := make([]float32, len(probs))
		for j := range prob {
			prob[j] = -probs[z.Class] * probs[j]
		}
		prob[z.Class] += probs[z.Class]
		gp, err := p.SeedGrad(ctx, z.Layer, prob)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("prob-target gradient: %.2g relative", scaledClose(t, "prob gradient", gp.Data().([]float32), ref("seedgrad_prob"), 1e-4))

		act, err := p.Activation(z.Layer)
		if err != nil {
			t.Fatal(err)
		}
		hv, err := p.HessianVector(ctx, z.Layer, seed, act.Data().([]float32))
		if err != nil {
			t.Fatal(err)
		}
		want := ref("hvp")
		if z.Family == "resnet18" {
			for i, v := range hv.Data().([]float32) {
				if v != 0 || want[i] != 0 {
					t.Fatalf("ReLU net: HVP[%d] = %g, torch %g; both must be 0", i, v, want[i])
				}
			}
		} else {
			t.Logf("HVP: %.2g relative", scaledClose(t, "HVP", hv.Data().([]float32), want, 1e-3))
		}

		terms, gx2, err := p.BiasGrads(ctx, seed)
		if err != nil {
			t.Fatal(err)
		}
		scaledClose(t, "BiasGrads' input gradient", gx2.Data().([]float32), ref("inputgrad"), 1e-4)
		xm := cam.Maps{C: shape[1], H: shape[2], W: shape[3], Data: x}
		gm := cam.Maps{C: shape[1], H: shape[2], W: shape[3], Data: gx.Data().([]float32)}
		var biases [][]float32
		var grads []cam.Maps
		for _, b := range terms {
			biases = append(biases, b.Bias)
			grads = append(grads, cam.Maps{C: b.Shape[1], H: b.Shape[2], W: b.Shape[3], Data: b.Grad})
		}
		fg, err := cam.FullGradMap(xm, gm, biases, grads, shape[3], shape[2])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("FullGrad over %d bias layers: %.2g", len(terms), scaledClose(t, "FullGrad", fg.Data, ref("cam_FullGrad"), 1e-4))
	})
}
