package ui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
	"camviz/assets"
	"camviz/imgio"
)

// buildEmpty is what an empty window shows: what to do, and the bundled
// sample pictures to click while the embedded model is loaded (they are
// digits on black canvases, meaningless to any other model).
func (u *UI) buildEmpty() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Drop a photo here", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	how := widget.NewLabelWithStyle("or Open image… (Ctrl+O)", fyne.TextAlignCenter, fyne.TextStyle{})
	formats := widget.NewLabelWithStyle("PNG, JPEG, GIF, BMP, WebP, TIFF", fyne.TextAlignCenter, fyne.TextStyle{})
	formats.SizeName = theme.SizeNameCaptionText
	u.w.emptyModel = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	u.w.emptyModel.Truncation = fyne.TextTruncateEllipsis
	parts := []fyne.CanvasObject{title, how, formats, u.w.emptyModel}
	u.w.samples = u.buildSamples()
	if u.w.samples != nil {
		parts = append(parts, u.w.samples)
	}
	return container.NewVBox(parts...)
}

// buildSamples makes the sample thumbnails; nil if there are none.
func (u *UI) buildSamples() fyne.CanvasObject {
	samples, err := assets.Samples()
	if err != nil || len(samples) == 0 {
		return nil
	}
	grid := container.NewGridWrap(fyne.NewSize(104, 130))
	for _, s := range samples {
		img, _, err := imgio.DecodeBytes(s.File, s.Data, imgio.Limits{})
		if err != nil {
			continue
		}
		open := func() { u.openSample(s) }
		name := widget.NewButton(s.File, open)
		name.Importance = widget.LowImportance
		grid.Add(container.NewBorder(nil, name, nil, nil, newThumb(img, open)))
	}
	return container.NewVBox(widget.NewSeparator(),
		widget.NewLabelWithStyle("Samples for the embedded digits model:", fyne.TextAlignCenter, fyne.TextStyle{}),
		grid)
}

// thumb is a sample's picture that opens the sample when clicked.
type thumb struct {
	widget.BaseWidget
	img   *canvas.Image
	onTap func()
}

var (
	_ fyne.Tappable      = (*thumb)(nil)
	_ desktop.Cursorable = (*thumb)(nil)
)

func newThumb(img image.Image, onTap func()) *thumb {
	t := &thumb{img: canvas.NewImageFromImage(img), onTap: onTap}
	t.img.FillMode = canvas.ImageFillContain
	t.img.ScaleMode = canvas.ImageScalePixels
	t.ExtendBaseWidget(t)
	return t
}

func (t *thumb) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.img) }
func (t *thumb) MinSize() fyne.Size                  { return fyne.NewSize(96, 88) }
func (t *thumb) Tapped(*fyne.PointEvent)             { t.onTap() }
func (t *thumb) Cursor() desktop.Cursor              { return desktop.PointerCursor }

// refreshEmpty says which model is loaded and offers the samples only
// for the embedded one.
func (u *UI) refreshEmpty(st core.State) {
	setText(u.w.emptyModel, u.emptyModelText(st))
	if u.w.samples != nil {
		show(u.w.samples, st.Model != nil && st.Model.Embedded() && st.ModelLoading == "")
	}
}

// preview shows the picture at path at once, with a spinner, while the
// session reads it again and analyses it (the model may still be
// loading). It decodes before the window opens: the first frame shows
// the picture, never the empty state.
func (u *UI) preview(path string) {
	img, _, err := imgio.DecodeFile(path, imgio.Limits{})
	if err != nil {
		return // the session says why
	}
	u.pending = imgio.Downscale(img, previewSide)
}

// previewSide bounds the preview's long side (the session's own display
// copy replaces it).
const previewSide = 1600
