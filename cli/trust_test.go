package cli

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pytorch-grad-cam's values on the golden Grad-CAM map, class 7, features.29
// (testdata/golden/road/reference.json).
const (
	refMoRF    = 0.029758691787719727
	refLeRF    = -0.15769362449645996
	refCamMult = -0.2474343478679657
)

func TestCamMetricsJSON(t *testing.T) {
	out, errOut, st := run("cam", "-model", tinyModel, "-class", "7", "-layer", "/features/features.29/Relu_output_0",
		"-metrics", "road-morf,road-lerf,cam-mult", "-road-noise", "0", "-out", filepath.Join(t.TempDir(), "m.npy"), "-json", tinyInput)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	var r struct {
		Metrics map[string]float64 `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"road_morf": refMoRF, "road_lerf": refLeRF, "cam_mult": refCamMult}
	if len(r.Metrics) != len(want) {
		t.Fatalf("metrics %v, want exactly the keys of %v", r.Metrics, want)
	}
	for k, v := range want {
		if got, ok := r.Metrics[k]; !ok || math.Abs(got-v) > 1e-4 {
			t.Errorf("%s = %v (present %v), pytorch-grad-cam %v", k, got, ok, v)
		}
	}
}

func TestCamMetricsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-metrics", "road-morf,roads"}, `unknown metric "roads"`},
		{[]string{"-metrics", "road-morf", "-road-morf-percentile", "100"}, "-road-morf-percentile 100"},
		{[]string{"-metrics", "road-lerf", "-road-lerf-percentile", "-3"}, "-road-lerf-percentile -3"},
		{[]string{"-metrics", "road-lerf", "-road-noise", "-1"}, "-road-noise -1"},
	} {
		args := append([]string{"cam", "-model", tinyModel, "-out", filepath.Join(t.TempDir(), "m.npy")}, c.args...)
		_, errOut, st := run(append(args, tinyInput)...)
		if st != 1 || !strings.Contains(errOut, c.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: status %d, stderr %q; want one line with %q", c.args, st, errOut, c.msg)
		}
	}
}

func TestReportMetricsColumns(t *testing.T) {
	dir := t.TempDir()
	_, errOut, st := run("report", "-model", tinyModel, "-methods", "gradcam", "-classes", "7", "-steps", "2",
		"-metrics", "cam-mult,deletion", "-out", dir, tinyInput)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	rows := readCSV(t, filepath.Join(dir, "metrics.csv"))
	col := slices.Index(rows[0], "cam_mult")
	if col < 0 || slices.Index(rows[0], "road_morf") < 0 {
		t.Fatalf("header %v lacks the ROAD / CAM-mult columns", rows[0])
	}
	found := false
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			t.Fatalf("row %v: cam_mult %q", r, r[col])
		}
		if r[slices.Index(rows[0], "road_morf")] != "" {
			t.Errorf("row %v: road_morf filled though not asked", r)
		}
		if r[1] == "gradcam" {
			found = true
			if math.Abs(v-refCamMult) > 1e-4 {
				t.Errorf("gradcam cam_mult %v, pytorch-grad-cam %v", v, refCamMult)
			}
		}
	}
	if !found {
		t.Fatal("no gradcam row")
	}
}
