package compose

import (
	"image"
	"strings"

	"camviz/render"

	"golang.org/x/image/font"
)

// captionWidth is the narrowest picture render.Compose captions at its
// smallest font size: below it the caption would be cut (a 64×64 canvas
// cut "Grad-CAM at /feat"), above it the font grows with the picture, so
// enlarging further does not make a long line fit.
const captionWidth = 480

// exportCaptioned lays out an exported picture: img beside its colour
// bar, the caption below, and under it one line of each of extra (the
// faithfulness and check results) in the longest form that fits. A
// picture too narrow for its caption is first enlarged by a whole factor,
// nearest neighbour, so the picture and its map are exactly as shown,
// only bigger; a line still too long is wrapped at spaces.
func exportCaptioned(img *image.RGBA, bar *render.BarOptions, lines []string, extra [][]string) (*image.RGBA, error) {
	small, err := render.NewFace(CaptionFontSize(0))
	if err != nil {
		return nil, err
	}
	widest := 0
	for _, l := range lines {
		widest = max(widest, measure(small, l))
	}
	small.Close()
	pad := max(int(CaptionFontSize(0)/2), 1) // Compose's at that size
	img = enlarge(img, enlargement(img.Bounds().Dx(), widest+2*pad))
	size := CaptionFontSize(img.Bounds().Dx())
	top, err := render.Compose(img, render.ComposeOptions{Bar: bar, FontSize: size})
	if err != nil {
		return nil, err
	}
	face, err := render.NewFace(size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	pad = max(int(size/2), 1)
	room := top.Bounds().Dx() - 2*pad
	for _, forms := range extra {
		lines = append(lines, longestFitting(forms, face, room))
	}
	return render.Caption(top, wrapLines(lines, face, room), render.CaptionOptions{Face: face, Padding: pad})
}

// enlargement is the whole factor that brings a picture w pixels wide to
// want pixels, but not past captionWidth; 1 when it is wide enough.
func enlargement(w, want int) int {
	want = min(want, captionWidth)
	if w <= 0 || w >= want {
		return 1
	}
	return max(1, min((want+w-1)/w, captionWidth/w))
}

// enlarge repeats every pixel of img f×f times (nearest neighbour).
func enlarge(img *image.RGBA, f int) *image.RGBA {
	if f <= 1 {
		return img
	}
	b := img.Bounds()
	pix, stride := repeatPixels(img.Pix[img.PixOffset(b.Min.X, b.Min.Y):], img.Stride, b.Dx(), b.Dy(), f)
	return &image.RGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, b.Dx()*f, b.Dy()*f)}
}

// wrapLines breaks every line wider than width pixels in face at spaces,
// as many words on each line as fit; a single word wider than width
// stays whole on its own line.
func wrapLines(lines []string, face font.Face, width int) []string {
	var out []string
	for _, l := range lines {
		if measure(face, l) <= width {
			out = append(out, l)
			continue
		}
		cur := ""
		for _, w := range strings.Fields(l) {
			next := w
			if cur != "" {
				next = cur + " " + w
			}
			if cur != "" && measure(face, next) > width {
				out = append(out, cur)
				next = w
			}
			cur = next
		}
		out = append(out, cur)
	}
	return out
}

// measure is the width of s in face, in whole pixels.
func measure(face font.Face, s string) int { return font.MeasureString(face, s).Ceil() }
