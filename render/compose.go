package render

import (
	"image"
	"image/color"
	"image/draw"
)

// ComposeOptions describes an export image.
type ComposeOptions struct {
	// Bar, if not nil, adds a vertical colour bar right of the overlay.
	// Its Length defaults to the overlay's height minus the margins its
	// labels need, so the composite keeps the overlay's height; its
	// Orientation is forced to Vertical.
	Bar *BarOptions
	// Caption lines are drawn under the picture (or above, CaptionAbove).
	Caption      []string
	CaptionAbove bool
	// FontSize in pixels for labels and caption; 0 scales with the
	// overlay: 1/40 of its width, at least 12.
	FontSize float64
	// Background fills the margins; nil means white.
	Background color.Color
	// Padding between the parts in pixels; 0 means FontSize/2.
	Padding int
}

// Compose lays out an overlay, its colour bar and a caption in one image
// for saving: [overlay | bar] on top, caption band below (or above).
func Compose(overlay image.Image, o ComposeOptions) (*image.RGBA, error) {
	ob := overlay.Bounds()
	size := o.FontSize
	if size <= 0 {
		size = defaultFontSize(ob.Dx())
	}
	face, err := NewFace(size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	bg := o.Background
	if bg == nil {
		bg = color.White
	}
	pad := o.Padding
	if pad <= 0 {
		pad = max(int(size/2), 1)
	}

	var bar *image.RGBA
	if o.Bar != nil {
		bo := *o.Bar
		bo.Orientation = Vertical
		if bo.Face == nil {
			bo.Face = face
		}
		if bo.Background == nil {
			bo.Background = bg
		}
		if bo.Length <= 0 {
			bo.Length = max(ob.Dy()-lineHeight(bo.Face), 16)
		}
		if bar, err = ColorBar(bo); err != nil {
			return nil, err
		}
	}

	w, h := ob.Dx(), ob.Dy()
	if bar != nil {
		w += pad + bar.Bounds().Dx()
		h = max(h, bar.Bounds().Dy())
	}
	top := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(top, top.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	draw.Draw(top, image.Rect(0, 0, ob.Dx(), ob.Dy()), overlay, ob.Min, draw.Src)
	if bar != nil {
		bb := bar.Bounds()
		y := (h - bb.Dy()) / 2
		draw.Draw(top, image.Rect(ob.Dx()+pad, y, ob.Dx()+pad+bb.Dx(), y+bb.Dy()), bar, bb.Min, draw.Src)
	}
	if len(o.Caption) == 0 {
		return top, nil
	}
	return Caption(top, o.Caption, CaptionOptions{
		Face: face, Above: o.CaptionAbove, Background: bg, Padding: pad,
	})
}
