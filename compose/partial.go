package compose

import (
	"image"

	"camviz/analysis"
	"camviz/cam"
	"camviz/render"
)

// Partial is the view of a slow method's map so far (partial, at the
// layer's resolution, after done of total batches), drawn min-max on base
// in sel's colour map and opacity.
func Partial(a *analysis.Analysis, base image.Image, sel Selection, meth analysis.Method, partial cam.Map, done, total int) (*View, error) {
	lut, err := render.Colormap(sel.EffectiveColormap())
	if err != nil {
		return nil, err
	}
	layer := sel.Layer
	if layer == "" || meth.FixedLayer {
		layer = a.Model.Layer
	}
	lm := &analysis.LayerMap{Method: meth.Name, Layer: layer, Class: sel.Class, Map: partial}
	p, err := PlaceOn(a, base, lm, cam.MinMax, 0)
	if err != nil {
		return nil, err
	}
	img, err := render.Overlay(base, p.Field, p.Area.Min, render.Style{LUT: lut, Range: p.Range, Alpha: sel.Alpha})
	if err != nil {
		return nil, err
	}
	return &View{Sel: sel, Analysis: a, Method: meth, Layer: layer, Image: img, Base: base, Field: p.Field, Area: p.Area,
		Range: p.Range, Colormap: sel.EffectiveColormap(), Flags: p.Flags, Partial: true, Done: done, Total: total}, nil
}
