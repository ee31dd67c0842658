package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Spearman is the Spearman rank correlation of two maps of the same size:
// the Pearson correlation of their ranks, ties given their average rank.
// It is in [−1, 1]; when either map is constant (no ranking at all) it is
// 0. Adebayo et al. take it between a saliency map and the map of a
// randomised network (the maps here are non-negative, so their absolute
// values are themselves).
func Spearman(a, b Map) (float64, error) {
	if err := sameSize(a, b); err != nil {
		return 0, err
	}
	return pearson(ranks(a.Data), ranks(b.Data)), nil
}

// ranks returns 1-based ranks, ties averaged.
func ranks(v []float32) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int { return cmp.Compare(v[i], v[j]) })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && v[idx[j]] == v[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1 … j
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// SSIM window and constants (Wang et al., "Image Quality Assessment: From
// Error Visibility to Structural Similarity", 2004): a Gaussian window of
// 11×11 pixels with σ = 1.5, normalised to sum 1, and C1 = (0.01·L)²,
// C2 = (0.03·L)² with the dynamic range L = 1.
const (
	ssimSide  = 11
	ssimSigma = 1.5
	ssimC1    = 0.01 * 0.01
	ssimC2    = 0.03 * 0.03
)

// SSIM is the mean structural similarity of two maps of the same size,
// each min-max scaled to [0,1] first (a constant map becomes all zeros):
//
//	SSIM(x, y) = (2·μx·μy + C1)(2·σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))
//
// with the local means, variances and covariance weighted by the 11×11
// Gaussian window (σ = 1.5) at every position where the window lies
// inside the map, averaged over those positions. Maps smaller than the
// window use one window clipped to the map. 1 means identical.
func SSIM(a, b Map) (float64, error) {
	if err := sameSize(a, b); err != nil {
		return 0, err
	}
	x, y := minMax64(a.Data), minMax64(b.Data)
	wx, wy := min(ssimSide, a.W), min(ssimSide, a.H)
	kx, ky := gaussian1D(wx), gaussian1D(wy)
	var sum float64
	n := 0
	for y0 := 0; y0+wy <= a.H; y0++ {
		for x0 := 0; x0+wx <= a.W; x0++ {
			var mx, my, sxx, syy, sxy float64
			for j := range wy {
				row := (y0+j)*a.W + x0
				for i := range wx {
					w := ky[j] * kx[i]
					p, q := x[row+i], y[row+i]
					mx += w * p
					my += w * q
					sxx += w * p * p
					syy += w * q * q
					sxy += w * p * q
				}
			}
			vx, vy, cxy := sxx-mx*mx, syy-my*my, sxy-mx*my
			sum += (2*mx*my + ssimC1) * (2*cxy + ssimC2) / ((mx*mx + my*my + ssimC1) * (vx + vy + ssimC2))
			n++
		}
	}
	return sum / float64(n), nil
}

// gaussian1D is the normalised 1-D Gaussian of σ = 1.5 over n taps.
func gaussian1D(n int) []float64 {
	k := make([]float64, n)
	var s float64
	for i := range k {
		d := float64(i) - float64(n-1)/2
		k[i] = math.Exp(-d * d / (2 * ssimSigma * ssimSigma))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	return k
}

func minMax64(v []float32) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, float64(x)), max(hi, float64(x))
	}
	out := make([]float64, len(v))
	if hi > lo {
		for i, x := range v {
			out[i] = (float64(x) - lo) / (hi - lo)
		}
	}
	return out
}

func sameSize(a, b Map) error {
	if a.W <= 0 || a.H <= 0 || a.W != b.W || a.H != b.H || len(a.Data) != a.W*a.H || len(b.Data) != b.W*b.H {
		return fmt.Errorf("metrics: cannot compare a %d×%d map (%d values) with a %d×%d one (%d values)", a.W, a.H, len(a.Data), b.W, b.H, len(b.Data))
	}
	for _, m := range []Map{a, b} {
		for _, v := range m.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("metrics: the map holds a non-finite value %v", v)
			}
		}
	}
	return nil
}
