package cam_test

import (
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestFuseOneLayerIsPostprocess: with a single layer, fusing is the
// single-layer pipeline (the second min-max comes from the aggregation).
func TestFuseOneLayerIsPostprocess(t *testing.T) {
	a, g := loadAG(t, 29, 2)
	m, err := cam.LayerMap("gradcam", a, g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cam.FuseLayers([]cam.Map{m}, 224, 224)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := cam.Postprocess(m, 224, 224, cam.MinMax, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := camtest.MaxAbsDiff(got.Data, want.Data); d > 1e-6 {
		t.Errorf("one fused layer differs from Postprocess by %.3g", d)
	}
}

func TestFuseErrors(t *testing.T) {
	bad := cam.Map{W: 2, H: 2, Data: []float32{1}}
	for name, f := range map[string]func([]cam.Map, int, int) (cam.Map, error){
		"FuseLayers": cam.FuseLayers, "Refine": cam.Refine,
	} {
		if _, err := f(nil, 4, 4); err == nil {
			t.Errorf("%s of no maps: no error", name)
		}
		if _, err := f([]cam.Map{bad}, 4, 4); err == nil {
			t.Errorf("%s of a malformed map: no error", name)
		}
	}
}
