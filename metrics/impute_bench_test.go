package metrics_test

import (
	"math"
	"strconv"
	"testing"

	"camviz/metrics"
)

// BenchmarkImpute224 imputes a 3×224×224 input where a smooth blob map
// removes 10, 50 and 90 % of the pixels (ROAD at those percentiles).
func BenchmarkImpute224(b *testing.B) {
	const n = 224
	x := metrics.Input{C: 3, H: n, W: n, Data: make([]float32, 3*n*n)}
	for i := range x.Data {
		x.Data[i] = float32(math.Sin(float64(i) * 0.37))
	}
	m := metrics.Map{W: n, H: n, Data: make([]float32, n*n)}
	for y := range n {
		for xx := range n {
			dx, dy := float64(xx-140)/60, float64(y-90)/50
			m.Data[y*n+xx] = float32(math.Exp(-(dx*dx + dy*dy)))
		}
	}
	for _, p := range []float64{90, 50, 10} {
		mask := metrics.RemovalMask(m, p, true)
		b.Run("removed"+strconv.Itoa(100-int(p)), func(b *testing.B) {
			for b.Loop() {
				if _, err := (metrics.Imputer{}).Impute(x, mask, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
