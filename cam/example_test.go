package cam_test

import (
	"fmt"

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

// Every method of the registry, with what it needs and whether it is slow.
func ExampleAll() {
	for _, m := range cam.All()[9:] {
		fmt.Println(m.Name, m.Slow, m.FixedLayer, len(m.Options))
	}
	// Output:
	// ablationcam true false 1
	// scorecam true false 1
	// shapleycam false false 0
	// fullgrad false true 0
	// guidedbackprop false true 0
	// guided-gradcam false false 0
	// finercam false false 1
	// smoothgradcam++ true false 3
	// sobelcam false true 0
	// fcconv true true 1
	// cam false true 0
}
