package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/render"
)

// overlayView shows a picture at its own aspect ratio and reports the
// picture pixel under the mouse.
type overlayView struct {
	widget.BaseWidget
	img     *canvas.Image
	onHover func(x, y int, ok bool)
}

var _ desktop.Hoverable = (*overlayView)(nil)

func newOverlayView(onHover func(x, y int, ok bool)) *overlayView {
	v := &overlayView{img: canvas.NewImageFromImage(nil), onHover: onHover}
	v.img.FillMode = canvas.ImageFillContain
	v.ExtendBaseWidget(v)
	return v
}

func (v *overlayView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.img) }

func (v *overlayView) MinSize() fyne.Size { return fyne.NewSize(160, 180) }

// Image is the picture shown.
func (v *overlayView) Image() image.Image { return v.img.Image }

// SetImage shows img. Pictures enlarged on screen keep crisp pixels.
func (v *overlayView) SetImage(img image.Image) {
	v.img.Image = img
	v.img.ScaleMode = canvas.ImageScaleSmooth
	if img != nil && max(img.Bounds().Dx(), img.Bounds().Dy()) < 400 {
		v.img.ScaleMode = canvas.ImageScalePixels
	}
	v.img.Refresh()
}

// pixelAt maps a position in the widget to a picture pixel.
func (v *overlayView) pixelAt(p fyne.Position) (int, int, bool) {
	img := v.img.Image
	if img == nil {
		return 0, 0, false
	}
	b := img.Bounds()
	size := v.Size()
	if b.Dx() == 0 || b.Dy() == 0 || size.Width <= 0 || size.Height <= 0 {
		return 0, 0, false
	}
	scale := min(size.Width/float32(b.Dx()), size.Height/float32(b.Dy()))
	offX := (size.Width - scale*float32(b.Dx())) / 2
	offY := (size.Height - scale*float32(b.Dy())) / 2
	x := int((p.X - offX) / scale)
	y := int((p.Y - offY) / scale)
	if p.X < offX || p.Y < offY || x >= b.Dx() || y >= b.Dy() {
		return 0, 0, false
	}
	return x, y, true
}

// screenArea is where the picture is drawn, in window pixels, given the
// widget's position on the canvas.
func (v *overlayView) screenArea(at fyne.Position, c fyne.Canvas) (x, y, w, h int) {
	img := v.img.Image
	size := v.Size()
	if img == nil || img.Bounds().Empty() {
		return 0, 0, 0, 0
	}
	b := img.Bounds()
	scale := min(size.Width/float32(b.Dx()), size.Height/float32(b.Dy()))
	dw, dh := scale*float32(b.Dx()), scale*float32(b.Dy())
	min := at.AddXY((size.Width-dw)/2, (size.Height-dh)/2)
	x0, y0 := c.PixelCoordinateForPosition(min)
	x1, y1 := c.PixelCoordinateForPosition(min.AddXY(dw, dh))
	return x0, y0, x1 - x0, y1 - y0
}

func (v *overlayView) MouseIn(e *desktop.MouseEvent) { v.MouseMoved(e) }

func (v *overlayView) MouseMoved(e *desktop.MouseEvent) {
	x, y, ok := v.pixelAt(e.Position)
	v.onHover(x, y, ok)
}

func (v *overlayView) MouseOut() { v.onHover(0, 0, false) }

// colourBar draws the value scale in the theme's colours.
func colourBar(cmap string, rng render.Range, th fyne.Theme, variant fyne.ThemeVariant) (image.Image, error) {
	lut, err := render.Colormap(cmap)
	if err != nil {
		return nil, err
	}
	fg := th.Color(theme.ColorNameForeground, variant)
	bg := th.Color(theme.ColorNameBackground, variant)
	face, err := render.NewFace(22)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	return render.ColorBar(render.BarOptions{LUT: lut, Range: rng, Length: 600, Thickness: 36, Face: face,
		Foreground: opaque(fg), Background: opaque(bg)})
}

func opaque(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
}
