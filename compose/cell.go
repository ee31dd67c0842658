package compose

import (
	"context"
	"image"

	"camviz/analysis"
	"camviz/cam"
)

// Cell composes one cell of a grid, a report or a layer strip: lm
// alone on base (the picture at the cell's size), normalised by norm — on
// scale in Shared mode — in sel's colour map and opacity. It is Compose
// with lm as the only map.
func Cell(ctx context.Context, a *analysis.Analysis, base image.Image, sel Selection, meth analysis.Method,
	lm *analysis.LayerMap, norm cam.Mode, scale float32) (*View, error) {
	sel.Method, sel.Class, sel.Layer, sel.Norm = lm.Method, lm.Class, lm.Layer, norm
	sel.Compare = Compare{}
	src := mapSource{
		of: func(int, string) (*analysis.LayerMap, error) { return lm, nil },
		place: func(lm *analysis.LayerMap, norm cam.Mode, scale float32) (analysis.Picture, error) {
			return PlaceOn(a, base, lm, norm, scale)
		},
		scale: &scale,
	}
	v, _, err := composeWith(ctx, a, base, sel, meth, src)
	return v, err
}
