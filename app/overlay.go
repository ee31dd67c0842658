package app

import (
	"fmt"
	"image"
	"image/png"
	"io"

	"camviz/cam"
	"camviz/render"
)

// OverlayOptions is how a map is drawn on its picture.
type OverlayOptions struct {
	Colormap string // a render colour map name; "" = render.DefaultColormapFor the mode
	Alpha    float64
	Caption  bool // add a caption and a colour bar (exports)
}

// ParseOverlayOptions checks user-given drawing options.
func ParseOverlayOptions(cmap string, alpha float64, mode cam.Mode) (OverlayOptions, error) {
	if cmap == "" {
		cmap = render.DefaultColormapFor(mode == cam.Raw)
	}
	if _, err := render.Colormap(cmap); err != nil {
		return OverlayOptions{}, err
	}
	if !(alpha >= 0 && alpha <= 1) {
		return OverlayOptions{}, fmt.Errorf("opacity %v is outside 0–1", alpha)
	}
	return OverlayOptions{Colormap: cmap, Alpha: alpha}, nil
}

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
		p.Range = signedRange(p.Field)
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

// Draw colours p over the source picture.
func (a *Analysis) Draw(p *Picture, o OverlayOptions) (*image.RGBA, error) {
	lut, err := render.Colormap(o.Colormap)
	if err != nil {
		return nil, err
	}
	return render.Overlay(a.Input.Source, p.Field, p.Area.Min, render.Style{LUT: lut, Range: p.Range, Alpha: o.Alpha})
}

// CaptionLines are the facts an exported picture carries.
func (a *Analysis) CaptionLines(lm *LayerMap, mode cam.Mode) []string {
	k := lm.Class
	meth := lm.Method
	if x, err := a.Model.Method(lm.Method); err == nil {
		meth = x.Display
	}
	return []string{
		fmt.Sprintf("%s — class %d “%s”  p=%.3f  score=%.3f", a.Input.Name, k, a.Model.Label(k), a.Probs[k], a.Scores[k]),
		fmt.Sprintf("%s at %s · %s · model %s", meth, lm.Layer, mode, a.Model.Name),
	}
}

// Export draws the overlay, with caption and colour bar when asked.
func (a *Analysis) Export(lm *LayerMap, mode cam.Mode, scale float32, o OverlayOptions) (*image.RGBA, error) {
	p, err := a.Place(lm, mode, scale)
	if err != nil {
		return nil, err
	}
	img, err := a.Draw(p, o)
	if err != nil || !o.Caption {
		return img, err
	}
	lut, _ := render.Colormap(o.Colormap)
	return render.Compose(img, render.ComposeOptions{
		Bar:     &render.BarOptions{LUT: lut, Range: p.Range},
		Caption: a.CaptionLines(lm, mode),
	})
}

// SaveOverlay writes the exported picture as PNG and returns its size.
func (a *Analysis) SaveOverlay(path string, lm *LayerMap, mode cam.Mode, scale float32, o OverlayOptions) ([2]int, error) {
	img, err := a.Export(lm, mode, scale, o)
	if err != nil {
		return [2]int{}, err
	}
	return [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, WritePNG(path, img)
}

// WritePNG writes an image atomically: a failed write leaves no half file.
func WritePNG(path string, img image.Image) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}
