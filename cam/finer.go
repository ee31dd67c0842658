package cam

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// Finer-CAM (pytorch-grad-cam's finer_cam.py, arXiv:2501.11309) explains
// what separates a class from its nearest rivals: its base method (Grad-CAM)
// is run unchanged on the gradients of FinerWeightedTarget instead of the
// logit. Only the seed changes, so the method is FinerClasses + FinerSeed,
// then the base method on the gradients for that seed.

// FinerClasses returns Finer-CAM's main class and compared classes for
// target class k: the classes sorted by |y_j − y_k| ascending (ties by
// class index: a stable sort, where numpy's argsort does not promise an
// order), main = sorted[0] (k itself unless another logit equals y_k
// exactly) and compared[i] = sorted[ranks[i]]. pytorch-grad-cam's default
// ranks are 1, 2, 3 (-finer-compare 1,2,3): the three classes nearest in
// logit. A rank outside 1…len(logits)−1 is an error.
func FinerClasses(logits []float32, k int, ranks []int) (main int, compared []int, err error) {
	if k < 0 || k >= len(logits) {
		return 0, nil, fmt.Errorf("cam: class %d is out of range: %d logits", k, len(logits))
	}
	if len(ranks) == 0 {
		return 0, nil, fmt.Errorf("cam: finer-cam needs at least one compared rank")
	}
	order := make([]int, len(logits))
	for j := range order {
		order[j] = j
	}
	yk := float64(logits[k])
	dist := func(j int) float64 { return math.Abs(float64(logits[j]) - yk) }
	sort.SliceStable(order, func(a, b int) bool { return dist(order[a]) < dist(order[b]) })
	compared = make([]int, len(ranks))
	for i, r := range ranks {
		if r < 1 || r >= len(logits) {
			return 0, nil, fmt.Errorf("cam: finer-compare rank %d is out of range 1…%d", r, len(logits)-1)
		}
		compared[i] = order[r]
	}
	return order[0], compared, nil
}

// FinerSeed returns the gradient seed d T/d y of FinerWeightedTarget,
//
//	T = Σ_{j∈C} p_j·(y_n − α·y_j) / (Σ_{j∈C} p_j + 1e-9),   p = softmax(y),
//
// for main class n and compared classes C. The weights p_j are
// differentiated too, as torch's autograd does: with N and S the numerator
// and the sum of weights, d_j = y_n − α·y_j and [·] the indicator,
//
//	dN/dy_i = [i∈C]·p_i·(d_i − α) − p_i·N + S·δ_in
//	dS/dy_i = [i∈C]·p_i − p_i·S
//	dT/dy_i = dN/dy_i/(S+ε) − N·dS/dy_i/(S+ε)².
//
// A compared class listed twice counts twice, as in the reference's sum.
func FinerSeed(logits []float32, main int, compared []int, alpha float64) ([]float32, error) {
	y, p, err := logitSoftmax(logits, main)
	if err != nil {
		return nil, err
	}
	const eps = 1e-9
	in := make([]float64, len(y)) // multiplicity of i in C
	var num, sum float64
	for _, j := range compared {
		if j < 0 || j >= len(y) {
			return nil, fmt.Errorf("cam: compared class %d is out of range: %d logits", j, len(y))
		}
		in[j]++
		num += p[j] * (y[main] - alpha*y[j])
		sum += p[j]
	}
	den := sum + eps
	s := make([]float64, len(y))
	for i := range s {
		dN := in[i]*p[i]*(y[main]-alpha*y[i]-alpha) - p[i]*num
		if i == main {
			dN += sum
		}
		dS := in[i]*p[i] - p[i]*sum
		s[i] = dN/den - num*dS/(den*den)
	}
	return toFloat32(s), nil
}

// finerCompare is pytorch-grad-cam's default comparison_categories.
var finerCompare = []int{1, 2, 3}

// finerCAM is Grad-CAM on the gradients of FinerWeightedTarget for the
// class against the classes at ranks p.Compare (default 1, 2, 3) of
// nearness in logit, with the option finer-alpha. It explains its own
// target, so it takes no -target (see seedsGradient).
func finerCAM(ctx context.Context, src Source, p Params) (Result, error) {
	ranks := p.Compare
	if len(ranks) == 0 {
		ranks = finerCompare
	}
	logits := src.Logits()
	main, compared, err := FinerClasses(logits, p.Class, ranks)
	if err != nil {
		return Result{}, err
	}
	seed, err := FinerSeed(logits, main, compared, p.Options["finer-alpha"])
	if err != nil {
		return Result{}, err
	}
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	g, err := src.SeedGradients(ctx, p.Layer, seed)
	if err != nil {
		return Result{}, err
	}
	if err := checkAG(a, g); err != nil {
		return Result{}, err
	}
	m := NewMap(a.W, a.H)
	err = gradCAM(m.Data, a, g)
	return Result{Map: m, Layer: p.Layer}, err
}
