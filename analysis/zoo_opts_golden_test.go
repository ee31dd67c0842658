package analysis

import (
	"context"
	"fmt"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestGoldenZooEndToEnd runs the second golden set's maps that need only
// activations and gradients through the whole pipeline — our engine, the
// method table's options as the command line passes them (cam.Settings,
// several layers), post-processing — against pytorch-grad-cam's.
func TestGoldenZooEndToEnd(t *testing.T) {
	a := goldenAnalysis(t)
	g := camtest.Golden{Dir: "../testdata/golden/tinyvgg16-v2"}
	both := []string{goldenLayers[22], goldenLayers[29]}
	for _, c := range []struct {
		method  string
		options cam.Settings
		layers  []string // nil: 22 and 29 in turn
		file    string   // layer and class, or the class alone for several layers
		either  bool     // a principal component: either sign
		tol     float64
	}{
		{"kpcacam", "", nil, "cam_KPCA_CAM_f%d_c%d.npy", true, 2e-3},
		{"segeigencam", "", nil, "cam_SegEigenCAM_f%d_c%d.npy", false, 1e-4},
		{"gradcam", "eigen-smooth=true", nil, "cam_GradCAM-eigensmooth_f%d_c%d.npy", true, 1e-4},
		{"gradcam++", "eigen-smooth=1", nil, "cam_GradCAMPlusPlus-eigensmooth_f%d_c%d.npy", true, 1e-4},
		{"gradcam", "", both, "cam_GradCAM-layers22+29_c%d.npy", false, 1e-4},
		{"refinecam", "", both, "cam_RefineCAM-layers22+29_c%d.npy", false, 1e-4},
	} {
		for _, layer := range []int{29, 22} {
			for _, class := range []int{7, 2} {
				if c.layers != nil && layer == 22 {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/f%d/c%d", c.method, c.options, layer, class), func(t *testing.T) {
					req := MapRequest{Method: c.method, Class: class, Layer: goldenLayers[layer], Options: c.options, Layers: c.layers}
					name := fmt.Sprintf(c.file, layer, class)
					if c.layers != nil {
						name = fmt.Sprintf(c.file, class)
					}
					want, err := g.Map(name)
					if err != nil {
						t.Fatal(err)
					}
					lm, err := a.Map(context.Background(), req)
					if err != nil {
						t.Fatal(err)
					}
					if lm.Done != (c.layers != nil) {
						t.Errorf("Done = %v", lm.Done)
					}
					got, _, err := lm.Final(224, 224, cam.MinMax, 0)
					if err != nil {
						t.Fatal(err)
					}
					d := camtest.MaxAbsDiff(got.Data, want.Data)
					if c.either {
						neg := *lm
						neg.Map = cam.NewMap(lm.Map.W, lm.Map.H)
						for i, v := range lm.Map.Data {
							neg.Map.Data[i] = -v
						}
						flipped, _, err := neg.Final(224, 224, cam.MinMax, 0)
						if err != nil {
							t.Fatal(err)
						}
						d = min(d, camtest.MaxAbsDiff(flipped.Data, want.Data))
					}
					camtest.Within(t, d, c.tol)
				})
			}
		}
	}
}

// TestMapOptionsKeyTheCache: maps with other option values are other
// maps; the batch size, which changes only how passes run, is not.
func TestMapOptionsKeyTheCache(t *testing.T) {
	a := goldenAnalysis(t)
	ctx := context.Background()
	get := func(req MapRequest) *LayerMap {
		t.Helper()
		lm, err := a.Map(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return lm
	}
	plain := get(MapRequest{Method: "randomcam", Class: 7})
	seeded := get(MapRequest{Method: "randomcam", Class: 7, Options: "seed=3"})
	if camtest.MaxAbsDiff(plain.Map.Data, seeded.Map.Data) < 1e-6 {
		t.Error("seed 3 gave seed 0's map")
	}
	if again := get(MapRequest{Method: "randomcam", Class: 7, Options: "seed=3"}); again.Elapsed != 0 {
		t.Error("the same options were computed again")
	}
	// Options of other methods are not this one's: same map, from the cache.
	if other := get(MapRequest{Method: "randomcam", Class: 7, Options: "samples=9"}); other.Elapsed != 0 {
		t.Error("another method's option changed randomcam's map")
	}
	if _, err := a.Map(ctx, MapRequest{Method: "randomcam", Class: 7, Options: "seed=-1"}); err == nil {
		t.Error("seed -1 accepted")
	}
	if _, err := a.Map(ctx, MapRequest{Method: "gradcam", Class: 7, Layers: []string{goldenLayers[29], "nosuch"}}); err == nil {
		t.Error("an unknown second layer accepted")
	}
}

// TestGoldenScoreVariants: the masked-input methods at the settings where
// they are Score-CAM — SS-CAM without noise, IS-CAM with one sample,
// Faster-Score-CAM over every channel — reproduce pytorch-grad-cam's
// ScoreCAM map through the engine (1e-3, as ScoreCAM's own test).
func TestGoldenScoreVariants(t *testing.T) {
	a := goldenAnalysis(t)
	g := camtest.Golden{Dir: goldenDir}
	want, err := g.Map("cam_ScoreCAM_f29_c7.npy")
	if err != nil {
		t.Fatal(err)
	}
	l, err := a.Model.Net.Layer(goldenLayers[29])
	if err != nil {
		t.Fatal(err)
	}
	channels := l.Shape[1]
	for _, c := range []struct {
		method  string
		options cam.Settings
	}{
		{"sscam", "samples=2;sigma=0"},
		{"iscam", "samples=1"},
		{"faster-scorecam", cam.Settings(fmt.Sprintf("max-channels=%d", channels))},
	} {
		lm, err := a.Map(context.Background(), MapRequest{Method: c.method, Class: 7, Layer: goldenLayers[29], Options: c.options})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := lm.Final(224, 224, cam.MinMax, 0)
		if err != nil {
			t.Fatal(err)
		}
		d := camtest.MaxAbsDiff(got.Data, want.Data)
		t.Logf("%s %s: max abs diff %.3g", c.method, c.options, d)
		if !(d <= 1e-3) {
			t.Errorf("%s %s: max abs diff %.3g > 1e-3", c.method, c.options, d)
		}
	}
}

// TestFasterScoreCAMSharesScoreRun: after Score-CAM ran at a layer,
// Faster-Score-CAM there runs no masked pass (no progress) and gives the
// map it computes on its own.
func TestFasterScoreCAMSharesScoreRun(t *testing.T) {
	ctx := context.Background()
	req := func(progress func(int, int, *cam.Map)) MapRequest {
		return MapRequest{Method: "faster-scorecam", Class: 2, Layer: goldenLayers[29], Options: "max-channels=12", Progress: progress}
	}
	alone, err := goldenAnalysis(t).Map(ctx, req(nil))
	if err != nil {
		t.Fatal(err)
	}
	a := goldenAnalysis(t)
	if _, err := a.Map(ctx, MapRequest{Method: "scorecam", Class: 7, Layer: goldenLayers[29]}); err != nil {
		t.Fatal(err)
	}
	passes := 0
	shared, err := a.Map(ctx, req(func(int, int, *cam.Map) { passes++ }))
	if err != nil {
		t.Fatal(err)
	}
	if passes != 0 {
		t.Errorf("Faster-Score-CAM ran %d batches of masked passes after Score-CAM's run", passes)
	}
	if d := camtest.MaxAbsDiff(shared.Map.Data, alone.Map.Data); !(d <= 1e-5*maxAbs(alone.Map.Data)) {
		t.Errorf("from the kept run: max abs diff %.3g from its own passes", d)
	}
}
