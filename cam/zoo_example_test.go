package cam_test

import (
	"fmt"

	"camviz/cam"
)

// The gradient seed of each target for class 0 of two logits.
func ExampleSeed() {
	logits := []float32{2, 0}
	for _, t := range cam.Targets() {
		s, err := cam.Seed(t.Name, logits, 0)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-5s %.4f\n", t.Name, s)
	}
	// Output:
	// logit [1.0000 0.0000]
	// prob  [0.1050 -0.1050]
	// rest  [1.1192 -0.1192]
	// neg   [-1.0000 0.0000]
}

// Two layers' maps fused as -layer A,B does: per layer ReLU and min-max
// (fine: 0 1 0 1) and the resize (coarse: 0 ¼ ¾ 1), then the mean,
// min-maxed.
func ExampleFuseLayers() {
	coarse := cam.Map{W: 1, H: 2, Data: []float32{0, 1}}
	fine := cam.Map{W: 1, H: 4, Data: []float32{-1, 2, 0, 2}}
	m, err := cam.FuseLayers([]cam.Map{coarse, fine}, 1, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f\n", m.Data)
	// Output:
	// [0.000 0.625 0.375 1.000]
}
