package compose

import (
	"fmt"
	"image"

	"camviz/analysis"
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

// Draw colours p over the source picture.
func Draw(a *analysis.Analysis, p *analysis.Picture, o OverlayOptions) (*image.RGBA, error) {
	lut, err := render.Colormap(o.Colormap)
	if err != nil {
		return nil, err
	}
	return render.Overlay(a.Input.Source, p.Field, p.Area.Min, render.Style{LUT: lut, Range: p.Range, Alpha: o.Alpha})
}

// CaptionLines are the facts an exported picture carries.
func CaptionLines(a *analysis.Analysis, lm *analysis.LayerMap, mode cam.Mode) []string {
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
func Export(a *analysis.Analysis, lm *analysis.LayerMap, mode cam.Mode, scale float32, o OverlayOptions) (*image.RGBA, error) {
	p, err := a.Place(lm, mode, scale)
	if err != nil {
		return nil, err
	}
	img, err := Draw(a, p, o)
	if err != nil || !o.Caption {
		return img, err
	}
	lut, _ := render.Colormap(o.Colormap)
	return render.Compose(img, render.ComposeOptions{
		Bar:     &render.BarOptions{LUT: lut, Range: p.Range},
		Caption: CaptionLines(a, lm, mode),
	})
}
