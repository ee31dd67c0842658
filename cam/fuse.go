package cam

import (
	"context"
	"fmt"
	"strings"
)

// FuseLayers returns the final w×h map of a method run at several layers
// (-layer A,B,…), as pytorch-grad-cam's base_cam.py does for a list of
// target layers: each layer's map (at its own resolution, before any
// ReLU) is ReLU'd, min-maxed and resized to w×h (compute_cam_per_layer:
// no second min-max per layer), then the stack is ReLU'd, averaged over
// layers and min-maxed once more (aggregate_multi_layers). With one layer
// this is exactly Postprocess(m, w, h, MinMax, 0). NaN and ±Inf count as 0.
func FuseLayers(layerMaps []Map, w, h int) (Map, error) {
	if len(layerMaps) == 0 {
		return Map{}, fmt.Errorf("cam: no layer maps to fuse")
	}
	acc := make([]float64, w*h)
	tmp := make([]float32, w*h)
	for i, m := range layerMaps {
		if err := m.Validate(); err != nil {
			return Map{}, fmt.Errorf("cam: layer map %d: %w", i, err)
		}
		r, err := NewResizer(m.W, m.H, w, h)
		if err != nil {
			return Map{}, err
		}
		src := make([]float32, len(m.Data))
		sanitize(src, m.Data)
		relu(src)
		minMax(src)
		r.Resize(tmp, src)
		for p, v := range tmp {
			acc[p] += float64(max(v, 0))
		}
	}
	out := NewMap(w, h)
	for p, v := range acc {
		out.Data[p] = float32(v / float64(len(layerMaps)))
	}
	minMax(out.Data)
	return out, nil
}

// Refine returns RefineCAM's final w×h map (pytorch-grad-cam's
// refine_cam.py, whose base method is Grad-CAM++ by default): each layer's
// map gets the whole single-layer post-processing (Postprocess in MinMax
// mode), the final maps are multiplied pixel by pixel, and the product is
// min-maxed. A region survives only where every layer marks it, which
// denoises the maps of early layers.
func Refine(layerMaps []Map, w, h int) (Map, error) {
	if len(layerMaps) == 0 {
		return Map{}, fmt.Errorf("cam: no layer maps to refine")
	}
	out := NewMap(w, h)
	for i := range out.Data {
		out.Data[i] = 1
	}
	for i, m := range layerMaps {
		f, _, err := Postprocess(m, w, h, MinMax, 0)
		if err != nil {
			return Map{}, fmt.Errorf("cam: layer map %d: %w", i, err)
		}
		for p, v := range f.Data {
			out.Data[p] *= v
		}
	}
	minMax(out.Data)
	return out, nil
}

// findBase is Find, set in init: the registry holds refineCAM, so
// refineCAM cannot name the registry in its initialisation.
var findBase func(name string) (Method, bool)

// refineCAM is RefineCAM over Params.Layers (or the one layer): the base
// method's map at each layer, then Refine at the input's size.
func refineCAM(ctx context.Context, src Source, p Params) (Result, error) {
	base, ok := findBase(p.Base)
	if !ok || !base.local() {
		return Result{}, fmt.Errorf("-refine-base %q: not a method computed at one layer", p.Base)
	}
	layers := p.Layers
	if len(layers) == 0 {
		layers = []string{p.Layer}
	}
	maps := make([]Map, len(layers))
	for i, l := range layers {
		q := Params{Class: p.Class, Layer: l, Options: p.Options}
		r, err := base.Compute(ctx, src, q)
		if err != nil {
			return Result{}, fmt.Errorf("layer %s: %w", l, err)
		}
		maps[i] = r.Map
	}
	x := src.Input()
	f, err := Refine(maps, x.W, x.H)
	return Result{Map: f, Layer: strings.Join(layers, "+"), Final: true}, err
}
