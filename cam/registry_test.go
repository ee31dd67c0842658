package cam_test

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"camviz/cam"
)

// fakeSource serves fixed activations and gradients, a linear head and
// dense scores, and records what it was asked.
type fakeSource struct {
	a, g   cam.Maps
	head   []float32
	scales []float64
}

func (f *fakeSource) Activations(string) (cam.Maps, error) { return f.a, nil }
func (f *fakeSource) Gradients(context.Context, string, int) (cam.Maps, error) {
	return f.g, nil
}
func (f *fakeSource) Score(int) float32         { return 1 }
func (f *fakeSource) Input() cam.Maps           { return cam.Maps{} }
func (f *fakeSource) Forward() cam.BatchFunc    { return nil }
func (f *fakeSource) Tail(string) cam.BatchFunc { return nil }
func (f *fakeSource) AblationScores(context.Context, string, int, []float32, func(int, int)) ([]float32, error) {
	return nil, errors.New("not here")
}
func (f *fakeSource) DenseScores(_ context.Context, class int, scale float64) (cam.Map, cam.Rect, error) {
	f.scales = append(f.scales, scale)
	m := cam.NewMap(2, 1)
	m.Data[0], m.Data[1] = float32(class), float32(scale)
	return m, cam.Rect{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}, nil
}
func (f *fakeSource) LinearHead(class int) (string, []float32, error) {
	return "pool-in", f.head, nil
}

func (f *fakeSource) Logits() []float32 { return []float32{1} }
func (f *fakeSource) SeedGradients(context.Context, string, []float32) (cam.Maps, error) {
	return f.g, nil
}
func (f *fakeSource) InputGradients(context.Context, []float32, bool) (cam.Maps, error) {
	return cam.Maps{}, cam.ErrNotAvailable
}
func (f *fakeSource) BiasGradients(context.Context, []float32) ([]cam.BiasTerm, error) {
	return nil, cam.ErrNotAvailable
}
func (f *fakeSource) HessianVector(context.Context, string, []float32, cam.Maps) (cam.Maps, error) {
	return cam.Maps{}, cam.ErrNotAvailable
}
func (f *fakeSource) With(context.Context, cam.Maps) (cam.Source, error) {
	return nil, cam.ErrNotAvailable
}

// Picture is a 3×2 picture with one bright pixel: edges around it.
func (f *fakeSource) Picture() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Pix[4*1+0], img.Pix[4*1+1], img.Pix[4*1+2] = 255, 255, 255
	return img
}

// TestRegistryTable: the whole zoo is one table, camviz's own methods at
// the end with their heads, layers and options.
func TestRegistryTable(t *testing.T) {
	var names []string
	for _, m := range cam.All() {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ","); got != "gradcam,hirescam,gradcam-elementwise,gradcam++,xgradcam,layercam,eigencam,eigengradcam,kpcacam,segeigencam,fem,randomcam,refinecam,ablationcam,scorecam,faster-scorecam,sscam,iscam,shapleycam,fullgrad,guidedbackprop,guided-gradcam,finercam,smoothgradcam++,sobelcam,fcconv,cam" {
		t.Fatalf("registry order %s", got)
	}
	fc, _ := cam.Find("fcconv")
	orig, _ := cam.Find("cam")
	if !fc.Needs.Has(cam.NeedsFCHead) || !orig.Needs.Has(cam.NeedsLinearHead) || !fc.FixedLayer || !orig.FixedLayer || !fc.Slow || orig.Slow {
		t.Errorf("fcconv %+v, cam %+v", fc.MethodInfo, orig.MethodInfo)
	}
	if got := fc.Option(cam.Params{}, "fcscale"); got != 2 {
		t.Errorf("fcscale default %g, want 2", got)
	}
	if got := fc.Option(cam.Params{Options: map[string]float64{"fcscale": 3}}, "fcscale"); got != 3 {
		t.Errorf("fcscale set to 3 reads %g", got)
	}
	sc, _ := cam.Find("scorecam")
	if got := sc.Option(cam.Params{}, "batch"); got != 0 {
		t.Errorf("scorecam batch default %g, want 0 (the model's)", got)
	}
	for _, m := range cam.All() {
		other := []string{"fcconv", "cam", "faster-scorecam", "sscam", "iscam"} // camviz's, tf-keras-vis's, torch-cam's
		if (m.Reference == "") != slices.Contains(other, m.Name) {
			t.Errorf("%s has no reference class", m.Name)
		}
	}
}

// TestComputeThroughSource: a layer method over a Source gives LayerMap's
// map; the original CAM weighs the head's layer by the head's weights;
// fcconv asks the dense scores at its option's scale and keeps their extent.
func TestComputeThroughSource(t *testing.T) {
	src := &fakeSource{a: smallA, g: smallG, head: []float32{1, -2, 0.5}[:smallA.C]}
	ctx := context.Background()
	for _, name := range []string{"gradcam", "layercam", "eigencam"} {
		m, _ := cam.Find(name)
		r, err := m.Compute(ctx, src, cam.Params{Class: 1, Layer: "x"})
		want, err2 := cam.LayerMap(name, smallA, smallG)
		if err != nil || err2 != nil || !slices.Equal(r.Map.Data, want.Data) || r.Layer != "x" {
			t.Errorf("%s: %v %v, layer %q", name, err, err2, r.Layer)
		}
	}
	orig, _ := cam.Find("cam")
	r, err := orig.Compute(ctx, src, cam.Params{Class: 0})
	want, _ := cam.WeightedSum(smallA, src.head)
	if err != nil || r.Layer != "pool-in" || !slices.Equal(r.Map.Data, want.Data) {
		t.Errorf("cam: %v, layer %q", err, r.Layer)
	}
	fc, _ := cam.Find("fcconv")
	r, err = fc.Compute(ctx, src, cam.Params{Class: 5})
	if err != nil || r.Map.Data[0] != 5 || r.Map.Data[1] != 2 || r.Extent.X0 != 0.25 || r.Layer != "fc head" {
		t.Errorf("fcconv: %v %+v", err, r)
	}
	if _, err := fc.Compute(ctx, src, cam.Params{Options: map[string]float64{"fcscale": 9}}); err == nil || !strings.Contains(err.Error(), "outside 1–8") {
		t.Errorf("fcconv at scale 9: %v", err)
	}
	if !slices.Equal(src.scales, []float64{2}) {
		t.Errorf("dense scores asked at %v", src.scales)
	}
}
