package metrics_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"

	"camviz/inference"
	"camviz/internal/npytest"
	"camviz/metrics"

	"gorgonia.org/tensor"
)

const goldenDir = "../testdata/golden/tinyvgg16"

// goldenNet is the golden tiny VGG16 as a metrics.Forward, with its input.
func goldenNet(t testing.TB) (metrics.Input, metrics.Forward) {
	t.Helper()
	net, err := inference.Load(goldenDir + "/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	data, shape := npytest.Float32(t, goldenDir+"/input.npy")
	x := metrics.Input{C: shape[1], H: shape[2], W: shape[3], Data: data}
	fwd := func(ctx context.Context, in []float32, n int) ([]float32, error) {
		p, err := net.Forward(ctx, tensor.New(tensor.WithShape(n, x.C, x.H, x.W), tensor.WithBacking(in)), false)
		if err != nil {
			return nil, err
		}
		defer p.Release()
		return append([]float32(nil), p.Scores()...), nil
	}
	return x, fwd
}

func goldenMap(t testing.TB, class int) metrics.Map {
	t.Helper()
	data, shape := npytest.Float32(t, goldenDir+"/cam_GradCAM_f29_c"+strconv.Itoa(class)+".npy")
	return metrics.Map{W: shape[1], H: shape[0], Data: data}
}

// TestGoldenROAD checks ROAD (noise 0) and CamMultImageConfidenceChange on
// pytorch-grad-cam's Grad-CAM map at features.29 against the values
// pytorch-grad-cam's own metric classes computed
// (testdata/golden/road/README.md). The race detector makes the 36
// imputations ~15 times slower, so under -race only class 7 runs, without
// the combined score (CAMVIZ_SLOW=1 restores all).
func TestGoldenROAD(t *testing.T) {
	reduced := raceEnabled && os.Getenv("CAMVIZ_SLOW") == ""
	raw, err := os.ReadFile("../testdata/golden/road/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]map[string]float64
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	x, fwd := goldenNet(t)
	const tol = 1e-4 // the two agree to 2e-6; the issue asks for 1e-3
	for _, class := range []int{7, 2} {
		if reduced && class != 7 {
			continue
		}
		want := ref[strconv.Itoa(class)]
		if len(want) != 4 {
			t.Fatalf("class %d: manifest has %v", class, want)
		}
		m := goldenMap(t, class)
		cfg := metrics.ROADConfig{}
		if reduced {
			cfg.Percentiles = []float64{}
		}
		r, err := metrics.ROAD(context.Background(), x, m, class, fwd, cfg)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := metrics.CamMultConfidenceChange(context.Background(), x, m, class, fwd)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"road_morf_80", r.MoRF, want["road_morf_80"]},
			{"road_lerf_20", r.LeRF, want["road_lerf_20"]},
			{"road_combined", r.Combined, want["road_combined"]},
			{"cam_mult_confidence_change", cm, want["cam_mult_confidence_change"]},
		} {
			if reduced && c.name == "road_combined" {
				continue
			}
			t.Logf("class %d %s: %.6f, reference %.6f", class, c.name, c.got, c.want)
			if !(math.Abs(c.got-c.want) <= tol) {
				t.Errorf("class %d %s = %.6f, reference %.6f (tolerance %g)", class, c.name, c.got, c.want, tol)
			}
		}
		if !reduced && r.Passes != 19 {
			t.Errorf("class %d: %d passes, want 19 (the defaults' single percentiles are in the list)", class, r.Passes)
		}
	}
}
