package metrics_test

import (
	"fmt"

	"camviz/metrics"
)

// Average drop for one image: the class's probability falls from 0.8 on
// the input to 0.6 on the input times the map, max(0, Y−O)/Y·100 = 25%.
func ExampleDrop() {
	drop, increase := metrics.Drop(0.8, 0.6)
	fmt.Printf("%.1f %v\n", drop, increase)
	// Output: 25.0 false
}

// The area under a deletion curve that falls linearly from 1 to 0.
func ExampleAUC() {
	fmt.Println(metrics.AUC([]float64{0, 0.5, 1}, []float64{1, 0.5, 0}))
	// Output: 0.5
}
