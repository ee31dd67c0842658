package cam

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// torch-cam's noise-smoothed methods (torchcam/methods: SmoothGradCAMpp in
// gradient.py, SSCAM and ISCAM in activation.py). Each is a schedule of
// extra passes around a base method; the passes are callbacks, so cam does
// not run the network. Noise comes from a PCG generator seeded with seed
// (-seed): the same seed gives the same map, but not torch's numbers
// (torch's generator cannot be reproduced), so no golden maps exist.

// GradsFunc returns the gradients of the explained target at the layer
// for a (noisy) input of the network, C×H×W like the layer's activations.
type GradsFunc func(x Maps) (Maps, error)

// MaskScoresFunc returns, for each mask k of masks (K×H×W at the input's
// resolution), the target's score of the network on x⊙mask_k (the input
// x fixed by the caller): ScoreCAM's masked passes, with any masks.
type MaskScoresFunc func(masks Maps) ([]float32, error)

func noiseRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x63616d76697a)) }

// SmoothGradPlusPlusWeights returns Smooth Grad-CAM++'s channel weights
// (Omeiza et al., arXiv:1908.01224, as torch-cam implements it): for each
// of samples noisy inputs x + N(0, sigma²) the gradients G_s at the layer
// (grads), their means D2 = mean G_s², D3 = mean G_s³ and D1 = mean G_s,
// then with the clean activations a
//
//	α = D2 / (2·D2 + Σ_p A·D3 + 1e-8),   w_k = Σ_p α·ReLU(D1).
//
// torch-cam's α has torch-cam's Grad-CAM++ denominator Σ_p(A·G³) (a sum
// over pixels of the product), not pytorch-grad-cam's (Σ_p A)·G³. For the
// last factor torch-cam's code takes the last sample's gradient; the
// paper's mean D1 is used here, so that more samples smooth every term.
// With sigma = 0 every sample is the clean gradient and the weights are
// torch-cam's Grad-CAM++ weights.
func SmoothGradPlusPlusWeights(a, x Maps, samples int, sigma float64, seed uint64, grads GradsFunc) ([]float32, error) {
	if err := checkNoise(a, x, samples, sigma); err != nil {
		return nil, err
	}
	rng := noiseRand(seed)
	n := len(a.Data)
	d1, d2, d3 := make([]float64, n), make([]float64, n), make([]float64, n)
	noisy := Maps{C: x.C, H: x.H, W: x.W, Data: make([]float32, len(x.Data))}
	for s := range samples {
		for i, v := range x.Data {
			noisy.Data[i] = v + float32(sigma*rng.NormFloat64())
		}
		g, err := grads(noisy)
		if err != nil {
			return nil, fmt.Errorf("cam: smoothgrad sample %d: %w", s, err)
		}
		if err := checkAG(a, g); err != nil {
			return nil, err
		}
		for i, v := range g.Data {
			f := float64(v)
			d1[i] += f / float64(samples)
			d2[i] += f * f / float64(samples)
			d3[i] += f * f * f / float64(samples)
		}
	}
	const eps = 1e-8
	P := a.H * a.W
	w := make([]float32, a.C)
	for k := range w {
		ak := a.Channel(k)
		var sum3 float64
		for p, v := range ak {
			sum3 += float64(v) * d3[k*P+p]
		}
		var s float64
		for p := range ak {
			i := k*P + p
			if d2[i] > 0 && d1[i] > 0 {
				s += d2[i] / (2*d2[i] + sum3 + eps) * d1[i]
			}
		}
		w[k] = float32(s)
	}
	return w, nil
}

// SSCAMWeights returns SS-CAM's channel weights (Wang et al.,
// arXiv:2006.14255, torch-cam's SSCAM: 35 samples, sigma 2 by default):
// ScoreCAM with N(0, sigma²) noise added to every pixel of the masks (the
// normalised, upsampled activations of ScoreMasks), the scores averaged
// over samples, then the softmax over channels. torch-cam subtracts the
// clean input's score from each; a shift common to all channels does not
// change a softmax, so it is left out. With sigma = 0 the weights are
// ScoreCAM's.
func SSCAMWeights(masks Maps, samples int, sigma float64, seed uint64, scores MaskScoresFunc) ([]float32, error) {
	if err := checkNoise(masks, masks, samples, sigma); err != nil {
		return nil, err
	}
	rng := noiseRand(seed)
	noisy := Maps{C: masks.C, H: masks.H, W: masks.W, Data: make([]float32, len(masks.Data))}
	return meanScores(masks.C, samples, func(s int) ([]float32, error) {
		for i, v := range masks.Data {
			noisy.Data[i] = v + float32(sigma*rng.NormFloat64())
		}
		return scores(noisy)
	})
}

// ISCAMWeights returns IS-CAM's channel weights (Naidu et al.,
// arXiv:2010.03023, torch-cam's ISCAM: 10 samples by default): ScoreCAM
// on the masks scaled by c_s = Σ_{i=1..s} i/samples for s = 1…samples
// (torch-cam's cumulative coefficient: 0.1, 0.3, 0.6, … for 10 samples),
// the scores averaged, then the softmax over channels. With one sample
// c_1 = 1 and the weights are ScoreCAM's. It has no noise.
func ISCAMWeights(masks Maps, samples int, scores MaskScoresFunc) ([]float32, error) {
	if err := checkNoise(masks, masks, samples, 0); err != nil {
		return nil, err
	}
	scaled := Maps{C: masks.C, H: masks.H, W: masks.W, Data: make([]float32, len(masks.Data))}
	var coeff float32
	return meanScores(masks.C, samples, func(s int) ([]float32, error) {
		coeff += float32(s+1) / float32(samples)
		for i, v := range masks.Data {
			scaled.Data[i] = coeff * v
		}
		return scores(scaled)
	})
}

// meanScores averages samples score vectors of c channels and returns
// their softmax.
func meanScores(c, samples int, sample func(s int) ([]float32, error)) ([]float32, error) {
	acc := make([]float64, c)
	for s := range samples {
		got, err := sample(s)
		if err != nil {
			return nil, fmt.Errorf("cam: sample %d: %w", s, err)
		}
		if len(got) != c {
			return nil, fmt.Errorf("cam: sample %d: %d scores for %d masks", s, len(got), c)
		}
		for k, v := range got {
			acc[k] += float64(v) / float64(samples)
		}
	}
	mean := toFloat32(acc)
	w := make([]float32, c)
	softmax(w, mean)
	return w, nil
}

func checkNoise(a, x Maps, samples int, sigma float64) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("cam: input: %w", err)
	}
	if samples < 1 {
		return fmt.Errorf("cam: %d samples: need at least 1", samples)
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return fmt.Errorf("cam: noise sigma %v: need a finite value ≥ 0", sigma)
	}
	return nil
}

// ScoreMasks returns ScoreCAM's masks for activations a and a w×h input:
// each channel upsampled bilinearly with align_corners=True and min-maxed,
// (A_k − min)/(max − min + 1e-8), exactly as ScoreWeights forms them.
func ScoreMasks(a Maps, w, h int) (Maps, error) {
	if err := a.Validate(); err != nil {
		return Maps{}, err
	}
	if w <= 0 || h <= 0 {
		return Maps{}, fmt.Errorf("cam: invalid mask size %d×%d", w, h)
	}
	up := newUpsampler(a.W, a.H, w, h)
	out := Maps{C: a.C, H: h, W: w, Data: make([]float32, a.C*w*h)}
	for k := range a.C {
		up.mask(out.Channel(k), a.Channel(k))
	}
	return out, nil
}

// ssCAM is SS-CAM at p.Layer (SSCAMWeights over ScoreMasks).
func ssCAM(ctx context.Context, src Source, p Params) (Result, error) {
	return maskedCAM(ctx, src, p, func(masks Maps, scores MaskScoresFunc) ([]float32, error) {
		return SSCAMWeights(masks, int(p.Options["samples"]), p.Options["sigma"], uint64(p.Options["seed"]), scores)
	})
}

// isCAM is IS-CAM at p.Layer (ISCAMWeights over ScoreMasks).
func isCAM(ctx context.Context, src Source, p Params) (Result, error) {
	return maskedCAM(ctx, src, p, func(masks Maps, scores MaskScoresFunc) ([]float32, error) {
		return ISCAMWeights(masks, int(p.Options["samples"]), scores)
	})
}

// maskedCAM weights the layer's channels by weights over its ScoreMasks,
// scored by masked-input passes in batches of the batch option; progress
// counts masked images over all samples.
func maskedCAM(ctx context.Context, src Source, p Params,
	weights func(Maps, MaskScoresFunc) ([]float32, error)) (Result, error) {
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	x := src.Input()
	masks, err := ScoreMasks(a, x.W, x.H)
	if err != nil {
		return Result{}, err
	}
	batch := max(int(p.Options["batch"]), 1)
	total := a.C * max(int(p.Options["samples"]), 1)
	done := 0
	scores := func(m Maps) ([]float32, error) {
		s, err := MaskScores(ctx, x, m, p.Class, batch, src.Forward())
		if done += m.C; err == nil && p.Progress != nil {
			p.Progress(done, total, nil)
		}
		return s, err
	}
	w, err := weights(masks, scores)
	if err != nil {
		return Result{}, err
	}
	out, err := WeightedSum(a, w)
	return Result{Map: out, Layer: p.Layer}, err
}

// MaskScores is the class's logit of the network (forward) on x⊙mask_k
// for each mask of masks (K×H×W at x's resolution), batch masked inputs
// per pass, ctx checked before each: a MaskScoresFunc over the network.
// All-zero masks (dead channels) all make the same black input, which is
// run once, with the first of them.
func MaskScores(ctx context.Context, x, masks Maps, class, batch int, forward BatchFunc) ([]float32, error) {
	if masks.H != x.H || masks.W != x.W {
		return nil, fmt.Errorf("cam: %d×%d masks for a %d×%d input", masks.W, masks.H, x.W, x.H)
	}
	var run, zero []int // masks to run; the all-zero ones after the first
	for k := range masks.C {
		if !allZero(masks.Channel(k)) {
			run = append(run, k)
		} else if zero = append(zero, k); len(zero) == 1 {
			run = append(run, k)
		}
	}
	plane := x.H * x.W
	size := x.C * plane
	buf := make([]float32, min(batch, len(run))*size)
	out := make([]float32, masks.C)
	for k0 := 0; k0 < len(run); k0 += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, len(run)-k0)
		for i, k := range run[k0 : k0+n] {
			m := masks.Channel(k)
			for c := range x.C {
				xc, dst := x.Data[c*plane:(c+1)*plane], buf[i*size+c*plane:i*size+(c+1)*plane]
				for q, v := range m {
					dst[q] = xc[q] * v
				}
			}
		}
		logits, err := forward(ctx, buf[:n*size], n)
		if err != nil {
			return nil, err
		}
		classes := len(logits) / n
		if class < 0 || class >= classes {
			return nil, fmt.Errorf("cam: class %d is out of range: %d logits", class, classes)
		}
		for i, k := range run[k0 : k0+n] {
			out[k] = logits[i*classes+class]
		}
	}
	for _, k := range zero {
		out[k] = out[zero[0]]
	}
	return out, nil
}

// smoothGradCAMpp is torch-cam's SmoothGradCAMpp: the target's gradients
// at the layer for samples noisy copies of the input (options samples,
// sigma, seed), through SmoothGradPlusPlusWeights.
func smoothGradCAMpp(ctx context.Context, src Source, p Params) (Result, error) {
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	grads := func(x Maps) (Maps, error) {
		s, err := src.With(ctx, x)
		if err != nil {
			return Maps{}, err
		}
		defer closeWith(s)
		g, err := TargetGradients(ctx, s, p.Layer, p)
		// the gradient outlives the source's pass: copy it out of the arena
		return Maps{C: g.C, H: g.H, W: g.W, Data: append([]float32(nil), g.Data...)}, err
	}
	samples, sigma := p.Options["samples"], p.Options["sigma"]
	if samples < 1 || samples != math.Trunc(samples) || samples > 1000 {
		return Result{}, fmt.Errorf("cam: samples %g is not a whole number in 1…1000", samples)
	}
	seed := p.Options["seed"]
	if seed < 0 || seed != math.Trunc(seed) {
		return Result{}, fmt.Errorf("cam: seed %g is not a whole number ≥ 0", seed)
	}
	w, err := SmoothGradPlusPlusWeights(a, src.Input(), int(samples), sigma, uint64(seed), grads)
	if err != nil {
		return Result{}, err
	}
	m, err := WeightedSum(a, w)
	return Result{Map: m, Layer: p.Layer}, err
}

// allZero reports whether every value of s is 0 (a dead channel's mask).
func allZero(s []float32) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}
