package cam

import (
	"context"
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

// Method is one CAM method: its description, options and computation.
// Adding a method is adding one value to the registry (and its tests).
type Method struct {
	MethodInfo
	// Options are the method's own settings (see Option); AllOptions adds
	// the generic ones that apply to it.
	Options []Option
	// One of layer, product or network computes the layer map (before
	// ReLU): layer and product from the layer's activations (and
	// gradients) alone, network with passes through the network.
	layer mapFunc
	// product is the per-pixel, per-channel tensor whose channel sum is
	// the map (w⊙A for a channel-weighting method, G⊙A for HiResCAM, …):
	// -eigen-smooth projects it on its first principal component instead.
	// A method with only a product has the channel sum as its map.
	product productFunc
	network computeFunc
	// fuses: network reads Params.Layers itself (RefineCAM), so Compute
	// does not fuse several layers' maps.
	fuses bool
	// hwc: the result is an image (Result.HWC), not only a map.
	hwc bool
	// ownSeed: the method makes its own gradient seed (FinerCAM), so it
	// takes no -target.
	ownSeed bool
}

// mapFunc writes a method's layer-resolution map (before ReLU) into dst,
// which has H×W values. Inputs are already validated.
type mapFunc func(dst []float32, a, g Maps) error

// productFunc returns a method's product tensor (see Method.product) for
// the layer's activations and gradients and the method's options in p.
type productFunc func(a, g Maps, p Params) (Maps, error)

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
		NeedsActivations | NeedsGradients, "GradCAM", false, false}, layer: gradCAM, product: gradCAMProduct},
	{MethodInfo: MethodInfo{"hirescam", "HiResCAM", "Sum over channels of gradient × activation, pixel by pixel.",
		NeedsActivations | NeedsGradients, "HiResCAM", false, false}, layer: hiResCAM, product: hiResProduct},
	{MethodInfo: MethodInfo{"gradcam-elementwise", "Grad-CAM element-wise", "Sum over channels of ReLU(gradient × activation).",
		NeedsActivations | NeedsGradients, "GradCAMElementWise", false, false}, layer: gradCAMElementWise, product: elementWiseProduct},
	{MethodInfo: MethodInfo{"gradcam++", "Grad-CAM++", "Channels weighted by positive gradients, scaled by second/third-order terms.",
		NeedsActivations | NeedsGradients, "GradCAMPlusPlus", false, false}, layer: gradCAMPlusPlus, product: gradCAMPlusPlusProduct},
	{MethodInfo: MethodInfo{"xgradcam", "XGrad-CAM", "Channels weighted by gradient × activation normalised by the channel's activation sum.",
		NeedsActivations | NeedsGradients, "XGradCAM", false, false}, layer: xGradCAM, product: xGradCAMProduct},
	{MethodInfo: MethodInfo{"layercam", "LayerCAM", "Sum over channels of ReLU(gradient) × activation, pixel by pixel.",
		NeedsActivations | NeedsGradients, "LayerCAM", false, false}, layer: layerCAM, product: layerCAMProduct},
	{MethodInfo: MethodInfo{"eigencam", "Eigen-CAM", "Projection of the centred activations on their first principal component (class-agnostic).",
		NeedsActivations, "EigenCAM", false, false}, layer: eigenCAM},
	{MethodInfo: MethodInfo{"eigengradcam", "Eigen-Grad-CAM", "Projection of centred gradient × activation on its first principal component.",
		NeedsActivations | NeedsGradients, "EigenGradCAM", false, false}, layer: eigenGradCAM},
	{MethodInfo: MethodInfo{"kpcacam", "KPCA-CAM", "First kernel principal component (sigmoid kernel, γ = 1/channels) of the activations (class-agnostic).",
		NeedsActivations, "KPCA_CAM", false, false}, layer: kpcaCAM},
	{MethodInfo: MethodInfo{"segeigencam", "Seg-Eigen-CAM", "First principal component of |gradient| × activation, the stronger extreme made positive.",
		NeedsActivations | NeedsGradients, "SegEigenCAM", false, false}, layer: segEigenCAM},
	{MethodInfo: MethodInfo{"fem", "FEM", "Channels weighted by the share of their pixels above mean + 2σ (class-agnostic).",
		NeedsActivations, "FEM", false, false}, layer: fem, product: femProduct},
	{MethodInfo: MethodInfo{"randomcam", "Random-CAM", "Channels weighted by seeded uniform random numbers in [−1, 1): the baseline a method must beat.",
		NeedsActivations, "RandomCAM", false, false},
		Options: []Option{{Name: "seed", Kind: KindInt, Help: "random generator seed"}},
		product: randomProduct},
	{MethodInfo: MethodInfo{"refinecam", "Refine-CAM", "The product of a base method's final maps at several layers (-layer A,B,…), min-maxed: what every layer marks.",
		NeedsActivations | NeedsGradients, "RefineCAM", false, false},
		Options: []Option{{Name: "refine-base", Kind: KindChoice, Text: "gradcam++", param: inBase,
			Help: "the method whose per-layer maps are multiplied"}},
		network: refineCAM, fuses: true},
	{MethodInfo: MethodInfo{"ablationcam", "Ablation-CAM", "Channels weighted by the relative logit drop when the channel is zeroed.",
		NeedsActivations | NeedsTailPasses, "AblationCAM", true, false},
		Options: []Option{{Name: "batch", Kind: KindInt, Help: "channels ablated per tail pass (0: 128 where zeroing, else the reference's 32)"}},
		network: ablationCAM},
	{MethodInfo: MethodInfo{"scorecam", "Score-CAM", "Channels weighted by the softmax of the logits of the input masked by each channel.",
		NeedsActivations | NeedsInputPasses, "ScoreCAM", true, false},
		Options: []Option{scoreBatchOption},
		network: scoreCAM},
	{MethodInfo: MethodInfo{"faster-scorecam", "Faster-Score-CAM", "Score-CAM over only the channels of largest activation variance (tf-keras-vis).",
		NeedsActivations | NeedsInputPasses, "", true, false},
		Options: []Option{{Name: "max-channels", Default: DefaultMaxChannels, Kind: KindInt, Help: "how many channels to score, largest variance first"}, scoreBatchOption},
		network: fasterScoreCAM},
	{MethodInfo: MethodInfo{"sscam", "SS-CAM", "Score-CAM with Gaussian noise on the masks, scores averaged over samples (torch-cam).",
		NeedsActivations | NeedsInputPasses, "", true, false},
		Options: []Option{{Name: "samples", Default: 35, Kind: KindInt, Help: "noisy samples per channel"},
			{Name: "sigma", Default: 2, Help: "standard deviation of the noise on the masks"},
			{Name: "seed", Kind: KindInt, Help: "noise generator seed"}, batchOption},
		network: ssCAM},
	{MethodInfo: MethodInfo{"iscam", "IS-CAM", "Score-CAM on masks scaled by growing coefficients, scores averaged (torch-cam; no noise).",
		NeedsActivations | NeedsInputPasses, "", true, false},
		Options: []Option{{Name: "samples", Default: 10, Kind: KindInt, Help: "integration steps per channel"}, batchOption},
		network: isCAM},
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
		Options: []Option{{Name: "finer-alpha", Default: 1, Help: "how strongly the compared classes are subtracted"}, compareOption},
		network: finerCAM, ownSeed: true},
	{MethodInfo: MethodInfo{"smoothgradcam++", "Smooth Grad-CAM++",
		"Grad-CAM++ with gradients averaged over noisy copies of the input (torch-cam's SmoothGradCAMpp).",
		NeedsActivations | NeedsGradients, "torchcam.SmoothGradCAMpp", true, false},
		Options: []Option{{Name: "samples", Default: 4, Kind: KindInt, Help: "noisy inputs"},
			{Name: "sigma", Default: 0.3, Help: "noise standard deviation (normalised input units)"},
			{Name: "seed", Kind: KindInt, Help: "noise seed"}},
		network: smoothGradCAMpp},
	{MethodInfo: MethodInfo{"sobelcam", "Sobel edges",
		"The picture's edges (OpenCV's Sobel); ignores the model: the control of a sanity check.",
		NeedsImage, "sobel_cam", false, true},
		network: sobelCAM},
	// One forward pass at 4× the pixels: slow.
	{MethodInfo: MethodInfo{FCConv, "FC→conv dense scores",
		"The fully-connected layers re-read as convolutions over an upscaled image's features: a dense map of the class score.",
		NeedsFCHead, "", true, true},
		Options: []Option{{Name: "fcscale", Default: 2, Help: "how much to upscale the input (1–8)"}},
		network: fcConv},
	{MethodInfo: MethodInfo{OriginalCAM, "CAM (original)",
		"Σ w_k A_k with the final linear layer's weights, for global-average-pool → linear heads.",
		NeedsLinearHead, "", false, true},
		network: originalCAM},
}

// batchOption is the masked-input methods' batch size.
var batchOption = Option{Name: "batch", Default: 4, Kind: KindInt, Help: "masked images per forward pass"}

// scoreBatchOption is Score-CAM's (and Faster-Score-CAM's, which reuses
// its runs) batch size; 0 takes the model's (MaskBatcher).
var scoreBatchOption = Option{Name: "batch", Kind: KindInt, Help: "masked images per forward pass (0: the model's, 4 for VGG16, 1 for small heads)"}

// RefineCAM's base can be any method computed at one layer from its
// activations and gradients.
func init() {
	findBase = Find
	var local []string
	for _, m := range registry {
		if m.local() {
			local = append(local, m.Name)
		}
	}
	for i := range registry {
		for j, o := range registry[i].Options {
			if o.param == inBase {
				registry[i].Options[j].Choices = local
			}
		}
	}
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

// Option returns the value of the method's numeric option called name in
// p, or its default when p does not set it.
func (m Method) Option(p Params, name string) float64 {
	if v, ok := p.Options[name]; ok {
		return v
	}
	for _, o := range m.AllOptions() {
		if o.Name == name {
			return o.Default
		}
	}
	return 0
}

// local reports whether the method computes its map from one layer's
// activations (and gradients) alone, so that LayerMap can run it.
func (m Method) local() bool { return m.network == nil }

// Local reports whether LayerMap can compute the method: its map needs
// only one layer's activations (and gradients), no pass through the
// network.
func (m Method) Local() bool { return m.local() }
