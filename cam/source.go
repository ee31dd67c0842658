package cam

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// Source is what a method reads from one image's pass through a network.
// Each call may cost a backward or forward pass; implementations cache.
type Source interface {
	// Activations are the layer's activations (batch 1).
	Activations(layer string) (Maps, error)
	// Gradients are d logit[class] / d activations of the layer.
	Gradients(ctx context.Context, layer string, class int) (Maps, error)
	// Score is the class's raw logit for the unmodified input.
	Score(class int) float32
	// Input is the preprocessed network input (C×H×W).
	Input() Maps
	// Forward runs batches of whole inputs (masked-input passes).
	Forward() BatchFunc
	// Tail runs batches of the layer's activations to the logits.
	Tail(layer string) BatchFunc
	// AblationScores is the class's logit with each channel k of the
	// layer set to fills[k] in turn (one per channel), or ErrNoShortcut
	// when only the tail can tell (see
	// inference.Pass.AblationClassScores).
	AblationScores(ctx context.Context, layer string, class int, fills []float32, progress func(done, total int)) ([]float32, error)
	// DenseScores is the class's score map of the fully-connected head
	// read as convolutions over the input upscaled by scale, and the part
	// of the input it covers.
	DenseScores(ctx context.Context, class int, scale float64) (Map, Rect, error)
	// LinearHead is the layer a global-average-pool → linear head reads
	// and the class's weights over its channels.
	LinearHead(class int) (layer string, weights []float32, err error)
	// Picture is the input as the picture the model sees: normalisation
	// undone, 8 bits per channel.
	Picture() *image.NRGBA

	// Logits are every class's raw logit for the unmodified input.
	Logits() []float32
	// SeedGradients are d(Σ_j seed_j·logit_j) / d activations of the
	// layer: the gradient of any target that is linear in the logits at
	// this input (a target's seed is d target/d logits; see Seed).
	SeedGradients(ctx context.Context, layer string, seed []float32) (Maps, error)
	// InputGradients are d(Σ_j seed_j·logit_j) / d input (C×H×W). Guided
	// replaces every ReLU's adjoint by dy·[x > 0]·[dy > 0] (guided
	// backpropagation).
	InputGradients(ctx context.Context, seed []float32, guided bool) (Maps, error)
	// BiasGradients are FullGrad's terms: for every convolution (and every
	// batch normalisation not folded into one) its bias per output channel
	// and d(Σ_j seed_j·logit_j) / d its output.
	BiasGradients(ctx context.Context, seed []float32) ([]BiasTerm, error)
	// HessianVector is d(Σ G⊙V)/dA at the layer, with G = SeedGradients
	// of the layer and V held fixed: the Hessian of the target with
	// respect to the layer's activations times v.
	HessianVector(ctx context.Context, layer string, seed []float32, v Maps) (Maps, error)
	// With is a source for another input of the same shape, already
	// preprocessed (test-time augmentation, noisy inputs).
	With(ctx context.Context, input Maps) (Source, error)
}

// closeWith releases a source that With made, if it can be released (the
// engine's go back to its arena for the next pass).
func closeWith(s Source) {
	if c, ok := s.(interface{ Close() }); ok {
		c.Close()
	}
}

// BiasTerm is one layer's bias and the gradient at that layer's output.
type BiasTerm struct {
	Layer string
	Bias  []float32 // one per output channel
	Grad  Maps      // d target / d output
}

// ErrNotAvailable is returned by a Source that cannot provide a quantity
// (an engine without that derivative, say); methods needing it fail with
// a message that names it.
var ErrNotAvailable = errors.New("not available from this model's engine")

// ErrNoShortcut is returned by Source.AblationScores when the layer's
// channels do not reach the first linear layer through per-channel
// operators only.
var ErrNoShortcut = errors.New("cam: no per-channel path from the layer to a linear layer")

// Params is one map request.
type Params struct {
	Class int
	Layer string
	// Layers, when set, are several layers whose maps are fused (the
	// first is Layer).
	Layers []string
	// Target is what the gradients are of: "" or "logit" (the class's raw
	// logit), "prob", "rest", "neg" (see Targets).
	Target string
	// Compare are FinerCAM's compared ranks (1 = the class ranked just
	// below the target, …); nil takes the method's default.
	Compare []int
	// Base names the method a meta-method builds on (RefineCAM's base);
	// "" takes the method's default.
	Base string
	// Options set the method's numeric and bool (0 or 1) options by name
	// (see Option, Method.Set); the others take their defaults.
	Options map[string]float64
	// Progress, if set, hears from slow methods after each batch; partial
	// is the map so far (at the layer's resolution) where there is one.
	Progress func(done, total int, partial *Map)
}

// Rect is a part of the model's input in [0,1] coordinates; the zero
// value means all of it.
type Rect struct{ X0, Y0, X1, Y1 float64 }

// Result is a method's map at its layer's resolution, before the ReLU and
// normalisation of post-processing.
type Result struct {
	Map Map
	// Layer is the layer the map was read at (a fixed-layer method's own).
	Layer string
	// Extent is the part of the input the map covers.
	Extent Rect
	// Final: Map is already the method's final map at the input's size
	// (FullGrad, several layers fused, RefineCAM, -aug-smooth), as
	// pytorch-grad-cam returns it: min-max post-processing keeps it as is.
	Final bool
	// HWC is the method's image, H×W×C at the input's size, where it
	// gives one (Guided Backprop, Guided Grad-CAM); Map is then its
	// per-pixel magnitude.
	HWC []float32
}

// ablationCAM zeroes each channel: through the shortcut where the model
// allows it, otherwise the tail, batch by batch.
func ablationCAM(ctx context.Context, src Source, p Params) (Result, error) {
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	var progress func(done, total int)
	if p.Progress != nil {
		progress = func(done, total int) { p.Progress(done, total, nil) }
	}
	batch := int(p.Options["batch"])
	if lo, _, _ := Range(a.Data); batch == 0 && lo == 0 {
		// Zeroing a channel does not depend on the batch (the reference's
		// "min − 1e7" oddity only applies when min ≠ 0), so take big
		// batches: the tail is bound by reading fc6's 411 MB once per batch.
		batch = 128
	}
	y := src.Score(p.Class)
	var w []float32
	scores, err := src.AblationScores(ctx, p.Layer, p.Class, AblationFills(a, batch), progress)
	switch {
	case errors.Is(err, ErrNoShortcut):
		w, err = AblationWeights(ctx, a, p.Class, y, batch, src.Tail(p.Layer), progress)
	case err == nil:
		w, err = AblationWeightsFrom(scores, y)
	}
	if err != nil {
		return Result{}, err
	}
	m, err := WeightedSum(a, w)
	return Result{Map: m, Layer: p.Layer}, err
}

// scoreCAM masks the input by each channel (see ScoreWeights).
func scoreCAM(ctx context.Context, src Source, p Params) (Result, error) {
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	var progress func(ScoreProgress)
	if p.Progress != nil {
		progress = func(s ScoreProgress) { m := s.Map; p.Progress(s.Done, s.Total, &m) }
	}
	keeper, keeps := src.(ScoreRuns)
	var run *ScoreRun
	if keeps {
		run = keeper.ScoreRun(p.Layer, p.Options)
	}
	if run == nil {
		// The batch is the model's unless set (maskBatch): it changes
		// speed and memory, the logits only by float32 rounding.
		if run, err = ScoreLogitsApart(ctx, a, src.Input(), src.Logits(), p.Class, maskBatch(src, p.Options["batch"]), boxedForward(src), apartFor(src), progress); err != nil {
			return Result{}, err
		}
		if keeps {
			keeper.KeepScoreRun(p.Layer, p.Options, run)
		}
	}
	w, err := run.Weights(p.Class)
	if err != nil {
		return Result{}, err
	}
	m, err := WeightedSum(a, w)
	return Result{Map: m, Layer: p.Layer}, err
}

// fcConv reads the class's map off the dense scores of the head.
func fcConv(ctx context.Context, src Source, p Params) (Result, error) {
	scale := p.Options["fcscale"]
	if scale < 1 || scale > 8 {
		return Result{}, fmt.Errorf("fcconv scale %g is outside 1–8", scale)
	}
	m, extent, err := src.DenseScores(ctx, p.Class, scale)
	return Result{Map: m, Layer: "fc head", Extent: extent}, err
}

// originalCAM is Σ w_k A_k with the linear head's weights.
// sobelCAM reads only the picture (see SobelCAM).
func sobelCAM(_ context.Context, src Source, _ Params) (Result, error) {
	return Result{Map: SobelCAM(src.Picture()), Layer: "input"}, nil
}

func originalCAM(_ context.Context, src Source, p Params) (Result, error) {
	layer, w, err := src.LinearHead(p.Class)
	if err != nil {
		return Result{}, err
	}
	a, err := src.Activations(layer)
	if err != nil {
		return Result{}, err
	}
	m, err := WeightedSum(a, w)
	return Result{Map: m, Layer: layer}, err
}
