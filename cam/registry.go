package cam

import (
	"context"
	"fmt"
)

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
	// NeedsFCHead: fully-connected layers that read as convolutions over
	// the last features (VGG's fc6–fc8).
	NeedsFCHead
	// NeedsLinearHead: a global-average-pool → linear head.
	NeedsLinearHead
	// NeedsImage: only the input picture, no network (SobelCAM).
	NeedsImage
	// NeedsInputGradients: the target's gradient continued to the input
	// (guided or not) and kept at every bias layer (FullGrad, Guided
	// Backprop).
	NeedsInputGradients
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
	// golden files are named after it. Empty for camviz's own methods.
	Reference string
	// Slow methods run many forward passes: show progress, allow cancel.
	Slow bool
	// FixedLayer: the method reads a layer set by the head, not the
	// chosen one.
	FixedLayer bool
}

// Option is a method's numeric setting and its default.
type Option struct {
	Name    string  `json:"name"` // the command line's flag and the JSON key
	Default float64 `json:"default"`
	Help    string  `json:"help"`
}

// Method is one CAM method: its description, options and computation.
// Adding a method is adding one value to the registry (and its tests).
type Method struct {
	MethodInfo
	Options []Option
	// Exactly one of these computes the layer map (before ReLU): layer
	// from the layer's activations (and gradients) alone, network with
	// passes through the network.
	layer   mapFunc
	network computeFunc
	// hwc: the result is an image (Result.HWC), not only a map.
	hwc bool
}

// mapFunc writes a method's layer-resolution map (before ReLU) into dst,
// which has H×W values. Inputs are already validated.
type mapFunc func(dst []float32, a, g Maps) error

// computeFunc computes a method's map from a network.
type computeFunc func(ctx context.Context, src Source, p Params) (Result, error)

// Fixed names of camviz's own methods, for callers that must tell them
// apart (tests, the fcconv-only option).
const (
	FCConv      = "fcconv"
	OriginalCAM = "cam"
)

// DefaultMethod is the method a window or command starts with.
const DefaultMethod = "gradcam"

// registry is every method, in menu order. It is a constant table:
// All, Methods and Lookup hand out copies.
var registry = [...]Method{
	{MethodInfo: MethodInfo{"gradcam", "Grad-CAM", "Channels weighted by their mean gradient.",
		NeedsActivations | NeedsGradients, "GradCAM", false, false}, layer: gradCAM},
	{MethodInfo: MethodInfo{"hirescam", "HiResCAM", "Sum over channels of gradient × activation, pixel by pixel.",
		NeedsActivations | NeedsGradients, "HiResCAM", false, false}, layer: hiResCAM},
	{MethodInfo: MethodInfo{"gradcam-elementwise", "Grad-CAM element-wise", "Sum over channels of ReLU(gradient × activation).",
		NeedsActivations | NeedsGradients, "GradCAMElementWise", false, false}, layer: gradCAMElementWise},
	{MethodInfo: MethodInfo{"gradcam++", "Grad-CAM++", "Channels weighted by positive gradients, scaled by second/third-order terms.",
		NeedsActivations | NeedsGradients, "GradCAMPlusPlus", false, false}, layer: gradCAMPlusPlus},
	{MethodInfo: MethodInfo{"xgradcam", "XGrad-CAM", "Channels weighted by gradient × activation normalised by the channel's activation sum.",
		NeedsActivations | NeedsGradients, "XGradCAM", false, false}, layer: xGradCAM},
	{MethodInfo: MethodInfo{"layercam", "LayerCAM", "Sum over channels of ReLU(gradient) × activation, pixel by pixel.",
		NeedsActivations | NeedsGradients, "LayerCAM", false, false}, layer: layerCAM},
	{MethodInfo: MethodInfo{"eigencam", "Eigen-CAM", "Projection of the centred activations on their first principal component (class-agnostic).",
		NeedsActivations, "EigenCAM", false, false}, layer: eigenCAM},
	{MethodInfo: MethodInfo{"eigengradcam", "Eigen-Grad-CAM", "Projection of centred gradient × activation on its first principal component.",
		NeedsActivations | NeedsGradients, "EigenGradCAM", false, false}, layer: eigenGradCAM},
	{MethodInfo: MethodInfo{"fem", "FEM", "Channels weighted by the share of their pixels above mean + 2σ (class-agnostic).",
		NeedsActivations, "FEM", false, false}, layer: fem},
	{MethodInfo: MethodInfo{"ablationcam", "Ablation-CAM", "Channels weighted by the relative logit drop when the channel is zeroed.",
		NeedsActivations | NeedsTailPasses, "AblationCAM", true, false},
		Options: []Option{{"batch", 0, "channels ablated per tail pass (0: 128 where zeroing, else the reference's 32)"}},
		network: ablationCAM},
	{MethodInfo: MethodInfo{"scorecam", "Score-CAM", "Channels weighted by the softmax of the logits of the input masked by each channel.",
		NeedsActivations | NeedsInputPasses, "ScoreCAM", true, false},
		Options: []Option{{"batch", 4, "masked images per forward pass"}},
		network: scoreCAM},
	{MethodInfo: MethodInfo{"shapleycam", "ShapleyCAM",
		"Channels weighted by the mean of gradient − ½·Hessian × activations (Grad-CAM where the tail is piecewise linear).",
		NeedsActivations | NeedsGradients, "ShapleyCAM", false, false}, network: shapleyCAM},
	{MethodInfo: MethodInfo{"fullgrad", "FullGrad",
		"|input × input gradient| plus |bias × gradient| at every convolution and batch norm, each channel min-maxed, summed.",
		NeedsGradients | NeedsInputGradients, "FullGrad", false, true}, network: fullGrad},
	{MethodInfo: MethodInfo{"guidedbackprop", "Guided Backprop",
		"The input gradient with only positive gradients let back through every ReLU: an RGB image (the overlay shows its magnitude).",
		NeedsGradients | NeedsInputGradients, "GuidedBackpropReLUModel", false, true}, network: guidedBackprop, hwc: true},
	{MethodInfo: MethodInfo{"guided-gradcam", "Guided Grad-CAM",
		"Grad-CAM's final map times the guided backprop image (pytorch-grad-cam's cam.py).",
		NeedsActivations | NeedsGradients | NeedsInputGradients, "GuidedGradCAM", false, false}, network: guidedGradCAM, hwc: true},
	{MethodInfo: MethodInfo{"finercam", "Finer-CAM",
		"Grad-CAM of the class's logit minus its nearest rivals' (weighted by their probabilities): what tells it apart.",
		NeedsActivations | NeedsGradients, "FinerCAM", false, false},
		Options: []Option{{"finer-alpha", 1, "how strongly the compared classes are subtracted"}},
		network: finerCAM},
	{MethodInfo: MethodInfo{"smoothgradcam++", "Smooth Grad-CAM++",
		"Grad-CAM++ with gradients averaged over noisy copies of the input (torch-cam's SmoothGradCAMpp).",
		NeedsActivations | NeedsGradients, "torchcam.SmoothGradCAMpp", true, false},
		Options: []Option{{"samples", 4, "noisy inputs"}, {"sigma", 0.3, "noise standard deviation (normalised input units)"},
			{"seed", 0, "noise seed"}},
		network: smoothGradCAMpp},
	{MethodInfo: MethodInfo{"sobelcam", "Sobel edges",
		"The picture's edges (OpenCV's Sobel); ignores the model: the control of a sanity check.",
		NeedsImage, "sobel_cam", false, true},
		network: sobelCAM},
	// One forward pass at 4× the pixels: slow.
	{MethodInfo: MethodInfo{FCConv, "FC→conv dense scores",
		"The fully-connected layers re-read as convolutions over an upscaled image's features: a dense map of the class score.",
		NeedsFCHead, "", true, true},
		Options: []Option{{"fcscale", 2, "how much to upscale the input (1–8)"}},
		network: fcConv},
	{MethodInfo: MethodInfo{OriginalCAM, "CAM (original)",
		"Σ w_k A_k with the final linear layer's weights, for global-average-pool → linear heads.",
		NeedsLinearHead, "", false, true},
		network: originalCAM},
}

// All returns every method, in menu order.
func All() []Method {
	out := make([]Method, len(registry))
	copy(out, registry[:])
	return out
}

// Find returns the method called name.
func Find(name string) (Method, bool) {
	for _, m := range registry {
		if m.Name == name {
			return m, true
		}
	}
	return Method{}, false
}

// Methods describes the methods pytorch-grad-cam also has (those with a
// Reference), in menu order.
func Methods() []MethodInfo {
	var out []MethodInfo
	for _, m := range registry {
		if m.Reference != "" {
			out = append(out, m.MethodInfo)
		}
	}
	return out
}

// Lookup describes the method called name.
func Lookup(name string) (MethodInfo, bool) {
	m, ok := Find(name)
	return m.MethodInfo, ok
}

// AugSmoothOption is the generic option -aug-smooth: 1 averages the
// method's final maps over pytorch-grad-cam's six test-time augmentations
// (AugSmooth); 0, the default, does not.
const AugSmoothOption = "aug-smooth"

// GenericOptions are the options every method that takes them shares (see
// TakesAugSmooth), beside its own Options.
var GenericOptions = []Option{
	{AugSmoothOption, 0, "1: mean of the final maps over horizontal flip × brightness 0.9/1/1.1"},
}

// TakesAugSmooth reports whether the method can average over augmented
// inputs: every method that maps the network's input, not fcconv (whose
// map covers part of a rescaled input), the picture-only Sobel map, or
// the guided images.
func (m Method) TakesAugSmooth() bool {
	return !m.Needs.Has(NeedsFCHead) && !m.Needs.Has(NeedsImage) && !m.hwc
}

// TakesTarget reports whether the method explains a gradient target
// (-target logit|prob|rest|neg); FinerCAM has its own.
func (m Method) TakesTarget() bool { return m.Needs.Has(NeedsGradients) && m.Name != "finercam" }

// NeedsNetwork reports whether the method computes through a Source
// rather than from a layer's activations and gradients alone (LayerMap).
func (m Method) NeedsNetwork() bool { return m.network != nil }

// Option returns the value of the method's option called name in p, or
// its default when p does not set it.
func (m Method) Option(p Params, name string) float64 {
	if v, ok := p.Options[name]; ok {
		return v
	}
	for _, o := range append(m.Options, GenericOptions...) {
		if o.Name == name {
			return o.Default
		}
	}
	return 0
}

// Compute computes the method's map for p.Class at p.Layer from src, at
// the layer's resolution, before the ReLU of post-processing.
//
// p.Target changes what a gradient method explains (TakesTarget); the
// option aug-smooth averages final maps over augmented inputs, and the
// result is then final (TakesAugSmooth).
func (m Method) Compute(ctx context.Context, src Source, p Params) (Result, error) {
	if p.Target != "" && p.Target != "logit" && !m.TakesTarget() {
		return Result{}, fmt.Errorf("cam: %s does not take -target %s (only gradient methods explain a target)", m.Name, p.Target)
	}
	if m.Option(p, AugSmoothOption) != 0 {
		return m.augSmooth(ctx, src, p)
	}
	if m.network != nil {
		q := p
		q.Options = map[string]float64{}
		for _, o := range m.Options {
			q.Options[o.Name] = m.Option(p, o.Name)
		}
		return m.network(ctx, src, q)
	}
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	var g Maps
	if m.Needs.Has(NeedsGradients) {
		if g, err = TargetGradients(ctx, src, p.Layer, p); err != nil {
			return Result{}, err
		}
	}
	lm, err := m.fromMaps(a, g)
	return Result{Map: lm, Layer: p.Layer}, err
}

// fromMaps validates a (and g, if needed) and runs the layer function.
func (m Method) fromMaps(a, g Maps) (Map, error) {
	if err := a.Validate(); err != nil {
		return Map{}, err
	}
	if m.Needs.Has(NeedsGradients) {
		if err := g.Validate(); err != nil {
			return Map{}, fmt.Errorf("cam: %s needs gradients: %w", m.Name, err)
		}
		if err := sameShape(a, g); err != nil {
			return Map{}, err
		}
	}
	out := NewMap(a.W, a.H)
	if err := m.layer(out.Data, a, g); err != nil {
		return Map{}, err
	}
	return out, nil
}

// LayerMap computes method's map at the layer's resolution, before the ReLU
// of post-processing. g may be the zero Maps for methods that do not need
// gradients. Methods that need the network return ErrNeedsNetwork.
func LayerMap(method string, a, g Maps) (Map, error) {
	m, ok := Find(method)
	if !ok {
		return Map{}, fmt.Errorf("cam: unknown method %q", method)
	}
	if m.layer == nil {
		return Map{}, fmt.Errorf("%w: %s", ErrNeedsNetwork, method)
	}
	return m.fromMaps(a, g)
}
