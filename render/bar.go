package render

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/font"
)

// Orientation of a colour bar.
type Orientation int

const (
	// Vertical bars run from Hi at the top to Lo at the bottom, labels on
	// the right.
	Vertical Orientation = iota
	// Horizontal bars run from Lo on the left to Hi on the right, labels
	// below.
	Horizontal
)

// BarOptions describes a colour bar.
type BarOptions struct {
	// LUT and Range: the colour map and the values it spans (as in Style).
	LUT   *LUT
	Range Range
	// Orientation of the strip.
	Orientation Orientation
	// Length of the colour strip in pixels (along the values) and its
	// Thickness (across). Thickness 0 means Length/12, at least 8.
	Length, Thickness int
	// Ticks is the approximate number of labelled ticks (0 means 5); they
	// are placed at "nice" values (1, 2 or 5 × 10^k steps).
	Ticks int
	// Face is the label font; nil means Go Regular at 12 px or Length/30.
	Face font.Face
	// Foreground and Background colour labels, ticks and the background;
	// nil means black on white.
	Foreground, Background color.Color
}

const tickLen = 4

// ColorBar draws a colour bar with tick labels. The strip's pixel at
// distance d from the Lo end shows the value Lo + (d+0.5)/Length·(Hi−Lo),
// coloured as Overlay colours values, so the bar matches the picture. Half
// a label height (or width) of margin on both ends keeps end labels whole.
func ColorBar(o BarOptions) (*image.RGBA, error) {
	if o.Length <= 0 {
		return nil, fmt.Errorf("render: colour bar length %d", o.Length)
	}
	if !(o.Range.Hi > o.Range.Lo) {
		return nil, fmt.Errorf("render: colour bar range [%v, %v]", o.Range.Lo, o.Range.Hi)
	}
	lut := o.LUT
	if lut == nil {
		lut = Jet()
	}
	face := o.Face
	if face == nil {
		f, err := NewFace(max(12, float64(o.Length)/30))
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
	thick := o.Thickness
	if thick <= 0 {
		thick = max(8, o.Length/12)
	}
	ticks := niceTicks(float64(o.Range.Lo), float64(o.Range.Hi), max(o.Ticks, 0))
	labels := make([]string, len(ticks))
	labelW := 0
	for i, v := range ticks {
		labels[i] = formatTick(v, ticks)
		labelW = max(labelW, textWidth(face, labels[i]))
	}
	lh := lineHeight(face)
	gap := max(lh/4, 2)
	fgU := image.NewUniform(fg)
	// pos is the pixel offset of value v along the strip from the Lo end.
	pos := func(v float64) int {
		t := (v - float64(o.Range.Lo)) / float64(o.Range.Hi-o.Range.Lo)
		return min(int(t*float64(o.Length)), o.Length-1)
	}
	colorAt := func(d int) color.RGBA {
		v := o.Range.Lo + (float32(d)+0.5)/float32(o.Length)*(o.Range.Hi-o.Range.Lo)
		return lut.RGBA(o.Range.Index(v))
	}

	var img *image.RGBA
	if o.Orientation == Horizontal {
		margin := (labelW + 1) / 2
		img = image.NewRGBA(image.Rect(0, 0, o.Length+2*margin, thick+tickLen+gap+lh))
		draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		for d := range o.Length {
			draw.Draw(img, image.Rect(margin+d, 0, margin+d+1, thick), image.NewUniform(colorAt(d)), image.Point{}, draw.Src)
		}
		for i, v := range ticks {
			x := margin + pos(v)
			draw.Draw(img, image.Rect(x, thick, x+1, thick+tickLen), fgU, image.Point{}, draw.Src)
			drawText(img, face, fg, x-textWidth(face, labels[i])/2, thick+tickLen+gap, labels[i])
		}
		return img, nil
	}
	margin := (lh + 1) / 2
	img = image.NewRGBA(image.Rect(0, 0, thick+tickLen+gap+labelW+gap, o.Length+2*margin))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	for d := range o.Length {
		y := margin + o.Length - 1 - d // Hi at the top
		draw.Draw(img, image.Rect(0, y, thick, y+1), image.NewUniform(colorAt(d)), image.Point{}, draw.Src)
	}
	for i, v := range ticks {
		y := margin + o.Length - 1 - pos(v)
		draw.Draw(img, image.Rect(thick, y, thick+tickLen, y+1), fgU, image.Point{}, draw.Src)
		drawText(img, face, fg, thick+tickLen+gap, y-lh/2, labels[i])
	}
	return img, nil
}

// niceTicks returns values k·step within [lo, hi], step being 1, 2 or 5
// times a power of ten chosen to give about n ticks (n ≤ 0 means 5).
func niceTicks(lo, hi float64, n int) []float64 {
	if n <= 0 {
		n = 5
	}
	if n == 1 {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n-1)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 5} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	var ts []float64
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if math.Abs(v) < 1e-12*step {
			v = 0 // avoid "-0"
		}
		ts = append(ts, v)
	}
	return ts
}

// formatTick prints v with as many decimals as the tick spacing needs.
func formatTick(v float64, ticks []float64) string {
	if len(ticks) < 2 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	step := math.Abs(ticks[1] - ticks[0])
	if step >= 1e5 || step < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	dec := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return strconv.FormatFloat(v, 'f', dec, 64)
}
