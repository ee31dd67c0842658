package inference

import "camviz/inference/blas"

// parallel splits [0,n) into one contiguous range per CPU and runs fn on
// each. Small n runs inline: goroutines cost more than they save there.
func parallel(n, grain int, fn func(lo, hi int)) {
	blas.Split(n, min(blas.Workers(), n/max(grain, 1)), fn)
}
