package cam

import (
	"context"
	"fmt"
	"maps"
	"strings"
)

// Computing a method's map from its table entry (registry.go): the
// options resolved, several layers fused, -aug-smooth, one layer.

// Compute computes the method's map for p.Class at p.Layer from src. Most
// maps are at the layer's resolution, before the ReLU of post-processing;
// several layers (p.Layers) and -aug-smooth give a final map at the
// input's resolution instead (Result.Final). Options p does not set take
// their defaults; a generic option the method does not take is an error.
func (m Method) Compute(ctx context.Context, src Source, p Params) (Result, error) {
	q, err := m.resolve(p)
	if err != nil {
		return Result{}, err
	}
	if q.Options[OptAugSmooth] != 0 {
		return m.augSmooth(ctx, src, q)
	}
	return m.computeLayers(ctx, src, q)
}

// computeLayers runs the method at each of several layers and fuses the
// maps (FuseLayers), or at the one layer.
func (m Method) computeLayers(ctx context.Context, src Source, p Params) (Result, error) {
	if len(p.Layers) < 2 || m.fuses {
		return m.computeAt(ctx, src, p)
	}
	maps := make([]Map, len(p.Layers))
	for i, l := range p.Layers {
		q := p
		q.Layer, q.Layers = l, nil
		r, err := m.computeAt(ctx, src, q)
		if err != nil {
			return Result{}, fmt.Errorf("layer %s: %w", l, err)
		}
		maps[i] = r.Map
	}
	x := src.Input()
	f, err := FuseLayers(maps, x.W, x.H)
	return Result{Map: f, Layer: strings.Join(p.Layers, "+"), Final: true}, err
}

// augSmooth is AugSmooth over the method's final maps (MinMax, at the
// input's size) for each augmented input, each run on a Source for it.
func (m Method) augSmooth(ctx context.Context, src Source, p Params) (Result, error) {
	q := p
	q.Options = maps.Clone(p.Options)
	delete(q.Options, OptAugSmooth)
	q.Progress = nil
	x := src.Input()
	layer := p.Layer
	f, err := AugSmooth(x, func(in Maps) (Map, error) {
		s, err := src.With(ctx, in)
		if err != nil {
			return Map{}, err
		}
		defer closeWith(s)
		r, err := m.computeLayers(ctx, s, q)
		if err != nil {
			return Map{}, err
		}
		layer = r.Layer
		if r.Final {
			return r.Map, nil
		}
		f, _, err := Postprocess(r.Map, x.W, x.H, MinMax, 0)
		return f, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("-aug-smooth: %w", err)
	}
	return Result{Map: f, Layer: layer, Final: true}, nil
}

// computeAt computes the map at the one layer p.Layer.
func (m Method) computeAt(ctx context.Context, src Source, p Params) (Result, error) {
	if m.network != nil {
		return m.network(ctx, src, p)
	}
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	if p.Options[OptInplaceReLU] != 0 {
		a = reluMaps(a)
	}
	var g Maps
	if m.Needs.Has(NeedsGradients) {
		if g, err = TargetGradients(ctx, src, p.Layer, p); err != nil {
			return Result{}, err
		}
	}
	lm, err := m.fromMaps(a, g, p)
	return Result{Map: lm, Layer: p.Layer}, err
}

// fromMaps validates a (and g, if needed) and runs the layer function, or
// sums or projects (-eigen-smooth) the product.
func (m Method) fromMaps(a, g Maps, p Params) (Map, error) {
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
	if m.layer != nil && p.Options[OptEigenSmooth] == 0 {
		out := NewMap(a.W, a.H)
		if err := m.layer(out.Data, a, g); err != nil {
			return Map{}, err
		}
		return out, nil
	}
	t, err := m.product(a, g, p)
	if err != nil {
		return Map{}, err
	}
	if p.Options[OptEigenSmooth] != 0 {
		return Projection(t)
	}
	return WeightedSum(t, ones(t.C))
}

func ones(n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// LayerMap computes method's map at the layer's resolution, before the ReLU
// of post-processing, with its options' defaults. g may be the zero Maps
// for methods that do not need gradients. Methods that need the network
// return ErrNeedsNetwork.
func LayerMap(method string, a, g Maps) (Map, error) {
	m, ok := Find(method)
	if !ok {
		return Map{}, fmt.Errorf("cam: unknown method %q", method)
	}
	if !m.local() {
		return Map{}, fmt.Errorf("%w: %s", ErrNeedsNetwork, method)
	}
	p, err := m.resolve(Params{})
	if err != nil {
		return Map{}, err
	}
	return m.fromMaps(a, g, p)
}

// reluMaps is max(a, 0) in a new Maps. It is how pytorch-grad-cam sees a
// layer that torch's in-place ReLU follows: its hook keeps the layer's
// output tensor, which the ReLU then overwrites, while the gradient hook
// already sits before the ReLU (torchvision's DenseNet: F.relu(norm5,
// inplace=True)). NaN stays NaN, as in torch.
func reluMaps(a Maps) Maps {
	out := a
	out.Data = make([]float32, len(a.Data))
	for i, v := range a.Data {
		if v < 0 {
			v = 0
		}
		out.Data[i] = v
	}
	return out
}
