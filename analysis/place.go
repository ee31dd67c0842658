package analysis

import (
	"fmt"
	"image"

	"camviz/cam"
	"camviz/render"
)

// Picture is a map laid on its source picture at the picture's own
// resolution.
type Picture struct {
	Field render.Field // the post-processed map over Area
	Area  image.Rectangle
	Range render.Range // the values the colour map spans
	Flags cam.Flags
}

// Place post-processes a layer map onto the source picture's pixels: the
// map is resized straight to the area the model saw (the whole picture,
// or the centre crop in place), not to a 224×224 thumbnail.
func (a *Analysis) Place(lm *LayerMap, mode cam.Mode, scale float32) (*Picture, error) {
	src := a.Input.Geom.Src.Round()
	if src.Empty() {
		return nil, fmt.Errorf("the input has no picture to draw on")
	}
	return PlaceIn(lm, src, mode, scale)
}

// PlaceIn post-processes lm onto area, the model's input as drawn on some
// picture (the map covers the part of it given by its Extent).
func PlaceIn(lm *LayerMap, area image.Rectangle, mode cam.Mode, scale float32) (*Picture, error) {
	area = lm.Within(area)
	if area.Empty() {
		return nil, fmt.Errorf("the map covers no pixel of the picture")
	}
	f, flags, err := cam.Postprocess(lm.Map, area.Dx(), area.Dy(), mode, scale)
	if err != nil {
		return nil, err
	}
	p := &Picture{Field: render.Field(f), Area: area, Range: render.Unit(), Flags: flags}
	if mode == cam.Raw {
		p.Range = SignedRange(p.Field)
	}
	return p, nil
}

// Peak is the position of the map's largest value on the picture.
func Peak(p *Picture) image.Point {
	best, at := float32(-1), 0
	for i, v := range p.Field.Data {
		if v > best {
			best, at = v, i
		}
	}
	return p.Area.Min.Add(image.Pt(at%p.Field.W, at/p.Field.W))
}

// SignedRange is the colour range of a signed field: symmetric about 0 out
// to its largest magnitude (1 for an all-zero field).
func SignedRange(f render.Field) render.Range {
	lim := render.MaxAbs(f)
	if lim == 0 {
		lim = 1
	}
	return render.Symmetric(lim)
}
