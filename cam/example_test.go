package cam_test

import (
	"context"
	"fmt"
	"strings"

	"camviz/cam"
)

// Grad-CAM on two channels of 1×2 pixels: the weights are the channels'
// mean gradients, 1 and −0.5, so the map is 1·A₀ − 0.5·A₁.
func ExampleLayerMap() {
	a := cam.Maps{C: 2, H: 1, W: 2, Data: []float32{1, 3, 2, 0}}
	g := cam.Maps{C: 2, H: 1, W: 2, Data: []float32{1, 1, -1, 0}}
	m, err := cam.LayerMap("gradcam", a, g)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Data)
	// Output: [0 3]
}

// pytorch-grad-cam's output: ReLU, min-max, resize (here 2×1 → 4×1),
// min-max again.
func ExamplePostprocess() {
	m := cam.Map{W: 2, H: 1, Data: []float32{-1, 3}}
	out, flags, err := cam.Postprocess(m, 4, 1, cam.MinMax, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f %v\n", out.Data, flags == 0)
	// Output: [0.000 0.250 0.750 1.000] true
}

// Every method of the registry with its options: its own, then the
// generic ones that apply to it.
func ExampleAll() {
	for _, m := range cam.All() {
		var opts []string
		for _, o := range m.AllOptions() {
			opts = append(opts, o.Name+"="+o.DefaultText())
		}
		fmt.Println(strings.Join(append([]string{m.Name}, opts...), " "))
	}
	// Output:
	// gradcam layer= target=logit eigen-smooth=false aug-smooth=false inplace-relu=false
	// hirescam layer= target=logit eigen-smooth=false aug-smooth=false inplace-relu=false
	// gradcam-elementwise layer= target=logit eigen-smooth=false aug-smooth=false inplace-relu=false
	// gradcam++ layer= target=logit eigen-smooth=false aug-smooth=false inplace-relu=false
	// xgradcam layer= target=logit eigen-smooth=false aug-smooth=false inplace-relu=false
	// layercam layer= target=logit eigen-smooth=false aug-smooth=false inplace-relu=false
	// eigencam layer= aug-smooth=false inplace-relu=false
	// eigengradcam layer= target=logit aug-smooth=false inplace-relu=false
	// kpcacam layer= aug-smooth=false inplace-relu=false
	// segeigencam layer= target=logit aug-smooth=false inplace-relu=false
	// fem layer= eigen-smooth=false aug-smooth=false inplace-relu=false
	// randomcam seed=0 layer= eigen-smooth=false aug-smooth=false inplace-relu=false
	// refinecam refine-base=gradcam++ layer= target=logit aug-smooth=false
	// ablationcam batch=0 layer= aug-smooth=false
	// scorecam batch=0 layer= aug-smooth=false
	// faster-scorecam max-channels=10 batch=0 layer= aug-smooth=false
	// sscam samples=35 sigma=2 seed=0 batch=4 layer= aug-smooth=false
	// iscam samples=10 batch=4 layer= aug-smooth=false
	// shapleycam layer= target=logit aug-smooth=false
	// fullgrad target=logit aug-smooth=false
	// guidedbackprop target=logit
	// guided-gradcam layer= target=logit
	// finercam finer-alpha=1 finer-compare=1,2,3 layer= aug-smooth=false
	// smoothgradcam++ samples=4 sigma=0.3 seed=0 layer= target=logit aug-smooth=false
	// sobelcam
	// fcconv fcscale=2
	// cam aug-smooth=false
}

// Two classes' maps on one honest scale: the largest positive value of
// either, 4, maps to 1, so class B's weaker map stays weaker (min-max
// would stretch both to [0,1]); negative values are cut by the ReLU.
func ExampleSharedScale() {
	a := cam.Map{W: 2, H: 1, Data: []float32{1, 2}}
	b := cam.Map{W: 2, H: 1, Data: []float32{4, -1}}
	s := cam.SharedScale(a, b)
	pa, _, _ := cam.Postprocess(a, 2, 1, cam.Shared, s)
	pb, _, _ := cam.Postprocess(b, 2, 1, cam.Shared, s)
	fmt.Println(s, pa.Data, pb.Data)
	// Output: 4 [0.25 0.5] [1 0]
}

// layerSource is a network's pass reduced to one layer's activations and
// gradients: all that a gradient method reads (the other methods of
// cam.Source are left to the embedded nil interface).
type layerSource struct {
	cam.Source
	a, g cam.Maps
}

func (s layerSource) Activations(string) (cam.Maps, error) { return s.a, nil }
func (s layerSource) Gradients(context.Context, string, int) (cam.Maps, error) {
	return s.g, nil
}

// A method computes its map from a Source: Grad-CAM weights each channel
// by its mean gradient (1 and −0.5: 1·A₀ − 0.5·A₁ = [0 3]); HiResCAM
// multiplies activations and gradients element by element and sums the
// channels (1·1 + 2·(−1), 3·1 + 0·0 = [−1 3]).
func ExampleMethod_Compute() {
	src := layerSource{
		a: cam.Maps{C: 2, H: 1, W: 2, Data: []float32{1, 3, 2, 0}},
		g: cam.Maps{C: 2, H: 1, W: 2, Data: []float32{1, 1, -1, 0}},
	}
	for _, name := range []string{"gradcam", "hirescam"} {
		m, _ := cam.Find(name)
		r, err := m.Compute(context.Background(), src, cam.Params{Class: 0, Layer: "features.29"})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(name, r.Map.Data, r.Layer)
	}
	// Output:
	// gradcam [0 3] features.29
	// hirescam [-1 3] features.29
}
