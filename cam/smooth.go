package cam

import "fmt"

// Eigen smoothing (pytorch-grad-cam's eigen_smooth=True, base_cam.py
// get_cam_image): a channel-weighting method forms weights⊙A and, instead
// of summing it over channels, projects it on its first principal
// component. The weights are the method's own; GradCAMWeights and
// GradCAMPlusPlusWeights give the two the golden files cover.

// GradCAMWeights returns Grad-CAM's channel weights w_k = mean_p G_k[p].
func GradCAMWeights(g Maps) ([]float32, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	w := make([]float32, g.C)
	for k := range w {
		w[k] = float32(sum64(g.Channel(k)) / float64(g.H*g.W))
	}
	return w, nil
}

// GradCAMPlusPlusWeights returns Grad-CAM++'s channel weights
// w_k = Σ_p α·ReLU(G), α = G²/(2G² + Σ_p A_k·G³ + 1e-6), α = 0 where G = 0
// (the same formula as the gradcam++ layer map).
func GradCAMPlusPlusWeights(a, g Maps) ([]float32, error) {
	if err := checkAG(a, g); err != nil {
		return nil, err
	}
	const eps = 1e-6
	w := make([]float32, a.C)
	for k := range w {
		sumA := sum64(a.Channel(k))
		var s float64
		for _, gv := range g.Channel(k) {
			if gv <= 0 { // α·ReLU(G) vanishes
				continue
			}
			g1 := float64(gv)
			g2 := g1 * g1
			s += g2 / (2*g2 + sumA*g2*g1 + eps) * g1
		}
		w[k] = float32(s)
	}
	return w, nil
}

// Scaled returns weights⊙A: channel k of a multiplied by w[k], each
// product rounded to float32 as numpy forms weighted_activations.
func Scaled(a Maps, w []float32) (Maps, error) {
	if err := a.Validate(); err != nil {
		return Maps{}, err
	}
	if len(w) != a.C {
		return Maps{}, errWeights(len(w), a.C)
	}
	out := Maps{C: a.C, H: a.H, W: a.W, Data: make([]float32, len(a.Data))}
	n := a.H * a.W
	for i, v := range a.Data {
		out.Data[i] = w[i/n] * v
	}
	return out, nil
}

// EigenSmooth returns the eigen-smoothed map of a channel-weighting
// method: Projection(Scaled(a, w)), the centred weights⊙A (pixels ×
// channels) projected on its first right singular vector, in place of
// WeightedSum(a, w). Its sign follows Projection's convention (positive
// correlation with the channel mean of weights⊙A), as for Eigen-CAM.
func EigenSmooth(a Maps, w []float32) (Map, error) {
	s, err := Scaled(a, w)
	if err != nil {
		return Map{}, err
	}
	return Projection(s)
}

// checkAG validates activations and gradients of the same shape.
func checkAG(a, g Maps) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return fmt.Errorf("cam: gradients: %w", err)
	}
	return sameShape(a, g)
}

// gradCAMProduct is Grad-CAM's weights⊙A (Method.product).
func gradCAMProduct(a, g Maps, _ Params) (Maps, error) {
	w, err := GradCAMWeights(g)
	if err != nil {
		return Maps{}, err
	}
	return Scaled(a, w)
}

// gradCAMPlusPlusProduct is Grad-CAM++'s weights⊙A (Method.product).
func gradCAMPlusPlusProduct(a, g Maps, _ Params) (Maps, error) {
	w, err := GradCAMPlusPlusWeights(a, g)
	if err != nil {
		return Maps{}, err
	}
	return Scaled(a, w)
}

// xGradCAMProduct is XGrad-CAM's weights⊙A (Method.product).
func xGradCAMProduct(a, g Maps, _ Params) (Maps, error) {
	if err := checkAG(a, g); err != nil {
		return Maps{}, err
	}
	return Scaled(a, xGradCAMWeights(a, g))
}

// femProduct is FEM's weights⊙A (Method.product).
func femProduct(a, _ Maps, _ Params) (Maps, error) {
	if err := a.Validate(); err != nil {
		return Maps{}, err
	}
	return Scaled(a, femWeights(a))
}
