package render

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// NewFace returns the Go Regular font at size pixels per em, for
// colour-bar labels and captions. The face is not safe for concurrent use;
// Close it when done.
func NewFace(size float64) (font.Face, error) {
	if !(size > 0) || math.IsInf(size, 0) {
		return nil, fmt.Errorf("render: font size %v", size)
	}
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("render: Go Regular font: %w", err)
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// lineHeight is the distance between baselines of face.
func lineHeight(face font.Face) int {
	m := face.Metrics()
	return (m.Ascent + m.Descent).Ceil()
}

// textWidth is the advance of s in pixels.
func textWidth(face font.Face, s string) int {
	return font.MeasureString(face, s).Ceil()
}

// drawText draws s with its top-left corner at (x, top).
func drawText(dst draw.Image, face font.Face, fg color.Color, x, top int, s string) {
	d := font.Drawer{
		Dst:  dst,
		Src:  image.NewUniform(fg),
		Face: face,
		Dot:  fixed.P(x, top+face.Metrics().Ascent.Ceil()),
	}
	d.DrawString(s)
}

// CaptionOptions says how Caption draws text lines.
type CaptionOptions struct {
	// Face is the font; nil means Go Regular at a size proportional to the
	// image width (1/40 of it, at least 12 px).
	Face font.Face
	// Above puts the caption above the image instead of below.
	Above bool
	// Foreground and Background colour the text and its band; nil means
	// black on white.
	Foreground, Background color.Color
	// Padding around the text in pixels; 0 means a third of a line.
	Padding int
}

// Caption returns img with a band of text lines added below it (or above),
// as wide as img. Lines are left-aligned and not wrapped: long lines are
// clipped at the image edge.
func Caption(img image.Image, lines []string, o CaptionOptions) (*image.RGBA, error) {
	face := o.Face
	if face == nil {
		f, err := NewFace(defaultFontSize(img.Bounds().Dx()))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		face = f
	}
	fg, bg := o.Foreground, o.Background
	if fg == nil {
		fg = color.Black
	}
	if bg == nil {
		bg = color.White
	}
	lh := lineHeight(face)
	pad := o.Padding
	if pad <= 0 {
		pad = max(lh/3, 1)
	}
	b := img.Bounds()
	band := 0
	if len(lines) > 0 {
		band = 2*pad + len(lines)*lh
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()+band))
	draw.Draw(out, out.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	imgTop, textTop := 0, b.Dy()
	if o.Above {
		imgTop, textTop = band, 0
	}
	draw.Draw(out, image.Rect(0, imgTop, b.Dx(), imgTop+b.Dy()), img, b.Min, draw.Src)
	for i, s := range lines {
		drawText(out, face, fg, pad, textTop+pad+i*lh, s)
	}
	return out, nil
}

// defaultFontSize scales text with the exported image so that captions on
// a 4000-pixel photo stay readable.
func defaultFontSize(width int) float64 {
	return max(12, float64(width)/40)
}
