package inference

import (
	"sync"

	"camviz/inference/blas"
)

// parallel splits [0,n) into one contiguous range per CPU and runs fn on
// each. Small n runs inline: goroutines cost more than they save there.
func parallel(n, grain int, fn func(lo, hi int)) {
	workers := blas.Workers()
	if workers > n/max(grain, 1) {
		workers = n / max(grain, 1)
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
