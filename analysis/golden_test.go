package analysis

import (
	"context"
	"fmt"
	"image"
	"slices"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

const goldenDir = "../testdata/golden/tinyvgg16"

var goldenLayers = map[int]string{
	22: "/features/features.22/Relu_output_0",
	29: "/features/features.29/Relu_output_0",
}

func goldenAnalysis(t testing.TB) *Analysis {
	t.Helper()
	return analysisOf(t, goldenDir+"/model.onnx", goldenDir+"/input.npy")
}

// analysisOf loads a model and analyses one input with it: testfix.Analysis,
// which analysis's tests cannot import (it imports analysis).
func analysisOf(t testing.TB, model, input string) *Analysis {
	t.Helper()
	m, err := LoadModel(model, "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.OpenInput(input, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGoldenMapsEndToEnd runs every pytorch-grad-cam method through the
// whole camviz pipeline — our engine's activations, gradients, tail and
// full forward passes, the cam maths and post-processing — and compares
// with the reference's final 224×224 maps.
func TestGoldenMapsEndToEnd(t *testing.T) {
	a := goldenAnalysis(t)
	g := camtest.Golden{Dir: goldenDir}
	for _, info := range cam.Methods() {
		if info.Needs.Has(cam.NeedsImage) {
			continue // no network: cam/sobel_test.go
		}
		if zooGolden[info.Name] || slices.Contains([]string{"kpcacam", "segeigencam", "refinecam", "randomcam"}, info.Name) {
			continue // golden v2: zoo_golden_test.go, zoo_opts_golden_test.go (RandomCAM has none: random)
		}
		for _, layer := range []int{29, 22} {
			for _, class := range []int{7, 2} {
				slow := info.Name == "scorecam"
				if slow && (layer == 22) != (class == 2) {
					continue // two of the four cases: each costs 64 forward passes
				}
				name := fmt.Sprintf("%s/f%d/c%d", info.Name, layer, class)
				t.Run(name, func(t *testing.T) {
					lm, err := a.Map(context.Background(), MapRequest{Method: info.Name, Class: class, Layer: goldenLayers[layer]})
					if err != nil {
						t.Fatal(err)
					}
					got, _, err := cam.Postprocess(lm.Map, 224, 224, cam.MinMax, 0)
					if err != nil {
						t.Fatal(err)
					}
					want, err := g.Map(fmt.Sprintf("cam_%s_f%d_c%d.npy", info.Reference, layer, class))
					if err != nil {
						t.Fatal(err)
					}
					tol := 1e-4
					if slow {
						tol = 1e-3
					}
					d := camtest.MaxAbsDiff(got.Data, want.Data)
					if info.Name == "eigencam" || info.Name == "eigengradcam" {
						// The SVD sign is arbitrary: accept the map of either sign.
						neg := cam.NewMap(lm.Map.W, lm.Map.H)
						for i, v := range lm.Map.Data {
							neg.Data[i] = -v
						}
						alt, _, _ := cam.Postprocess(neg, 224, 224, cam.MinMax, 0)
						d = min(d, camtest.MaxAbsDiff(alt.Data, want.Data))
					}
					if d > tol {
						t.Fatalf("max abs diff %.3g > %.0e", d, tol)
					}
					t.Logf("max abs diff %.2g", d)
				})
			}
		}
	}
}

// TestFCConvExtent: fcconv's dense map sits on the centres of the fc6
// windows. At scale 2 the tiny VGG16 has a 14×14 pooled map, 8×8 windows
// of 7×7 cells: the map covers cells 3 to 11 of 14, and the final frame is
// zero outside.
func TestFCConvExtent(t *testing.T) {
	a := goldenAnalysis(t)
	lm, err := a.Map(context.Background(), MapRequest{Method: FCConv, Class: 7})
	if err != nil {
		t.Fatal(err)
	}
	if lm.Map.W != 8 || lm.Map.H != 8 {
		t.Fatalf("dense map %d×%d, want 8×8", lm.Map.W, lm.Map.H)
	}
	want := 3.0 / 14
	if d := lm.Extent.X0 - want; d > 1e-9 || d < -1e-9 || lm.Extent.X1-11.0/14 > 1e-9 {
		t.Fatalf("extent %+v, want [%.4f, %.4f]", lm.Extent, want, 11.0/14)
	}
	f, _, err := lm.Final(224, 224, cam.MinMax, 0)
	if err != nil {
		t.Fatal(err)
	}
	inside := lm.Within(image.Rect(0, 0, 224, 224))
	if inside != image.Rect(48, 48, 176, 176) {
		t.Fatalf("covered area %v, want (48,48)-(176,176)", inside)
	}
	var in, out float32
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			if image.Pt(x, y).In(inside) {
				in = max(in, f.Data[y*224+x])
			} else {
				out = max(out, f.Data[y*224+x])
			}
		}
	}
	if in < 0.99 || out != 0 {
		t.Fatalf("max inside %v (want 1), outside %v (want 0)", in, out)
	}
}
