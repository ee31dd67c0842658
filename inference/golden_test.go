package inference

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"camviz/internal/npytest"

	"gorgonia.org/tensor"
)

const goldenDir = "../testdata/golden/tinyvgg16"

func readNpy(t testing.TB, name string) ([]float32, []int) {
	t.Helper()
	return readNpyFrom(t, filepath.Join(goldenDir, name))
}

func readNpyFrom(t testing.TB, path string) ([]float32, []int) {
	t.Helper()
	return npytest.Float32(t, path)
}

func loadGolden(t testing.TB) (*Net, *tensor.Dense) {
	t.Helper()
	net, err := Load(filepath.Join(goldenDir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	x, shape := readNpy(t, "input.npy")
	return net, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(x))
}

// relClose checks |got−want| ≤ tol·max|want| elementwise.
func relClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var scale, worst float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	if worst > tol*scale {
		t.Fatalf("%s: max abs diff %.3g, over %.0e × max|want| %.3g", what, worst, tol, scale)
	}
	t.Logf("%s: max abs diff %.3g (max|want| %.3g)", what, worst, scale)
}

func TestGoldenLogitsActivationsGradients(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	layers := map[string]string{
		"22": "/features/features.22/Relu_output_0",
		"29": "/features/features.29/Relu_output_0",
	}
	p, err := net.Forward(ctx, x, true)
	if err != nil {
		t.Fatal(err)
	}
	logits, _ := readNpy(t, "logits.npy")
	relClose(t, "logits", p.Scores(), logits, 1e-4)
	for l, name := range layers {
		want, shape := readNpy(t, "act_f"+l+".npy")
		got, err := p.Activation(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Shape(), shape) {
			t.Fatalf("act %s shape %v want %v", l, got.Shape(), shape)
		}
		relClose(t, "act_f"+l, got.Data().([]float32), want, 1e-4)
		for _, c := range []string{"7", "2"} {
			wantG, _ := readNpy(t, "grad_f"+l+"_c"+c+".npy")
			g, err := p.Grad(ctx, name, int(c[0]-'0'))
			if err != nil {
				t.Fatal(err)
			}
			relClose(t, "grad_f"+l+"_c"+c, g.Data().([]float32), wantG, 1e-4)
		}
	}
	if got := net.DefaultLayer(); got != layers["29"] {
		t.Errorf("default layer %q, want %q", got, layers["29"])
	}
}
