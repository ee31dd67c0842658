package app

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

// The engine's derivatives beyond one class's gradient at a layer arrive
// with the method zoo (issue 15); until then they say so.

func (s source) SeedGradients(context.Context, string, []float32) (cam.Maps, error) {
	return cam.Maps{}, fmt.Errorf("gradients of a target seed: %w", cam.ErrNotAvailable)
}

func (s source) InputGradients(context.Context, []float32, bool) (cam.Maps, error) {
	return cam.Maps{}, fmt.Errorf("input gradients: %w", cam.ErrNotAvailable)
}

func (s source) BiasGradients(context.Context, []float32) ([]cam.BiasTerm, error) {
	return nil, fmt.Errorf("bias gradients: %w", cam.ErrNotAvailable)
}

func (s source) HessianVector(context.Context, string, []float32, cam.Maps) (cam.Maps, error) {
	return cam.Maps{}, fmt.Errorf("Hessian-vector products: %w", cam.ErrNotAvailable)
}

func (s source) With(context.Context, cam.Maps) (cam.Source, error) {
	return nil, fmt.Errorf("another input: %w", cam.ErrNotAvailable)
}

func (s source) Input() cam.Maps {
	sh := s.a.Input.Tensor.Shape()
	return cam.Maps{C: sh[1], H: sh[2], W: sh[3], Data: s.a.Input.Tensor.Data().([]float32)}
}

func (s source) Forward() cam.BatchFunc { return s.a.batchForward() }

func (s source) Tail(layer string) cam.BatchFunc {
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		return s.a.pass.ScoresWith(ctx, layer, in, n)
	}
}

func (s source) AblationScores(ctx context.Context, layer string, fills []float32, progress func(done, total int)) ([]float32, error) {
	logits, err := s.a.pass.AblationScores(ctx, layer, fills, progress)
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
