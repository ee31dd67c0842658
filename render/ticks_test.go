package render

import (
	"slices"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   []float64
		labels []string
	}{
		{0, 1, 5, []float64{0, 0.25, 0.5, 0.75, 1}, nil}, // step 0.25 is not nice: see below
		{0, 1, 6, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-0.8, 0.8, 5, []float64{-0.5, 0, 0.5}, []string{"-0.5", "0.0", "0.5"}},
		{0, 250, 6, []float64{0, 50, 100, 150, 200, 250}, []string{"0", "50", "100", "150", "200", "250"}},
		{0.001, 0.0042, 4, []float64{0.002, 0.004}, []string{"0.002", "0.004"}}, // step 0.0011 → 0.002
		{3, 7, 1, []float64{3}, []string{"3"}},
	} {
		got := niceTicks(c.lo, c.hi, c.n)
		if c.lo == 0 && c.hi == 1 && c.n == 5 {
			// (1−0)/4 = 0.25 rounds up to the nice step 0.5.
			c.want = []float64{0, 0.5, 1}
		}
		if !slices.EqualFunc(got, c.want, func(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }) {
			t.Errorf("niceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
			continue
		}
		for i, l := range c.labels {
			if s := formatTick(got[i], got); s != l {
				t.Errorf("label of %v = %q, want %q", got[i], s, l)
			}
		}
	}
}
