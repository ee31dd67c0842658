package app

import (
	"testing"
	"time"
)

func TestRateAndLeft(t *testing.T) {
	for _, c := range []struct {
		elapsed     time.Duration
		done, total int
		rate        float64
		left        time.Duration
	}{
		{2 * time.Second, 10, 50, 5, 8 * time.Second},
		{500 * time.Millisecond, 1, 512, 2, 255500 * time.Millisecond},
		{3 * time.Second, 30, 30, 10, 0},
		{time.Second, 0, 30, 0, 0},
		{0, 5, 30, 0, 0},
	} {
		rate, left := rateAndLeft(c.elapsed, c.done, c.total)
		if rate != c.rate || (left-c.left).Abs() > time.Microsecond {
			t.Errorf("rateAndLeft(%v, %d, %d) = %v/s, %v left; want %v/s, %v", c.elapsed, c.done, c.total, rate, left, c.rate, c.left)
		}
	}
}
