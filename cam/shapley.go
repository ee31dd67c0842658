package cam

import (
	"context"
	"fmt"
)

// ShapleyWeights returns ShapleyCAM's channel weights (pytorch-grad-cam's
// shapley_cam.py): w_k = mean_p (G − ½·HVP)_k, where HVP = H·A is the
// Hessian of the target with respect to the layer's activations applied
// to the activations themselves, i.e. d(Σ G⊙A)/dA with A held fixed, in
// torch's terms autograd.grad(grads, activations, grad_outputs=activations).
// The map is WeightedSum(a, w). On a network whose activations are
// piecewise linear (ReLU, max-pool) the Hessian is zero almost everywhere,
// HVP = 0 and ShapleyCAM is Grad-CAM; with SiLU, GELU or Sigmoid it is not.
func ShapleyWeights(g, hvp Maps) ([]float32, error) {
	if err := checkAG(g, hvp); err != nil {
		return nil, err
	}
	n := float64(g.H * g.W)
	w := make([]float32, g.C)
	for k := range w {
		hk := hvp.Channel(k)
		var s float64
		for p, v := range g.Channel(k) {
			s += float64(v) - 0.5*float64(hk[p])
		}
		w[k] = float32(s / n)
	}
	return w, nil
}

// shapleyCAM weights the layer by mean(G − ½·H·A) (ShapleyWeights), with
// the engine's exact Hessian-vector product. Only targets linear in the
// logits are taken: for prob and rest the softmax's own second
// derivative would be missing from H·A.
func shapleyCAM(ctx context.Context, src Source, p Params) (Result, error) {
	if !linearTarget(p.Target) {
		return Result{}, fmt.Errorf("cam: shapleycam takes -target logit or neg: the Hessian of %q would need the softmax's second derivative, which is not implemented", p.Target)
	}
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	seed, err := SeedFor(src, p)
	if err != nil {
		return Result{}, err
	}
	g, err := TargetGradients(ctx, src, p.Layer, p)
	if err != nil {
		return Result{}, err
	}
	hvp, err := src.HessianVector(ctx, p.Layer, seed, a)
	if err != nil {
		return Result{}, fmt.Errorf("cam: shapleycam: %w", err)
	}
	w, err := ShapleyWeights(g, hvp)
	if err != nil {
		return Result{}, err
	}
	m, err := WeightedSum(a, w)
	return Result{Map: m, Layer: p.Layer}, err
}
