package cam_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"camviz/cam"
)

func logSumExp(y []float64) float64 {
	hi := math.Inf(-1)
	for _, v := range y {
		hi = max(hi, v)
	}
	var s float64
	for _, v := range y {
		s += math.Exp(v - hi)
	}
	return hi + math.Log(s)
}

// numericSeed returns the central-difference gradient of f at y.
func numericSeed(f func([]float64) float64, y []float32) []float64 {
	const h = 1e-5
	x := make([]float64, len(y))
	for i, v := range y {
		x[i] = float64(v)
	}
	g := make([]float64, len(x))
	for i := range x {
		x0 := x[i]
		x[i] = x0 + h
		fp := f(x)
		x[i] = x0 - h
		fm := f(x)
		x[i] = x0
		g[i] = (fp - fm) / (2 * h)
	}
	return g
}

func maxDiff64(a []float32, b []float64) float64 {
	var d float64
	for i := range b {
		d = max(d, math.Abs(float64(a[i])-b[i]))
	}
	return d
}

var seedLogits = []float32{1.5, -0.3, 2.25, 0.7, 2.0, -1.1}

// TestSeedMatchesFiniteDifferences checks every target's seed against the
// numerical derivative of the target's own definition.
func TestSeedMatchesFiniteDifferences(t *testing.T) {
	const k = 2
	value := map[string]func(y []float64) float64{
		"logit": func(y []float64) float64 { return y[k] },
		"prob":  func(y []float64) float64 { return math.Exp(y[k] - logSumExp(y)) },
		"rest":  func(y []float64) float64 { return y[k] - (logSumExp(y) - y[k]) },
		"neg":   func(y []float64) float64 { return -y[k] },
	}
	if len(cam.Targets()) != len(value) {
		t.Fatalf("%d targets, the test knows %d", len(cam.Targets()), len(value))
	}
	for _, info := range cam.Targets() {
		f, ok := value[info.Name]
		if !ok {
			t.Fatalf("no definition for target %q", info.Name)
		}
		s, err := cam.Seed(info.Name, seedLogits, k)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff64(s, numericSeed(f, seedLogits)); d > 1e-6 {
			t.Errorf("%s: seed %v differs from the numerical gradient by %.3g", info.Name, s, d)
		}
	}
}

func TestSeedErrors(t *testing.T) {
	for _, c := range []struct {
		target string
		logits []float32
		k      int
		want   string
	}{
		{"softmax", seedLogits, 0, `unknown target "softmax" (want logit, prob, rest, neg)`},
		{"prob", seedLogits, 6, "class 6 is out of range: 6 logits"},
		{"prob", seedLogits, -1, "class -1 is out of range"},
		{"rest", []float32{1, float32(math.NaN())}, 0, "logit 1 is NaN"},
	} {
		_, err := cam.Seed(c.target, c.logits, c.k)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Seed(%q, %v, %d): error %v, want %q", c.target, c.logits, c.k, err, c.want)
		}
	}
}

// TestFinerSeedMatchesFiniteDifferences checks FinerSeed against the
// numerical derivative of FinerWeightedTarget, for two alphas and a
// compared class listed twice.
func TestFinerSeedMatchesFiniteDifferences(t *testing.T) {
	for _, c := range []struct {
		main     int
		compared []int
		alpha    float64
	}{{2, []int{4, 0, 3}, 1}, {0, []int{3, 3, 5}, 0.6}} {
		t.Run(fmt.Sprint(c.compared, c.alpha), func(t *testing.T) {
			f := func(y []float64) float64 {
				lse := logSumExp(y)
				var num, den float64
				for _, j := range c.compared {
					p := math.Exp(y[j] - lse)
					num += p * (y[c.main] - c.alpha*y[j])
					den += p
				}
				return num / (den + 1e-9)
			}
			s, err := cam.FinerSeed(seedLogits, c.main, c.compared, c.alpha)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff64(s, numericSeed(f, seedLogits)); d > 1e-6 {
				t.Errorf("seed %v differs from the numerical gradient by %.3g", s, d)
			}
		})
	}
}

func TestFinerClasses(t *testing.T) {
	// Distances from y_0 = 1.5: 0, 1.8, 0.75, 0.8, 0.5, 2.6.
	main, compared, err := cam.FinerClasses(seedLogits, 0, []int{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if main != 0 || fmt.Sprint(compared) != "[4 2 3]" {
		t.Errorf("main %d, compared %v; want 0, [4 2 3]", main, compared)
	}
	for _, ranks := range [][]int{{0}, {6}, nil} {
		if _, _, err := cam.FinerClasses(seedLogits, 0, ranks); err == nil {
			t.Errorf("ranks %v: no error", ranks)
		}
	}
}
