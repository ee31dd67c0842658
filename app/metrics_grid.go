package app

import (
	"fmt"
	"image"

	"camviz/cam"
	"camviz/imgio"
)

// DrawSmall draws lm over the picture downscaled so that its longer side
// is at most maxSide (0 = full size), for report grids and contact
// sheets: the map is placed with Place on the small picture, so it is
// post-processed straight to the small area instead of being drawn large
// and shrunk. mode and scale are Place's.
func (a *Analysis) DrawSmall(lm *LayerMap, maxSide int, mode cam.Mode, scale float32, o OverlayOptions) (*image.RGBA, error) {
	src := a.Input.Source
	if src == nil {
		return nil, fmt.Errorf("the input has no picture to draw on")
	}
	small := imgio.Downscale(src, maxSide)
	if small == src {
		p, err := a.Place(lm, mode, scale)
		if err != nil {
			return nil, err
		}
		return a.Draw(p, o)
	}
	sx := float64(small.Rect.Dx()) / float64(src.Rect.Dx())
	sy := float64(small.Rect.Dy()) / float64(src.Rect.Dy())
	in := *a.Input
	in.Source = small
	in.Geom.Src = in.Geom.Src.Scale(sx, sy)
	// A drawing-only view: Place and Draw read the model, the input's
	// picture and geometry, nothing of the kept forward pass.
	view := &Analysis{Model: a.Model, Input: &in, Scores: a.Scores, Probs: a.Probs}
	p, err := view.Place(lm, mode, scale)
	if err != nil {
		return nil, err
	}
	return view.Draw(p, o)
}
