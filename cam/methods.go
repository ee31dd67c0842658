package cam

import (
	"fmt"
	"math"
)

// The formulas follow pytorch-grad-cam (see testdata/golden/README.md).
// Sums are accumulated in float64: the reference sums float32 with numpy's
// pairwise summation, so float64 is at least as close to the exact value and
// the difference stays far below the golden tolerance.

// WeightedSum returns Σ_k w[k]·A_k, the map of every method that weights
// whole channels (base_cam.get_cam_image).
func WeightedSum(a Maps, w []float32) (Map, error) {
	if err := a.Validate(); err != nil {
		return Map{}, err
	}
	if len(w) != a.C {
		return Map{}, errWeights(len(w), a.C)
	}
	m := NewMap(a.W, a.H)
	weightedSum(m.Data, a, w)
	return m, nil
}

func weightedSum(dst []float32, a Maps, w []float32) {
	acc := make([]float64, len(dst))
	for k := 0; k < a.C; k++ {
		wk := float64(w[k])
		if wk == 0 {
			continue
		}
		for p, v := range a.Channel(k) {
			acc[p] += wk * float64(v)
		}
	}
	for p, v := range acc {
		dst[p] = float32(v)
	}
}

// gradCAM: w_k = mean over pixels of G_k.
func gradCAM(dst []float32, a, g Maps) error {
	w, err := GradCAMWeights(g)
	if err != nil {
		return err
	}
	weightedSum(dst, a, w)
	return nil
}

// pixelSum writes Σ_k f(G_k[p], A_k[p]) for every pixel p: the methods that
// weight each pixel separately rather than whole channels.
func pixelSum(dst []float32, a, g Maps, f func(g, a float32) float64) {
	acc := make([]float64, len(dst))
	for k := 0; k < a.C; k++ {
		gk, ak := g.Channel(k), a.Channel(k)
		for p := range acc {
			acc[p] += f(gk[p], ak[p])
		}
	}
	for p, v := range acc {
		dst[p] = float32(v)
	}
}

// hiResCAM: Σ_k G⊙A.
func hiResCAM(dst []float32, a, g Maps) error {
	pixelSum(dst, a, g, func(g, a float32) float64 { return float64(g * a) })
	return nil
}

// gradCAMElementWise: Σ_k ReLU(G⊙A).
func gradCAMElementWise(dst []float32, a, g Maps) error {
	pixelSum(dst, a, g, func(g, a float32) float64 { return float64(max(g*a, 0)) })
	return nil
}

// layerCAM: Σ_k ReLU(G)⊙A.
func layerCAM(dst []float32, a, g Maps) error {
	pixelSum(dst, a, g, func(g, a float32) float64 { return float64(max(g, 0) * a) })
	return nil
}

// gradCAMPlusPlus: α = G²/(2G² + ΣA·G³ + 1e-6), zero where G = 0, and
// w_k = Σ_p α·ReLU(G) (equation 19 of arXiv:1710.11063 as pytorch-grad-cam
// implements it; the epsilon is the reference's 1e-6).
func gradCAMPlusPlus(dst []float32, a, g Maps) error {
	w, err := GradCAMPlusPlusWeights(a, g)
	if err != nil {
		return err
	}
	weightedSum(dst, a, w)
	return nil
}

// xGradCAM: w_k = Σ_p G·A / (Σ_p A + 1e-7).
func xGradCAM(dst []float32, a, g Maps) error {
	weightedSum(dst, a, xGradCAMWeights(a, g))
	return nil
}

func xGradCAMWeights(a, g Maps) []float32 {
	const eps = 1e-7
	w := make([]float32, a.C)
	for k := range w {
		ak, gk := a.Channel(k), g.Channel(k)
		den := sum64(ak) + eps
		var s float64
		for p, av := range ak {
			s += float64(gk[p]) * float64(av) / den
		}
		w[k] = float32(s)
	}
	return w
}

// fem (Feature Explanation Method): w_k = share of channel k's pixels whose
// activation exceeds mean + 2·std (population std, as numpy's np.std).
func fem(dst []float32, a, _ Maps) error {
	weightedSum(dst, a, femWeights(a))
	return nil
}

func femWeights(a Maps) []float32 {
	const k = 2
	w := make([]float32, a.C)
	n := float64(a.H * a.W)
	for c := range w {
		ac := a.Channel(c)
		mean := sum64(ac) / n
		var ss float64
		for _, v := range ac {
			d := float64(v) - mean
			ss += d * d
		}
		th := mean + k*math.Sqrt(ss/n)
		cnt := 0
		for _, v := range ac {
			if float64(v) > th {
				cnt++
			}
		}
		w[c] = float32(float64(cnt) / n)
	}
	return w
}

func sum64(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

func errWeights(got, want int) error {
	return fmt.Errorf("cam: %d weights for %d channels", got, want)
}
