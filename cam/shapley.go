package cam

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
