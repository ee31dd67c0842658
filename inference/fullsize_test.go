package inference

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFullSizeModels checks full-size exports that cannot live in the
// repository (export_cnn.py ARCH DIR/ARCH.onnx --input DIR/input.npy
// --logits DIR/ARCH_logits.npy): set CAMVIZ_FULLSIZE=DIR. Each model's
// scores must match torch's within 1e-4 (relative to the largest) and the
// gradient at the default layer must not vanish.
func TestFullSizeModels(t *testing.T) {
	dir := os.Getenv("CAMVIZ_FULLSIZE")
	if dir == "" {
		t.Skip("CAMVIZ_FULLSIZE not set")
	}
	models, _ := filepath.Glob(filepath.Join(dir, "*.onnx"))
	x, shape := readNpyFrom(t, filepath.Join(dir, "input.npy"))
	ctx := context.Background()
	for _, path := range models {
		name := strings.TrimSuffix(filepath.Base(path), ".onnx")
		t.Run(name, func(t *testing.T) {
			want, _ := readNpyFrom(t, filepath.Join(dir, name+"_logits.npy"))
			net, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := net.Forward(ctx, newDense(shape, x), true)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Release()
			var worst, scale float64
			for i, v := range p.Scores() {
				worst = math.Max(worst, math.Abs(float64(v-want[i])))
				scale = math.Max(scale, math.Abs(float64(want[i])))
			}
			layer := net.DefaultLayer()
			g, err := p.Grad(ctx, layer, 1)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: max |Δlogit| %.2g (largest logit %.3g), default layer %s %v", name, worst, scale, layer, g.Shape())
			if worst > 1e-4*math.Max(1, scale) {
				t.Errorf("scores differ from torch by %.3g", worst)
			}
			if nonzero(g.Data().([]float32)) == 0 {
				t.Errorf("gradient at %s is all zero", layer)
			}
		})
	}
}

// TestZooLookalikes checks the ONNX model zoo look-alikes (the zoo's
// layouts, names and opsets at small widths, logits and tap activation
// from ONNX Runtime; too big for the repository with their 224×224
// inputs): set CAMVIZ_FAMILIES to the folder holding zoo-*/.
func TestZooLookalikes(t *testing.T) {
	dir := os.Getenv("CAMVIZ_FAMILIES")
	if dir == "" {
		t.Skip("CAMVIZ_FAMILIES not set")
	}
	ctx := context.Background()
	eachFixture(t, filepath.Join(dir, "zoo-*", "meta.json"), 1, func(t *testing.T, m familyMeta, d string, net *Net, x []float32, shape []int) {
		if net.nhwc {
			nchw, _, _ := (&transpose{perm: []int{0, 3, 1, 2}}).forward(nil, []*tval{{shape: shape, f: x}}, false)
			x, shape = nchw.f, nchw.shape
		}
		p, err := net.Forward(ctx, newDense(shape, x), true)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Release()
		want, _ := readNpyFrom(t, filepath.Join(d, "logits.npy"))
		got, what := p.Scores(), "logits"
		if net.Info().SoftmaxHead {
			got, what = p.Probs(), "probabilities"
		}
		dl := closeTo(t, what, got, want)
		act, err := p.Activation(m.Tap.Tensor)
		if err != nil {
			t.Fatal(err)
		}
		wantAct, _ := readNpyFrom(t, filepath.Join(d, "act.npy"))
		da := closeTo(t, "tap", act.Data().([]float32), wantAct)
		g, err := p.Grad(ctx, net.DefaultLayer(), m.Classes[0])
		if err != nil {
			t.Fatal(err)
		}
		if nonzero(g.Data().([]float32)) == 0 {
			t.Errorf("gradient at %s is all zero", net.DefaultLayer())
		}
		_, headErr := net.LinearHead()
		t.Logf("%s: max abs diff %.2g, tap %.2g; default layer %s (tap %s); CAM applies: %v", what, dl, da, net.DefaultLayer(), m.Tap.Tensor, headErr == nil)
	})
}
