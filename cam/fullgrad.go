package cam

import (
	"context"
	"fmt"
	"math"
)

// FullGradMap returns FullGrad's final w×h map (Srinivas & Fleuret,
// arXiv:1905.00780, as pytorch-grad-cam's fullgrad_cam.py computes it).
// FullGrad ignores the chosen layer: it sums, over the input and over
// every layer with a bias (each Conv; a BatchNorm counts with its folded
// bias β − μ·γ/√(σ²+ε)),
//
//	input part:  |x ⊙ ∂y/∂x|, channel by channel
//	bias part l: |b_l,k · ∂y/∂z_l,k| for each channel k of the layer's
//	             output z_l (before its ReLU)
//
// each channel min-maxed on its own ((v − min)/(1e-7 + max − min)) and
// resized to w×h (OpenCV bilinear, as Postprocess), then min-maxes the sum
// (no ReLU: every term is ≥ 0). x and xGrad are the network input and the
// target's gradient there; biases[l] and biasGrads[l] a bias layer's bias
// vector and the target's gradient at its output. NaN and ±Inf count as 0.
func FullGradMap(x, xGrad Maps, biases [][]float32, biasGrads []Maps, w, h int) (Map, error) {
	if err := checkAG(x, xGrad); err != nil {
		return Map{}, fmt.Errorf("cam: fullgrad input: %w", err)
	}
	if len(biases) != len(biasGrads) {
		return Map{}, fmt.Errorf("cam: fullgrad: %d bias vectors for %d bias gradients", len(biases), len(biasGrads))
	}
	acc := make([]float64, w*h)
	err := addScaledChannels(acc, w, h, x.C, x.H, x.W, func(k int, dst []float32) {
		xk, gk := x.Channel(k), xGrad.Channel(k)
		for p := range dst {
			dst[p] = abs32(xk[p] * gk[p])
		}
	})
	if err != nil {
		return Map{}, err
	}
	for l, g := range biasGrads {
		if err := g.Validate(); err != nil {
			return Map{}, fmt.Errorf("cam: fullgrad bias layer %d: %w", l, err)
		}
		b := biases[l]
		if len(b) != g.C {
			return Map{}, fmt.Errorf("cam: fullgrad bias layer %d: %d biases for %d channels", l, len(b), g.C)
		}
		err := addScaledChannels(acc, w, h, g.C, g.H, g.W, func(k int, dst []float32) {
			for p, v := range g.Channel(k) {
				dst[p] = abs32(b[k] * v)
			}
		})
		if err != nil {
			return Map{}, err
		}
	}
	out := NewMap(w, h)
	for p, v := range acc {
		out.Data[p] = float32(v)
	}
	minMax(out.Data)
	return out, nil
}

// addScaledChannels adds to acc (w×h) the c channels of size cw×ch that
// fill writes, each sanitised, min-maxed and resized
// (pytorch-grad-cam's scale_accross_batch_and_channels).
func addScaledChannels(acc []float64, w, h, c, ch, cw int, fill func(k int, dst []float32)) error {
	r, err := NewResizer(cw, ch, w, h)
	if err != nil {
		return err
	}
	src := make([]float32, ch*cw)
	dst := make([]float32, w*h)
	for k := range c {
		fill(k, src)
		for i, v := range src {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				src[i] = 0
			}
		}
		minMax(src)
		r.Resize(dst, src)
		for p, v := range dst {
			acc[p] += float64(v)
		}
	}
	return nil
}

// fullGrad reads the target's input gradient and every bias layer's term
// (FullGradMap); the chosen layer is ignored, as in the reference. The
// map is final: min-maxed at the input's size.
func fullGrad(ctx context.Context, src Source, p Params) (Result, error) {
	seed, err := SeedFor(src, p)
	if err != nil {
		return Result{}, err
	}
	x := src.Input()
	// The bias terms first: an engine whose bias pass ends at the input
	// may answer the input gradient from it.
	terms, err := src.BiasGradients(ctx, seed)
	if err != nil {
		return Result{}, fmt.Errorf("cam: fullgrad: %w", err)
	}
	gx, err := src.InputGradients(ctx, seed, false)
	if err != nil {
		return Result{}, fmt.Errorf("cam: fullgrad: %w", err)
	}
	biases := make([][]float32, len(terms))
	grads := make([]Maps, len(terms))
	for i, t := range terms {
		biases[i], grads[i] = t.Bias, t.Grad
	}
	m, err := FullGradMap(x, gx, biases, grads, x.W, x.H)
	return Result{Map: m, Layer: "input and every bias layer", Final: true}, err
}
