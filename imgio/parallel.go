package imgio

import (
	"runtime"
	"sync"
)

// parallelRanges splits [0, n) into contiguous ranges of at least minChunk
// items, one per available CPU, and runs fn on them concurrently. Pixel
// loops here are embarrassingly parallel by rows; a fixed split is enough
// because every row costs the same.
func parallelRanges(n, minChunk int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if minChunk < 1 {
		minChunk = 1
	}
	if most := (n + minChunk - 1) / minChunk; workers > most {
		workers = most
	}
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		lo, hi := n*i/workers, n*(i+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
