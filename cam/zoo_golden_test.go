package cam_test

import (
	"fmt"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// golden2 is the second golden set (pytorch-grad-cam's other methods,
// options and targets; testdata/golden/tinyvgg16-v2/README.md). It uses the
// model, input, activations and gradients of the first set.
var golden2 = camtest.Golden{Dir: "../testdata/golden/tinyvgg16-v2"}

// compareEither post-processes m and −m and returns the smaller max abs
// difference with the golden file name, and which sign gave it: for
// principal components, whose sign is a convention (the _flip files hold
// the reference's other sign; comparing −m with the plain file is the
// same test as comparing m with the _flip file).
func compareEither(t *testing.T, m cam.Map, name string) (d float64, flipped bool) {
	t.Helper()
	d = compareFinal(t, m, name)
	df := compareFinal(t, negate(m), name)
	return min(d, df), df < d
}

// compareFinal post-processes the layer map m (MinMax, 224×224) and returns
// its max abs difference with the golden file name.
func compareFinal(t *testing.T, m cam.Map, name string) float64 {
	t.Helper()
	want, err := golden2.Map(name)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := cam.Postprocess(m, want.W, want.H, cam.MinMax, 0)
	if err != nil {
		t.Fatal(err)
	}
	return camtest.MaxAbsDiff(got.Data, want.Data)
}

func forEachGolden(t *testing.T, f func(t *testing.T, layer, class int)) {
	for _, layer := range goldenLayers {
		for _, class := range goldenClasses {
			t.Run(fmt.Sprintf("f%d/c%d", layer, class), func(t *testing.T) { f(t, layer, class) })
		}
	}
}

// TestGoldenEigenSmooth checks -eigen-smooth for Grad-CAM and Grad-CAM++
// (the first principal component of weights⊙A) within 1e-4, either sign.
func TestGoldenEigenSmooth(t *testing.T) {
	weights := map[string]func(a, g cam.Maps) ([]float32, error){
		"GradCAM":         func(_, g cam.Maps) ([]float32, error) { return cam.GradCAMWeights(g) },
		"GradCAMPlusPlus": cam.GradCAMPlusPlusWeights,
	}
	for ref, wf := range weights {
		t.Run(ref, func(t *testing.T) {
			forEachGolden(t, func(t *testing.T, layer, class int) {
				a, g := loadAG(t, layer, class)
				w, err := wf(a, g)
				if err != nil {
					t.Fatal(err)
				}
				m, err := cam.EigenSmooth(a, w)
				if err != nil {
					t.Fatal(err)
				}
				d, flipped := compareEither(t, m, fmt.Sprintf("cam_%s-eigensmooth_f%d_c%d.npy", ref, layer, class))
				t.Logf("max abs diff %.3g (reference sign flipped: %v)", d, flipped)
				if !(d <= 1e-4) {
					t.Errorf("max abs diff %.3g > 1e-4", d)
				}
			})
		})
	}
}

// TestWeightsMatchLayerMaps: the exported weights, summed over channels,
// are the gradcam and gradcam++ layer maps.
func TestWeightsMatchLayerMaps(t *testing.T) {
	a, g := loadAG(t, 29, 7)
	for name, wf := range map[string]func() ([]float32, error){
		"gradcam":   func() ([]float32, error) { return cam.GradCAMWeights(g) },
		"gradcam++": func() ([]float32, error) { return cam.GradCAMPlusPlusWeights(a, g) },
	} {
		w, err := wf()
		if err != nil {
			t.Fatal(err)
		}
		got, err := cam.WeightedSum(a, w)
		if err != nil {
			t.Fatal(err)
		}
		want, err := cam.LayerMap(name, a, g)
		if err != nil {
			t.Fatal(err)
		}
		if d := camtest.MaxAbsDiff(got.Data, want.Data); d != 0 {
			t.Errorf("%s: weighted sum differs from the layer map by %.3g", name, d)
		}
	}
}

// refGrads returns the logits and a function giving the gradients at
// layer for any seed, from the reference network's backward.
func refGrads(t *testing.T, net refNet, layer int) (cam.Maps, []float32, func([]float32) cam.Maps) {
	t.Helper()
	a, err := golden.Activations(layer)
	if err != nil {
		t.Fatal(err)
	}
	s := net.forwardFrom(layer, a)
	return a, s.logits(), s.backward
}

// TestGoldenTargets checks -target prob and -target rest: Grad-CAM on the
// gradients backpropagated from Seed's vector reproduces pytorch-grad-cam's
// ClassifierOutputSoftmaxTarget and ClassifierOutputReST maps within 1e-4.
func TestGoldenTargets(t *testing.T) {
	net := loadRefNet(t)
	for target, ref := range map[string]string{"prob": "softmax", "rest": "rest"} {
		t.Run(target, func(t *testing.T) {
			forEachGolden(t, func(t *testing.T, layer, class int) {
				a, logits, backward := refGrads(t, net, layer)
				seed, err := cam.Seed(target, logits, class)
				if err != nil {
					t.Fatal(err)
				}
				m, err := cam.LayerMap("gradcam", a, backward(seed))
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("cam_GradCAM-%s_f%d_c%d.npy", ref, layer, class)
				d := compareFinal(t, m, name)
				camtest.Within(t, d, 1e-4)
				requireDistinct(t, a, backward, class, name)
			})
		})
	}
}

// TestGoldenFinerCAM checks FinerCAM(GradCAM), alpha 1, compared ranks
// 1,2,3, within 1e-4.
func TestGoldenFinerCAM(t *testing.T) {
	net := loadRefNet(t)
	forEachGolden(t, func(t *testing.T, layer, class int) {
		a, logits, backward := refGrads(t, net, layer)
		main, compared, err := cam.FinerClasses(logits, class, []int{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		if main != class {
			t.Fatalf("main class %d, want %d", main, class)
		}
		seed, err := cam.FinerSeed(logits, main, compared, 1)
		if err != nil {
			t.Fatal(err)
		}
		m, err := cam.LayerMap("gradcam", a, backward(seed))
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("cam_FinerCAM_f%d_c%d.npy", layer, class)
		d := compareFinal(t, m, name)
		t.Logf("compared %v: max abs diff %.3g", compared, d)
		if !(d <= 1e-4) {
			t.Errorf("max abs diff %.3g > 1e-4", d)
		}
		requireDistinct(t, a, backward, class, name)
	})
}

// TestGoldenLayers checks -layer 22,29 (FuseLayers) for Grad-CAM and
// RefineCAM (Refine, base Grad-CAM++) within 1e-4.
func TestGoldenLayers(t *testing.T) {
	for _, c := range []struct {
		method, file string
		fuse         func([]cam.Map, int, int) (cam.Map, error)
	}{
		{"gradcam", "cam_GradCAM-layers22+29_c%d.npy", cam.FuseLayers},
		{"gradcam++", "cam_RefineCAM-layers22+29_c%d.npy", cam.Refine},
	} {
		for _, class := range goldenClasses {
			t.Run(fmt.Sprintf("%s/c%d", c.method, class), func(t *testing.T) {
				var maps []cam.Map
				for _, layer := range goldenLayers {
					a, g := loadAG(t, layer, class)
					m, err := cam.LayerMap(c.method, a, g)
					if err != nil {
						t.Fatal(err)
					}
					maps = append(maps, m)
				}
				want, err := golden2.Map(fmt.Sprintf(c.file, class))
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.fuse(maps, want.W, want.H)
				if err != nil {
					t.Fatal(err)
				}
				d := camtest.MaxAbsDiff(got.Data, want.Data)
				camtest.Within(t, d, 1e-4)
			})
		}
	}
}

// requireDistinct fails if the plain-logit Grad-CAM map is within 1e-3 of
// the golden file name, i.e. if the golden comparison could not tell a
// wrong seed from the right one.
func requireDistinct(t *testing.T, a cam.Maps, backward func([]float32) cam.Maps, class int, name string) {
	t.Helper()
	seed := make([]float32, 10)
	seed[class] = 1
	m, err := cam.LayerMap("gradcam", a, backward(seed))
	if err != nil {
		t.Fatal(err)
	}
	if d := compareFinal(t, m, name); d <= 1e-3 {
		t.Errorf("the logit target's map is within %.3g of %s: the test cannot fail", d, name)
	}
}

// TestGoldenKPCA checks KPCA-CAM (scikit-learn's sigmoid-kernel PCA)
// within the README's 2e-3, either sign.
func TestGoldenKPCA(t *testing.T) {
	forEachGolden(t, func(t *testing.T, layer, class int) {
		if class != goldenClasses[0] {
			t.Skip("class-agnostic: the maps of every class are the same")
		}
		a, _ := loadAG(t, layer, class)
		m, err := cam.KernelProjection(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range goldenClasses {
			d, flipped := compareEither(t, m, fmt.Sprintf("cam_KPCA_CAM_f%d_c%d.npy", layer, c))
			t.Logf("class %d: max abs diff %.3g (reference sign flipped: %v)", c, d, flipped)
			if !(d <= 2e-3) {
				t.Errorf("class %d: max abs diff %.3g > 2e-3", c, d)
			}
		}
	})
}

// TestGoldenSegEigenCAM checks Seg-Eigen-CAM within 1e-4 with the
// reference's own sign: its sign correction is part of the method.
func TestGoldenSegEigenCAM(t *testing.T) {
	forEachGolden(t, func(t *testing.T, layer, class int) {
		a, g := loadAG(t, layer, class)
		m, err := cam.SegEigenMap(a, g)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("cam_SegEigenCAM_f%d_c%d.npy", layer, class)
		d := compareFinal(t, m, name)
		camtest.Within(t, d, 1e-4)
	})
}
