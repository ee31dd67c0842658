package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestShapleyCAMOnSmoothFamilies: ShapleyCAM through the engine's exact
// Hessian-vector product gives pytorch-grad-cam's ShapleyCAM map on the
// tiny families (tools/fixtures/zoograd.py), and on those with smooth
// operators after the layer (SiLU, HardSwish, the LayerNorm's Pow/Sqrt/Div)
// it is not Grad-CAM — by as much as torch's maps differ.
func TestShapleyCAMOnSmoothFamilies(t *testing.T) {
	for _, fam := range []string{"efficientnet_b0", "mobilenet_v3_small", "convnext_tiny", "resnet18"} {
		t.Run(fam, func(t *testing.T) {
			dir := filepath.Join("../testdata/families", fam)
			var z struct {
				Class  int                `json:"class"`
				Layer  string             `json:"layer"`
				Checks map[string]float64 `json:"checks"`
			}
			b, err := os.ReadFile(filepath.Join(dir, "zoo.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &z); err != nil {
				t.Fatal(err)
			}
			a := analysisOf(t, filepath.Join(dir, "model.onnx"), filepath.Join(dir, "input.npy"))
			g := camtest.Golden{Dir: dir}
			maps := map[string]cam.Map{}
			for _, m := range []struct{ method, ref string }{{"shapleycam", "ShapleyCAM"}, {"gradcam", "GradCAM"}} {
				lm, err := a.Map(context.Background(), MapRequest{Method: m.method, Class: z.Class, Layer: z.Layer})
				if err != nil {
					t.Fatal(err)
				}
				want, err := g.Map(fmt.Sprintf("zoo_cam_%s_c%d.npy", m.ref, z.Class))
				if err != nil {
					t.Fatal(err)
				}
				got, _, err := lm.Final(want.W, want.H, cam.MinMax, 0)
				if err != nil {
					t.Fatal(err)
				}
				if d := camtest.MaxAbsDiff(got.Data, want.Data); !(d <= 1e-4) {
					t.Errorf("%s: max abs diff %.3g from pytorch-grad-cam", m.method, d)
				} else {
					t.Logf("%s: max abs diff %.2g", m.method, d)
				}
				maps[m.method] = got
			}
			torch := z.Checks["shapley_vs_gradcam_max_abs"]
			ours := camtest.MaxAbsDiff(maps["shapleycam"].Data, maps["gradcam"].Data)
			t.Logf("ShapleyCAM − Grad-CAM: ours %.3g, torch's %.3g", ours, torch)
			if math.Abs(ours-torch) > 1e-4+0.05*torch {
				t.Errorf("ShapleyCAM differs from Grad-CAM by %.3g, torch's maps by %.3g", ours, torch)
			}
			if fam == "resnet18" && ours != 0 {
				t.Errorf("a ReLU net: ShapleyCAM must be Grad-CAM, differs by %.3g", ours)
			}
		})
	}
}

// TestSmoothGradCAMppThroughEngine: with sigma 0 every noisy input is the
// input itself, so the map is torch-cam's Grad-CAM++ of the clean gradient;
// with noise, more samples lower the spread of the map across seeds.
func TestSmoothGradCAMppThroughEngine(t *testing.T) {
	a := goldenAnalysis(t)
	ctx := context.Background()
	layer := goldenLayers[29]
	req := func(samples, sigma, seed float64) MapRequest {
		return MapRequest{Method: "smoothgradcam++", Class: 7, Layer: layer,
			Options: cam.Settings(fmt.Sprintf("samples=%g;seed=%g;sigma=%g", samples, seed, sigma))}
	}
	lm, err := a.Map(ctx, req(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	src := source{a}
	acts, _ := src.Activations(layer)
	g, err := src.Gradients(ctx, layer, 7)
	if err != nil {
		t.Fatal(err)
	}
	w, err := cam.SmoothGradPlusPlusWeights(acts, src.Input(), 1, 0, 0, func(cam.Maps) (cam.Maps, error) { return g, nil })
	if err != nil {
		t.Fatal(err)
	}
	want, _ := cam.WeightedSum(acts, w)
	if d := camtest.MaxAbsDiff(lm.Map.Data, want.Data); d > 1e-6*maxAbs(want.Data) {
		t.Fatalf("sigma 0: max abs diff %.3g from Grad-CAM++ (torch-cam's) of the clean gradient", d)
	}
	// Noise: the same seed gives the same map, another seed another one.
	// (The spread across seeds does not fall monotonically with samples on
	// this net — 4 seeds at sigma 0.3 gave 6.8e-3, 1.5e-3, 1.5e-2, 9.8e-3,
	// 3.8e-3 relative variance for 1, 2, 4, 16, 32 samples — because α's
	// denominator 2·D2 + Σ A·D3 nears zero on some channels; the variance
	// property is tested on the weights in cam/noise_test.go.)
	maps := map[float64]cam.Map{}
	for _, seed := range []float64{1, 2} {
		lm, err := a.Map(ctx, req(4, 0.3, seed))
		if err != nil {
			t.Fatal(err)
		}
		maps[seed] = lm.Map
	}
	if d := camtest.MaxAbsDiff(maps[1].Data, maps[2].Data); d == 0 {
		t.Error("seeds 1 and 2 gave the same noisy map")
	}
	if d := camtest.MaxAbsDiff(maps[1].Data, want.Data); d < 1e-3*maxAbs(want.Data) {
		t.Errorf("sigma 0.3 changed the map by only %.3g", d)
	}
	b := goldenAnalysis(t)
	lm2, err := b.Map(ctx, req(4, 0.3, 1))
	if err != nil {
		t.Fatal(err)
	}
	if d := camtest.MaxAbsDiff(lm2.Map.Data, maps[1].Data); d != 0 {
		t.Errorf("seed 1 twice (same path): maps differ by %.3g", d)
	}
}

func maxAbs(x []float32) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

// TestInplaceReLUGivesPytorchGradCAMsDenseNet: torchvision's DenseNet
// ReLUs norm5 in place, so pytorch-grad-cam's maps at norm5 read the
// ReLU's output with norm5's gradient. -inplace-relu gives those maps
// (tools/fixtures/families.py's cam_*_c5.npy); without it the maps are
// the plain maths on the tensor as the graph has it (_outofplace). They
// differ for the methods that average the gradient over the plane; the
// elementwise ones (HiResCAM, LayerCAM) multiply the gradient, which the
// ReLU zeroes where it zeroes the activation, so theirs agree.
func TestInplaceReLUGivesPytorchGradCAMsDenseNet(t *testing.T) {
	dir := "../testdata/families/densenet121"
	a := analysisOf(t, filepath.Join(dir, "model.onnx"), filepath.Join(dir, "input.npy"))
	g := camtest.Golden{Dir: dir}
	const class, layer = 5, "/features/norm5/BatchNormalization_output_0"
	for _, m := range []struct{ method, ref string }{
		{"gradcam", "GradCAM"}, {"hirescam", "HiResCAM"}, {"gradcam++", "GradCAMPlusPlus"}, {"layercam", "LayerCAM"},
	} {
		final := map[bool]cam.Map{}
		for _, inplace := range []bool{true, false} {
			ref := fmt.Sprintf("cam_%s_c%d.npy", m.ref, class)
			if !inplace {
				ref = fmt.Sprintf("cam_%s_c%d_outofplace.npy", m.ref, class)
			}
			want, err := g.Map(ref)
			if err != nil {
				t.Fatal(err)
			}
			var opts cam.Settings
			if inplace {
				opts = cam.OptInplaceReLU + "=true"
			}
			lm, err := a.Map(context.Background(), MapRequest{Method: m.method, Class: class, Layer: layer, Options: opts})
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := lm.Final(want.W, want.H, cam.MinMax, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d := camtest.MaxAbsDiff(got.Data, want.Data); !(d <= 1e-4) {
				t.Errorf("%s inplace-relu=%v: max abs diff %.3g from %s", m.method, inplace, d, ref)
			}
			final[inplace] = got
		}
		d := camtest.MaxAbsDiff(final[true].Data, final[false].Data)
		if elementwise := m.method == "hirescam" || m.method == "layercam"; elementwise != (d < 1e-6) {
			t.Errorf("%s: -inplace-relu changed the map by %.3g", m.method, d)
		}
	}
}
