package app

import "time"

// rateAndLeft is a slow job's speed and the time it still needs: done of
// total items (masked images, ablated channels) in elapsed, so rate is
// items per second and left = (total − done) / rate. Both are 0 until an
// item is done; left is 0 when nothing is left.
func rateAndLeft(elapsed time.Duration, done, total int) (rate float64, left time.Duration) {
	if done <= 0 || elapsed <= 0 {
		return 0, 0
	}
	rate = float64(done) / elapsed.Seconds()
	if rest := total - done; rest > 0 {
		left = time.Duration(float64(rest) / rate * float64(time.Second))
	}
	return rate, left
}
