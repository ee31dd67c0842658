package analysis

import (
	"context"
	"math"
	"testing"

	"camviz/metrics"
)

// TestROADReference: Grad-CAM's map of class 7 at features.29 of the tiny
// VGG16, without noise, gives pytorch-grad-cam's own ROAD and CAM-mult
// (testdata/golden/road/reference.json), and progress counts every image
// up to ROADPasses.
func TestROADReference(t *testing.T) {
	a := goldenAnalysis(t)
	var last, calls [2]int
	r, err := a.ROAD(context.Background(), MapRequest{Method: "gradcam", Class: 7, Layer: goldenLayers[29]}, metrics.ROADConfig{},
		func(done, total int) { last = [2]int{done, total}; calls[0]++ })
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"MoRF", r.MoRF, 0.029758691787719727},
		{"LeRF", r.LeRF, -0.15769362449645996},
		{"CAM-mult", r.CamMult, -0.2474343478679657},
	} {
		if math.Abs(c.got-c.want) > 1e-4 {
			t.Errorf("%s = %v, pytorch-grad-cam %v", c.name, c.got, c.want)
		}
	}
	total := ROADPasses(metrics.ROADConfig{})
	if total != r.Passes+2 || last != [2]int{total, total} || calls[0] == 0 {
		t.Errorf("progress ended at %v after %d reports, want %d of %d (ROAD's %d passes and CAM-mult's 2)", last, calls[0], total, total, r.Passes)
	}
	if r.Method != "gradcam" || r.Layer != goldenLayers[29] || r.Class != 7 || r.Noise != 0 || r.MoRFPercentile != 80 {
		t.Errorf("result %+v", r)
	}
	if _, err := a.ROAD(context.Background(), MapRequest{Method: "gradcam", Class: -1}, metrics.ROADConfig{}, nil); err == nil {
		t.Error("class -1 measured")
	}
}
