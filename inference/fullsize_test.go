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
