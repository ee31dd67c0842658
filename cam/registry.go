package cam

import "fmt"

// Needs says what a method requires from the network.
type Needs uint8

const (
	// NeedsActivations: the layer's activations A (every method).
	NeedsActivations Needs = 1 << iota
	// NeedsGradients: dlogit/dA for the target class (one backward pass).
	NeedsGradients
	// NeedsTailPasses: one forward pass from the layer to the logits per
	// channel, on ablated activations (AblationCAM).
	NeedsTailPasses
	// NeedsInputPasses: one full forward pass per channel, on the input
	// masked by that channel's upsampled activation (ScoreCAM).
	NeedsInputPasses
	// NeedsImage: only the input picture, no network (SobelCAM).
	NeedsImage
)

// Has reports whether n includes all of x.
func (n Needs) Has(x Needs) bool { return n&x == x }

// MethodInfo describes one CAM method.
type MethodInfo struct {
	// Name is the public identifier used on the command line.
	Name string
	// Display is a human-readable name for menus and captions.
	Display string
	// Description is one sentence on what the weights are.
	Description string
	// Needs lists what the method requires from the network.
	Needs Needs
	// Reference is the pytorch-grad-cam class computing the same map; the
	// golden files are named after it.
	Reference string
}

// methods is the registry, in menu order. It is a constant table: Methods
// and Lookup hand out copies.
var methods = [...]MethodInfo{
	{"gradcam", "Grad-CAM", "Channels weighted by their mean gradient.",
		NeedsActivations | NeedsGradients, "GradCAM"},
	{"hirescam", "HiResCAM", "Sum over channels of gradient × activation, pixel by pixel.",
		NeedsActivations | NeedsGradients, "HiResCAM"},
	{"gradcam-elementwise", "Grad-CAM element-wise", "Sum over channels of ReLU(gradient × activation).",
		NeedsActivations | NeedsGradients, "GradCAMElementWise"},
	{"gradcam++", "Grad-CAM++", "Channels weighted by positive gradients, scaled by second/third-order terms.",
		NeedsActivations | NeedsGradients, "GradCAMPlusPlus"},
	{"xgradcam", "XGrad-CAM", "Channels weighted by gradient × activation normalised by the channel's activation sum.",
		NeedsActivations | NeedsGradients, "XGradCAM"},
	{"layercam", "LayerCAM", "Sum over channels of ReLU(gradient) × activation, pixel by pixel.",
		NeedsActivations | NeedsGradients, "LayerCAM"},
	{"eigencam", "Eigen-CAM", "Projection of the centred activations on their first principal component (class-agnostic).",
		NeedsActivations, "EigenCAM"},
	{"eigengradcam", "Eigen-Grad-CAM", "Projection of centred gradient × activation on its first principal component.",
		NeedsActivations | NeedsGradients, "EigenGradCAM"},
	{"fem", "FEM", "Channels weighted by the share of their pixels above mean + 2σ (class-agnostic).",
		NeedsActivations, "FEM"},
	{"ablationcam", "Ablation-CAM", "Channels weighted by the relative logit drop when the channel is zeroed.",
		NeedsActivations | NeedsTailPasses, "AblationCAM"},
	{"scorecam", "Score-CAM", "Channels weighted by the softmax of the logits of the input masked by each channel.",
		NeedsActivations | NeedsInputPasses, "ScoreCAM"},
	{"sobelcam", "Sobel edges", "The picture's edges (OpenCV's Sobel); ignores the model: the control of a sanity check.",
		NeedsImage, "sobel_cam"},
}

// Methods returns every method, in menu order.
func Methods() []MethodInfo {
	out := make([]MethodInfo, len(methods))
	copy(out, methods[:])
	return out
}

// Lookup returns the method called name.
func Lookup(name string) (MethodInfo, bool) {
	for _, m := range methods {
		if m.Name == name {
			return m, true
		}
	}
	return MethodInfo{}, false
}

// mapFunc writes a method's layer-resolution map (before ReLU) into dst,
// which has H×W values. Inputs are already validated.
type mapFunc func(dst []float32, a, g Maps) error

// mapFuncFor returns the implementation of a method that needs no network.
func mapFuncFor(name string) (mapFunc, bool) {
	switch name {
	case "gradcam":
		return gradCAM, true
	case "hirescam":
		return hiResCAM, true
	case "gradcam-elementwise":
		return gradCAMElementWise, true
	case "gradcam++":
		return gradCAMPlusPlus, true
	case "xgradcam":
		return xGradCAM, true
	case "layercam":
		return layerCAM, true
	case "eigencam":
		return eigenCAM, true
	case "eigengradcam":
		return eigenGradCAM, true
	case "fem":
		return fem, true
	}
	return nil, false
}

// LayerMap computes method's map at the layer's resolution, before the ReLU
// of post-processing. g may be the zero Maps for methods that do not need
// gradients. Methods that need the network return ErrNeedsNetwork.
func LayerMap(method string, a, g Maps) (Map, error) {
	info, ok := Lookup(method)
	if !ok {
		return Map{}, fmt.Errorf("cam: unknown method %q", method)
	}
	f, ok := mapFuncFor(method)
	if !ok {
		return Map{}, fmt.Errorf("%w: %s", ErrNeedsNetwork, method)
	}
	if err := a.Validate(); err != nil {
		return Map{}, err
	}
	if info.Needs.Has(NeedsGradients) {
		if err := g.Validate(); err != nil {
			return Map{}, fmt.Errorf("cam: %s needs gradients: %w", method, err)
		}
		if err := sameShape(a, g); err != nil {
			return Map{}, err
		}
	}
	m := NewMap(a.W, a.H)
	if err := f(m.Data, a, g); err != nil {
		return Map{}, err
	}
	return m, nil
}
