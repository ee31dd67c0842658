// Package cam computes Class Activation Maps from the activations and
// gradients of one convolutional layer, as pytorch-grad-cam does.
//
// Everything works on plain float32 slices: activations A and gradients G of
// one image are [Maps] in C×H×W order (an engine's [1,C,H,W] tensor can be
// wrapped without copying). The pipeline mirrors pytorch-grad-cam's
// base_cam.py:
//
//  1. a method turns A (and G) into one H×W map at the layer's resolution,
//     before any ReLU: [LayerMap] for the gradient and activation methods,
//     [AblationWeights] or [ScoreWeights] followed by [WeightedSum] for the
//     two methods that need extra forward passes through the network;
//  2. [Postprocess] (or a [Resizer]'s PostprocessTo) applies one shared
//     post-processing: pytorch-grad-cam's ReLU / min-max / resize / min-max in
//     [MinMax] mode, or the signed [Raw] and comparable [Shared] modes.
//
// The package never calls the network itself: AblationCAM and ScoreCAM take
// callbacks ([BatchFunc]) that run it, so cam does not depend on any
// inference engine. Package camtest checks an engine's callbacks against
// the golden pytorch-grad-cam maps of testdata/golden.
package cam
