package metrics_test

import (
	"context"
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

// Deletion and insertion on a two-pixel input whose class logit is
// 3·x₀ + x₁ (the other class's is 0, so p = σ(logit)). The map ranks
// pixel 0 first. Deletion (to the mean, 0): logits 4, 1, 0 → p = 0.982,
// 0.731, 0.5, AUC = ¼(0.982+0.731) + ¼(0.731+0.5) = 0.736. Insertion
// (from the mean): logits 0, 3, 4 → 0.5, 0.953, 0.982, AUC 0.847. The
// explanation x⊙m = (1, 0) has logit 3: the drop is (0.982−0.953)/0.982
// = 3.0%.
func ExampleEvaluate() {
	x := metrics.Input{C: 1, H: 1, W: 2, Data: []float32{1, 1}}
	m := metrics.Map{W: 2, H: 1, Data: []float32{1, 0}}
	forward := func(_ context.Context, in []float32, n int) ([]float32, error) {
		logits := make([]float32, 2*n)
		for i := range n {
			logits[2*i] = 3*in[2*i] + in[2*i+1]
		}
		return logits, nil
	}
	cfg := metrics.Config{Steps: 2, Deletion: metrics.BaselineMean, Insertion: metrics.BaselineMean}
	r, err := metrics.Evaluate(context.Background(), x, m, 0, forward, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("deletion %.3f AUC %.3f\n", r.Deletion.Probs, r.Deletion.AUC)
	fmt.Printf("insertion %.3f AUC %.3f\n", r.Insertion.Probs, r.Insertion.AUC)
	fmt.Printf("drop %.1f%% increase %v, %d passes\n", r.AverageDrop, r.IncreaseInConfidence, r.Passes)
	// Output:
	// deletion [0.982 0.731 0.500] AUC 0.736
	// insertion [0.500 0.953 0.982] AUC 0.847
	// drop 3.0% increase false, 7 passes
}
