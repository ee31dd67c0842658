package cam_test

import (
	"fmt"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestGoldenShapleyCAM: on the ReLU network the Hessian-vector product is
// zero, and ShapleyWeights with HVP = 0 gives pytorch-grad-cam's
// ShapleyCAM maps within 1e-4.
func TestGoldenShapleyCAM(t *testing.T) {
	for _, class := range goldenClasses {
		a, g := loadAG(t, 29, class)
		zero := cam.Maps{C: g.C, H: g.H, W: g.W, Data: make([]float32, len(g.Data))}
		w, err := cam.ShapleyWeights(g, zero)
		if err != nil {
			t.Fatal(err)
		}
		m, err := cam.WeightedSum(a, w)
		if err != nil {
			t.Fatal(err)
		}
		d := compareFinal(t, m, fmt.Sprintf("cam_ShapleyCAM_f29_c%d.npy", class))
		t.Logf("class %d: max abs diff %.3g", class, d)
		if !(d <= 1e-4) {
			t.Errorf("class %d: max abs diff %.3g > 1e-4", class, d)
		}
	}
}

func TestShapleyWeightsHVP(t *testing.T) {
	g := cam.Maps{C: 2, H: 1, W: 2, Data: []float32{1, 3, -2, 0}}
	hvp := cam.Maps{C: 2, H: 1, W: 2, Data: []float32{2, 2, 0, -4}}
	w, err := cam.ShapleyWeights(g, hvp)
	if err != nil {
		t.Fatal(err)
	}
	// Channel 0: mean(1−1, 3−1) = 1; channel 1: mean(−2, 0+2) = 0.
	if d := camtest.MaxAbsDiff(w, []float32{1, 0}); d != 0 {
		t.Errorf("weights %v, want [1 0]", w)
	}
	if _, err := cam.ShapleyWeights(g, cam.Maps{C: 1, H: 1, W: 2, Data: []float32{0, 0}}); err == nil {
		t.Error("HVP of another shape: no error")
	}
}
