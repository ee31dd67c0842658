package cam

import "fmt"

// RandomWeights returns RandomCAM's channel weights (pytorch-grad-cam's
// random_cam.py): c values drawn uniformly from [−1, 1) by a PCG generator
// seeded with seed (-seed), so a seed always gives the same map; the map
// is WeightedSum(a, w). It is a baseline: a method that does no better
// than it on a metric says nothing. pytorch-grad-cam draws from numpy's
// global generator, whose numbers cannot be matched; the distribution is
// the same.
func RandomWeights(c int, seed uint64) ([]float32, error) {
	if c <= 0 {
		return nil, fmt.Errorf("cam: %d channels", c)
	}
	rng := noiseRand(seed)
	w := make([]float32, c)
	for k := range w {
		w[k] = float32(2*rng.Float64() - 1)
	}
	return w, nil
}

// randomProduct is RandomCAM's weights⊙A for the seed option
// (Method.product): its channel sum is WeightedSum(a, RandomWeights(…)).
func randomProduct(a, _ Maps, p Params) (Maps, error) {
	w, err := RandomWeights(a.C, uint64(p.Options["seed"]))
	if err != nil {
		return Maps{}, err
	}
	return Scaled(a, w)
}
