package analysis

import (
	"context"
	"errors"
	"fmt"
	"image"

	"camviz/cam"
	"camviz/imgio"
	"camviz/inference"

	"gorgonia.org/tensor"
)

// source is an analysis as the cam methods read it (cam.Source).
type source struct{ a *Analysis }

var _ cam.Source = source{}

// Activations returns a layer's activations for the cam package.
func (s source) Activations(layer string) (cam.Maps, error) {
	data, shape, err := s.a.Activation(layer)
	if err != nil {
		return cam.Maps{}, err
	}
	if len(shape) != 4 || shape[0] != 1 {
		return cam.Maps{}, fmt.Errorf("layer %q has shape %v, not [1,C,H,W]", layer, shape)
	}
	return cam.Maps{C: shape[1], H: shape[2], W: shape[3], Data: data}, nil
}

func (s source) Gradients(ctx context.Context, layer string, class int) (cam.Maps, error) {
	acts, err := s.Activations(layer)
	if err != nil {
		return cam.Maps{}, err
	}
	g, err := s.a.Grad(ctx, layer, class)
	if err != nil {
		return cam.Maps{}, err
	}
	return cam.Maps{C: acts.C, H: acts.H, W: acts.W, Data: g}, nil
}

func (s source) Score(class int) float32 { return s.a.Scores[class] }

// Logits are the unmodified input's logits (a copy).
func (s source) Logits() []float32 { return append([]float32(nil), s.a.Scores...) }

// SeedGradients is one backward pass from an arbitrary seed over the
// logits (a target other than one class's logit).
func (s source) SeedGradients(ctx context.Context, layer string, seed []float32) (cam.Maps, error) {
	release, err := s.holdFor(seed)
	if err != nil {
		return cam.Maps{}, err
	}
	defer release()
	g, err := s.a.pass.SeedGrad(ctx, layer, seed)
	if err != nil {
		return cam.Maps{}, err
	}
	return mapsOf(g)
}

// InputGradients continues the backward pass to the input, guided or not.
func (s source) InputGradients(ctx context.Context, seed []float32, guided bool) (cam.Maps, error) {
	release, err := s.holdFor(seed)
	if err != nil {
		return cam.Maps{}, err
	}
	defer release()
	key := seedKey(seed, guided)
	s.a.mu.Lock()
	g, ok := s.a.inputGrads[key]
	s.a.mu.Unlock()
	if !ok {
		t, err := s.a.pass.InputGrad(ctx, seed, guided)
		if err != nil {
			return cam.Maps{}, err
		}
		g = t
		s.a.keepInputGrad(key, g)
	}
	return mapsOf(g)
}

// seedKey names an input gradient in the analysis's cache.
func seedKey(seed []float32, guided bool) string {
	return fmt.Sprint(guided, seed)
}

// keepInputGrad caches an input gradient (FullGrad's bias pass ends with
// the plain one, which its input term then reads for free).
func (a *Analysis) keepInputGrad(key string, g *tensor.Dense) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inputGrads == nil {
		a.inputGrads = map[string]*tensor.Dense{}
	}
	a.inputGrads[key] = g
}

// BiasGradients are FullGrad's per-layer terms from one backward pass.
func (s source) BiasGradients(ctx context.Context, seed []float32) ([]cam.BiasTerm, error) {
	release, err := s.holdFor(seed)
	if err != nil {
		return nil, err
	}
	defer release()
	terms, gx, err := s.a.pass.BiasGrads(ctx, seed)
	if err != nil {
		return nil, err
	}
	s.a.keepInputGrad(seedKey(seed, false), gx)
	out := make([]cam.BiasTerm, len(terms))
	for i, t := range terms {
		out[i] = cam.BiasTerm{Layer: t.Node, Bias: t.Bias,
			Grad: cam.Maps{C: t.Shape[1], H: t.Shape[2], W: t.Shape[3], Data: t.Grad}}
	}
	return out, nil
}

// HessianVector is the engine's exact forward-over-reverse product.
func (s source) HessianVector(ctx context.Context, layer string, seed []float32, v cam.Maps) (cam.Maps, error) {
	release, err := s.holdFor(seed)
	if err != nil {
		return cam.Maps{}, err
	}
	defer release()
	h, err := s.a.pass.HessianVector(ctx, layer, seed, v.Data)
	if err != nil {
		return cam.Maps{}, err
	}
	return mapsOf(h)
}

// With analyses another preprocessed input of this one's shape (an
// augmented or noisy copy); cam releases it when done (Close).
func (s source) With(ctx context.Context, input cam.Maps) (cam.Source, error) {
	sh := s.a.Input.Tensor.Shape()
	if input.C != sh[1] || input.H != sh[2] || input.W != sh[3] || len(input.Data) != input.C*input.H*input.W {
		return nil, fmt.Errorf("another input must be %d×%d×%d like this one, is %d×%d×%d", sh[1], sh[2], sh[3], input.C, input.H, input.W)
	}
	t := tensor.New(tensor.WithShape(1, input.C, input.H, input.W), tensor.WithBacking(input.Data))
	in := &Input{Name: s.a.Input.Name, Tensor: t, Geom: s.a.Input.Geom, Mode: s.a.Input.Mode}
	b, err := s.a.Model.Analyze(ctx, in)
	if err != nil {
		return nil, err
	}
	return source{b}, nil
}

// Close releases a source made by With once a method is done with it
// (cam closes those it asks for): its pass's buffers go back to the arena.
func (s source) Close() { s.a.Close() }

// holdFor holds the analysis's pass for a backward from seed, refusing a
// seed that is not one value per class; release lets the pass go.
func (s source) holdFor(seed []float32) (release func(), err error) {
	if len(seed) != len(s.a.Scores) {
		return nil, fmt.Errorf("a gradient seed needs %d values (one per class), has %d", len(s.a.Scores), len(seed))
	}
	return s.a.hold()
}

// mapsOf reads a [1,C,H,W] tensor as cam.Maps.
func mapsOf(t *tensor.Dense) (cam.Maps, error) {
	sh := t.Shape()
	if len(sh) != 4 || sh[0] != 1 {
		return cam.Maps{}, fmt.Errorf("a gradient of shape %v, not [1,C,H,W]", []int(sh))
	}
	return cam.Maps{C: sh[1], H: sh[2], W: sh[3], Data: t.Data().([]float32)}, nil
}

func (s source) Input() cam.Maps {
	sh := s.a.Input.Tensor.Shape()
	return cam.Maps{C: sh[1], H: sh[2], W: sh[3], Data: s.a.Input.Tensor.Data().([]float32)}
}

func (s source) Forward() cam.BatchFunc { return s.a.BatchForward() }

func (s source) Tail(layer string) cam.BatchFunc {
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		return s.a.pass.ScoresWith(ctx, layer, in, n)
	}
}

func (s source) AblationScores(ctx context.Context, layer string, class int, fills []float32, progress func(done, total int)) ([]float32, error) {
	logits, err := s.a.pass.AblationClassScores(ctx, layer, class, fills, progress)
	if errors.Is(err, inference.ErrNoChannelPath) {
		return nil, fmt.Errorf("%w: %w", cam.ErrNoShortcut, err)
	}
	return logits, err
}

// Picture is what the model sees, as a picture (SobelCAM's input).
func (s source) Picture() *image.NRGBA {
	_, h, w := s.a.Model.Net.InputSize()
	return s.a.Model.picture(s.a.Input.Tensor.Data().([]float32), w, h)
}

func (s source) LinearHead(class int) (string, []float32, error) {
	head, err := s.a.Model.Net.LinearHead()
	if err != nil {
		return "", nil, err
	}
	return head.Feature, head.Weights[class*head.C : (class+1)*head.C], nil
}

// DenseScores runs the fc head as convolutions over the input upscaled by
// scale once per scale, and cuts the class's map out of all classes'.
func (s source) DenseScores(ctx context.Context, class int, scale float64) (cam.Map, cam.Rect, error) {
	a := s.a
	a.cache.mu.Lock()
	dense := a.cache.dense[scale]
	a.cache.mu.Unlock()
	if dense == nil {
		head, err := a.Model.Net.FCHead()
		if err != nil {
			return cam.Map{}, cam.Rect{}, err
		}
		big, err := upscaleInput(a.Input.Tensor, scale)
		if err != nil {
			return cam.Map{}, cam.Rect{}, err
		}
		if dense, err = a.Model.Net.DenseScores(ctx, head, big); err != nil {
			return cam.Map{}, cam.Rect{}, err
		}
		a.cache.mu.Lock()
		if a.cache.dense == nil {
			a.cache.dense = map[float64]*tensor.Dense{}
		}
		a.cache.dense[scale] = dense
		a.cache.mu.Unlock()
	}
	sh := dense.Shape()
	h, w := sh[1], sh[2]
	all := dense.Data().([]float32)
	m := cam.NewMap(w, h)
	copy(m.Data, all[class*h*w:(class+1)*h*w])
	return m, cam.Rect(a.fcExtent(scale)), nil
}

// fcExtent is where fcconv's dense map lies on the input: position i of
// n is the fc6 window over feature cells [i, i+k) of n+k−1, centred at
// (i + k/2)/(n+k−1) of the input's width; each position spans one cell.
func (a *Analysis) fcExtent(scale float64) imgio.RectF {
	a.cache.mu.Lock()
	dense := a.cache.dense[scale]
	a.cache.mu.Unlock()
	head, err := a.Model.Net.FCHead()
	if dense == nil || err != nil {
		return imgio.RectF{}
	}
	s := dense.Shape()
	axis := func(n, k int) (lo, hi float64) {
		cells := float64(n + k - 1)
		return (float64(k) - 1) / 2 / cells, (float64(n-1) + float64(k)/2 + 0.5) / cells
	}
	x0, x1 := axis(s[2], head.W)
	y0, y1 := axis(s[1], head.H)
	return imgio.RectF{X0: x0, Y0: y0, X1: x1, Y1: y1}
}

// upscaleInput resizes the normalised input tensor by scale (bilinear),
// so the dense map covers exactly the picture the model saw.
func upscaleInput(x *tensor.Dense, scale float64) (*tensor.Dense, error) {
	s := x.Shape()
	c, h, w := s[1], s[2], s[3]
	bh, bw := int(float64(h)*scale+0.5), int(float64(w)*scale+0.5)
	data := x.Data().([]float32)
	out := make([]float32, c*bh*bw)
	r, err := cam.NewResizer(w, h, bw, bh)
	if err != nil {
		return nil, err
	}
	for ch := 0; ch < c; ch++ {
		r.Resize(out[ch*bh*bw:(ch+1)*bh*bw], data[ch*h*w:(ch+1)*h*w])
	}
	return tensor.New(tensor.WithShape(1, c, bh, bw), tensor.WithBacking(out)), nil
}

// Source is the analysis as cam's methods read it (Deep Feature
// Factorization and other callers outside the registry).
func (a *Analysis) Source() cam.Source { return source{a} }
