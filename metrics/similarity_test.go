package metrics_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"camviz/metrics"
)

func TestSpearman(t *testing.T) {
	m := func(v ...float32) metrics.Map { return metrics.Map{W: len(v), H: 1, Data: v} }
	for _, c := range []struct {
		name string
		a, b metrics.Map
		want float64
	}{
		{"monotone", m(0.1, 0.5, 0.2, 0.9), m(0.01, 0.25, 0.04, 0.81), 1},
		{"reversed", m(1, 2, 3, 4), m(4, 3, 2, 1), -1},
		// ranks x 1, 2.5, 2.5, 4 and y 1, 3, 2, 4: 4.5/√(4.5·5) (scipy.stats.spearmanr agrees)
		{"ties", m(1, 2, 2, 3), m(1, 3, 2, 4), 4.5 / math.Sqrt(22.5)},
		{"constant", m(1, 1, 1, 1), m(1, 3, 2, 4), 0},
	} {
		got, err := metrics.Spearman(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := metrics.Spearman(m(1, 2), m(1, 2, 3)); err == nil {
		t.Error("different sizes accepted")
	}
	if _, err := metrics.Spearman(m(1, float32(math.NaN())), m(1, 2)); err == nil {
		t.Error("NaN accepted")
	}
}

// ssimDirect is SSIM written out with the 2-D Gaussian, for one window
// position (x0, y0) of 11×11.
func ssimDirect(x, y []float64, w, x0, y0 int) float64 {
	var ws, mx, my float64
	for j := range 11 {
		for i := range 11 {
			ws += math.Exp(-(float64((i-5)*(i-5)) + float64((j-5)*(j-5))) / (2 * 1.5 * 1.5))
		}
	}
	var sxx, syy, sxy float64
	for j := range 11 {
		for i := range 11 {
			g := math.Exp(-(float64((i-5)*(i-5))+float64((j-5)*(j-5)))/(2*1.5*1.5)) / ws
			p, q := x[(y0+j)*w+x0+i], y[(y0+j)*w+x0+i]
			mx, my = mx+g*p, my+g*q
			sxx, syy, sxy = sxx+g*p*p, syy+g*q*q, sxy+g*p*q
		}
	}
	c1, c2 := 1e-4, 9e-4
	return (2*mx*my + c1) * (2*(sxy-mx*my) + c2) / ((mx*mx + my*my + c1) * (sxx - mx*mx + syy - my*my + c2))
}

func TestSSIM(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 13, 12 // 3×2 window positions
	a, b := metrics.Map{W: w, H: h, Data: make([]float32, w*h)}, metrics.Map{W: w, H: h, Data: make([]float32, w*h)}
	x, y := make([]float64, w*h), make([]float64, w*h)
	for i := range a.Data {
		x[i], y[i] = float64(i%7)/6, r.Float64()
		a.Data[i] = float32(2 + 3*x[i]) // min-max scaling undoes 2 + 3x
		b.Data[i] = float32(y[i])
	}
	y = nil
	// b's min-max scaling: (v − min)/(max − min)
	lo, hi := 1.0, 0.0
	for _, v := range b.Data {
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	for _, v := range b.Data {
		y = append(y, (float64(v)-lo)/(hi-lo))
	}
	var want float64
	for y0 := range 2 {
		for x0 := range 3 {
			want += ssimDirect(x, y, w, x0, y0) / 6
		}
	}
	got, err := metrics.SSIM(a, b)
	if err != nil || math.Abs(got-want) > 1e-6 {
		t.Errorf("SSIM %v, %v; written out %v", got, err, want)
	}
	if s, _ := metrics.SSIM(a, a); math.Abs(s-1) > 1e-12 {
		t.Errorf("SSIM of a map with itself %v, want 1", s)
	}
	inv := metrics.Map{W: w, H: h, Data: make([]float32, w*h)}
	for i, v := range a.Data {
		inv.Data[i] = -v
	}
	if s, _ := metrics.SSIM(a, inv); s > -0.5 {
		t.Errorf("SSIM of a map with its negative %v, want strongly negative", s)
	}
}

func ExampleSpearman() {
	orig := metrics.Map{W: 4, H: 1, Data: []float32{0, 0.2, 0.9, 1}}
	same := metrics.Map{W: 4, H: 1, Data: []float32{0.1, 0.3, 0.5, 0.7}} // another scale, the same order
	flip := metrics.Map{W: 4, H: 1, Data: []float32{1, 0.8, 0.5, 0}}
	a, _ := metrics.Spearman(orig, same)
	b, _ := metrics.Spearman(orig, flip)
	fmt.Println(a, b)
	// Output: 1 -1
}
