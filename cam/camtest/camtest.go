// Package camtest loads the golden pytorch-grad-cam references of
// testdata/golden and checks CAM results against them. It is meant for
// tests only: CheckAblation and CheckScore let an engine's test prove, with
// the engine's own forward passes, that AblationCAM and ScoreCAM reproduce
// the reference maps.
//
// A typical engine test:
//
//	g := camtest.Golden{Dir: "../testdata/golden/tinyvgg16"}
//	camtest.CheckAblation(t, g, 29, 7, tailFromF29, 1e-4)
//	camtest.CheckScore(t, g, 29, 7, fullForward, 1e-3)
package camtest

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"camviz/cam"
	"camviz/internal/npytest"
)

// Golden is one directory of golden files, e.g. testdata/golden/tinyvgg16
// (file names and conventions: testdata/golden/README.md).
type Golden struct{ Dir string }

// Float32 reads a float32 .npy file and its shape.
func (g Golden) Float32(name string) ([]float32, []int, error) {
	return npytest.Read[float32](filepath.Join(g.Dir, name))
}

// Uint8 reads a uint8 .npy file and its shape.
func (g Golden) Uint8(name string) ([]uint8, []int, error) {
	return npytest.Read[uint8](filepath.Join(g.Dir, name))
}

// Maps reads a [1,C,H,W] float32 file.
func (g Golden) Maps(name string) (cam.Maps, error) {
	data, shape, err := g.Float32(name)
	if err != nil {
		return cam.Maps{}, err
	}
	if len(shape) != 4 || shape[0] != 1 {
		return cam.Maps{}, fmt.Errorf("%s: shape %v, want [1,C,H,W]", name, shape)
	}
	return cam.Maps{C: shape[1], H: shape[2], W: shape[3], Data: data}, nil
}

// Map reads an [H,W] float32 file.
func (g Golden) Map(name string) (cam.Map, error) {
	data, shape, err := g.Float32(name)
	if err != nil {
		return cam.Map{}, err
	}
	if len(shape) != 2 {
		return cam.Map{}, fmt.Errorf("%s: shape %v, want [H,W]", name, shape)
	}
	return cam.Map{W: shape[1], H: shape[0], Data: data}, nil
}

// Activations reads act_f{layer}.npy.
func (g Golden) Activations(layer int) (cam.Maps, error) {
	return g.Maps(fmt.Sprintf("act_f%d.npy", layer))
}

// Gradients reads grad_f{layer}_c{class}.npy.
func (g Golden) Gradients(layer, class int) (cam.Maps, error) {
	return g.Maps(fmt.Sprintf("grad_f%d_c%d.npy", layer, class))
}

// Input reads input.npy, the preprocessed image (3×224×224).
func (g Golden) Input() (cam.Maps, error) { return g.Maps("input.npy") }

// Logits reads logits.npy.
func (g Golden) Logits() ([]float32, error) {
	l, _, err := g.Float32("logits.npy")
	return l, err
}

// CAM reads cam_{ref}_f{layer}_c{class}.npy, where ref is the
// pytorch-grad-cam class name (cam.MethodInfo.Reference).
func (g Golden) CAM(ref string, layer, class int) (cam.Map, error) {
	return g.Map(fmt.Sprintf("cam_%s_f%d_c%d.npy", ref, layer, class))
}

// MaxAbsDiff returns max |a[i] − b[i]|, +Inf if the lengths differ and NaN
// if any difference is NaN.
func MaxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		e := math.Abs(float64(a[i]) - float64(b[i]))
		if e != e {
			return math.NaN()
		}
		d = max(d, e)
	}
	return d
}

// Within logs d, a max abs difference from a reference, and fails t
// unless d ≤ tol (a NaN fails).
func Within(t testing.TB, d, tol float64) {
	t.Helper()
	t.Logf("max abs diff %.3g", d)
	if !(d <= tol) {
		t.Errorf("max abs diff %.3g > %g", d, tol)
	}
}

// Compare post-processes the layer map m as pytorch-grad-cam does (MinMax
// mode, resized to the golden size) and returns its max abs difference
// with the golden map of method ref.
func (g Golden) Compare(m cam.Map, ref string, layer, class int) (float64, error) {
	want, err := g.CAM(ref, layer, class)
	if err != nil {
		return 0, err
	}
	got, _, err := cam.Postprocess(m, want.W, want.H, cam.MinMax, 0)
	if err != nil {
		return 0, err
	}
	return MaxAbsDiff(got.Data, want.Data), nil
}

// CheckAblation computes AblationCAM at layer for class with tail (the
// network from the layer to the logits, batch 32 as the reference), and
// fails t if the final map differs from the golden one by more than tol.
// It returns the max abs difference.
func CheckAblation(t testing.TB, g Golden, layer, class int, tail cam.BatchFunc, tol float64) float64 {
	t.Helper()
	a, err := g.Activations(layer)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := g.Logits()
	if err != nil {
		t.Fatal(err)
	}
	w, err := cam.AblationWeights(context.Background(), a, class, logits[class], cam.DefaultBatch, tail, nil)
	if err != nil {
		t.Fatalf("AblationWeights f%d c%d: %v", layer, class, err)
	}
	return check(t, g, a, w, "AblationCAM", layer, class, tol)
}

// CheckScore computes ScoreCAM at layer for class with forward (the whole
// network) on the golden input, and fails t if the final map differs from
// the golden one by more than tol (1e-3 in the golden README). It returns
// the max abs difference.
func CheckScore(t testing.TB, g Golden, layer, class int, forward cam.BatchFunc, tol float64) float64 {
	t.Helper()
	a, err := g.Activations(layer)
	if err != nil {
		t.Fatal(err)
	}
	x, err := g.Input()
	if err != nil {
		t.Fatal(err)
	}
	w, err := cam.ScoreWeights(context.Background(), a, x, class, cam.DefaultBatch, forward, nil)
	if err != nil {
		t.Fatalf("ScoreWeights f%d c%d: %v", layer, class, err)
	}
	return check(t, g, a, w, "ScoreCAM", layer, class, tol)
}

func check(t testing.TB, g Golden, a cam.Maps, w []float32, ref string, layer, class int, tol float64) float64 {
	t.Helper()
	m, err := cam.WeightedSum(a, w)
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.Compare(m, ref, layer, class)
	if err != nil {
		t.Fatal(err)
	}
	if !(d <= tol) {
		t.Errorf("%s f%d c%d: max abs diff %.3g > %.3g", ref, layer, class, d, tol)
	}
	return d
}
