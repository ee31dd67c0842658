package ui

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The faithfulness panel under the picture: a toggle, the four numbers of
// the map and of the random and centre baselines, a verdict, and the
// deletion and insertion curves. It is drawn with canvas primitives in the
// theme's colours, so it stays sharp at any scale in light and dark.

// Curve styles: the method's curve solid in the primary colour, the
// baselines' lighter, dashed (random) and dotted (centre).
const (
	curveMethod = iota
	curveRandom
	curveCenter
)

type curveStyle struct {
	color   fyne.ThemeColorName
	alpha   uint8
	width   float32
	on, off float32 // dash pattern; off 0 = solid
}

var curveStyles = [3]curveStyle{
	{theme.ColorNamePrimary, 0xff, 2, 0, 0},
	{theme.ColorNameForeground, 0xa0, 1.5, 6, 4},
	{theme.ColorNameForeground, 0xa0, 1.5, 1.5, 3},
}

// withAlpha is c at opacity a (c's own alpha is dropped).
func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

func styleColor(st curveStyle, w fyne.Widget) color.Color {
	return withAlpha(theme.ColorForWidget(st.color, w), st.alpha)
}

// strokes draws the polyline pts in style st: one canvas.Line per solid
// piece, the dash pattern running on across the vertices.
func strokes(pts []fyne.Position, st curveStyle, c color.Color) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	line := func(a, b fyne.Position) {
		l := canvas.NewLine(c)
		l.StrokeWidth = st.width
		l.Position1, l.Position2 = a, b
		out = append(out, l)
	}
	if st.off == 0 {
		for i := 1; i < len(pts); i++ {
			line(pts[i-1], pts[i])
		}
		return out
	}
	drawing, left := true, st.on
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		dx, dy := b.X-a.X, b.Y-a.Y
		n := float32(math.Hypot(float64(dx), float64(dy)))
		for t := float32(0); t < n; {
			step := min(left, n-t)
			if drawing {
				line(fyne.NewPos(a.X+dx*t/n, a.Y+dy*t/n), fyne.NewPos(a.X+dx*(t+step)/n, a.Y+dy*(t+step)/n))
			}
			t += step
			left -= step
			if left <= 0 {
				drawing = !drawing
				left = st.off
				if drawing {
					left = st.on
				}
			}
		}
	}
	return out
}

// ---- curve plot ----

// curvePlot draws a deletion or insertion curve of the map and the
// baselines: probability over the fraction of pixels.
type curvePlot struct {
	widget.BaseWidget
	title, hint, xLabel string
	xEnd                string // the x axis's end label, "" for "1"
	x                   []float64
	y                   [3][]float64 // per curve style; nil = none
}

func newCurvePlot(title, hint, xLabel string) *curvePlot {
	p := &curvePlot{title: title, hint: hint, xLabel: xLabel}
	p.ExtendBaseWidget(p)
	return p
}

// set shows the curves (nil clears them).
func (p *curvePlot) set(x []float64, y [3][]float64) {
	p.x, p.y = x, y
	p.Refresh()
}

func (p *curvePlot) CreateRenderer() fyne.WidgetRenderer { return &plotRenderer{p: p} }

type plotRenderer struct {
	p    *curvePlot
	objs []fyne.CanvasObject
}

func (r *plotRenderer) MinSize() fyne.Size    { return fyne.NewSize(140, 112) }
func (r *plotRenderer) Layout(size fyne.Size) { r.build(size) }
func (r *plotRenderer) Refresh() {
	r.build(r.p.Size())
	canvas.Refresh(r.p)
}
func (r *plotRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *plotRenderer) Destroy()                     {}

// yTop is the plot's upper probability: the curves' highest point
// rounded up to a tenth.
func yTop(y [3][]float64) float64 {
	hi := 0.0
	for _, c := range y {
		for _, v := range c {
			hi = max(hi, v)
		}
	}
	return min(1, max(0.1, math.Ceil(hi*10-1e-9)/10))
}

func (r *plotRenderer) build(size fyne.Size) {
	p := r.p
	fg := theme.ColorForWidget(theme.ColorNameForeground, p)
	muted := withAlpha(fg, 0x99)
	ts := theme.SizeForWidget(theme.SizeNameCaptionText, p)
	text := func(s string, c color.Color, bold bool) *canvas.Text {
		t := canvas.NewText(s, c)
		t.TextSize = ts
		t.TextStyle.Bold = bold
		t.Resize(t.MinSize())
		return t
	}
	top := yTop(p.y)
	topLabel := text(trimFloat(top), muted, false)
	zero := text("0", muted, false)
	th := topLabel.MinSize().Height
	ml := topLabel.MinSize().Width + 4
	mt, mb, mr := th+4, th+2, float32(6)
	x0, y0, x1, y1 := ml, mt, size.Width-mr, size.Height-mb
	var objs []fyne.CanvasObject
	title := text(p.title, fg, true)
	objs = append(objs, title)
	// The hint and the axis label only where they fit.
	if hint := text(p.hint, muted, false); title.MinSize().Width+6+hint.MinSize().Width <= size.Width {
		hint.Move(fyne.NewPos(title.MinSize().Width+6, 0))
		objs = append(objs, hint)
	}
	if x1-x0 < 10 || y1-y0 < 10 {
		r.objs = objs
		return
	}
	topLabel.Move(fyne.NewPos(ml-4-topLabel.MinSize().Width, y0-th/2))
	zero.Move(fyne.NewPos(ml-4-zero.MinSize().Width, y1-th/2))
	end := p.xEnd
	if end == "" {
		end = "1"
	}
	xZero, xOne := text("0", muted, false), text(end, muted, false)
	xZero.Move(fyne.NewPos(x0-xZero.MinSize().Width/2, y1+1))
	xOne.Move(fyne.NewPos(x1-xOne.MinSize().Width/2, y1+1))
	xl := text(p.xLabel, muted, false)
	xl.Move(fyne.NewPos((x0+x1-xl.MinSize().Width)/2, y1+1))
	if xl.MinSize().Width > x1-x0-xZero.MinSize().Width-xOne.MinSize().Width-8 {
		xl.Hide()
	}
	grid := canvas.NewLine(withAlpha(fg, 0x30))
	grid.Position1, grid.Position2 = fyne.NewPos(x0, y0), fyne.NewPos(x1, y0)
	axes := canvas.NewLine(muted)
	axes.Position1, axes.Position2 = fyne.NewPos(x0, y1), fyne.NewPos(x1, y1)
	yAxis := canvas.NewLine(muted)
	yAxis.Position1, yAxis.Position2 = fyne.NewPos(x0, y0), fyne.NewPos(x0, y1)
	objs = append(objs, grid, axes, yAxis, topLabel, zero, xZero, xOne, xl)
	// Baselines first, the method's curve on top.
	for _, i := range []int{curveCenter, curveRandom, curveMethod} {
		ys := p.y[i]
		if len(ys) < 2 || len(ys) != len(p.x) {
			continue
		}
		pts := make([]fyne.Position, len(ys))
		for j, v := range ys {
			// Clamped to the axes: a negative correlation sits on the floor.
			pts[j] = fyne.NewPos(x0+float32(p.x[j])*(x1-x0), y1-float32(max(0, min(v, top))/top)*(y1-y0))
		}
		objs = append(objs, strokes(pts, curveStyles[i], styleColor(curveStyles[i], p))...)
	}
	r.objs = objs
}

// trimFloat writes 1 as "1" and 0.3 as "0.3".
func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// ---- legend swatch ----

// swatch is a short stroke in a curve's style, for the table's header.
type swatch struct {
	widget.BaseWidget
	style int
}

func newSwatch(style int) *swatch {
	s := &swatch{style: style}
	s.ExtendBaseWidget(s)
	return s
}

func (s *swatch) CreateRenderer() fyne.WidgetRenderer { return &swatchRenderer{s: s} }

type swatchRenderer struct {
	s    *swatch
	objs []fyne.CanvasObject
}

func (r *swatchRenderer) MinSize() fyne.Size { return fyne.NewSize(22, 10) }
func (r *swatchRenderer) Layout(size fyne.Size) {
	st := curveStyles[r.s.style]
	y := size.Height / 2
	r.objs = strokes([]fyne.Position{{X: 0, Y: y}, {X: size.Width, Y: y}}, st, styleColor(st, r.s))
}
func (r *swatchRenderer) Refresh() {
	r.Layout(r.s.Size())
	canvas.Refresh(r.s)
}
func (r *swatchRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *swatchRenderer) Destroy()                     {}

// ---- table layout ----

// tableLayout places objects in rows of cols cells, each column as wide
// as its widest cell, each row as tall as its tallest.
type tableLayout struct {
	cols       int
	hgap, vgap float32
}

func (l *tableLayout) sizes(objs []fyne.CanvasObject) (w, h []float32) {
	w = make([]float32, l.cols)
	h = make([]float32, (len(objs)+l.cols-1)/l.cols)
	for i, o := range objs {
		m := o.MinSize()
		w[i%l.cols] = max(w[i%l.cols], m.Width)
		h[i/l.cols] = max(h[i/l.cols], m.Height)
	}
	return w, h
}

func (l *tableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := l.sizes(objs)
	var s fyne.Size
	for _, x := range w {
		s.Width += x
	}
	for _, y := range h {
		s.Height += y
	}
	s.Width += l.hgap * float32(max(len(w)-1, 0))
	s.Height += l.vgap * float32(max(len(h)-1, 0))
	return s
}

func (l *tableLayout) Layout(objs []fyne.CanvasObject, _ fyne.Size) {
	w, h := l.sizes(objs)
	y := float32(0)
	for r := range h {
		x := float32(0)
		for c := range w {
			if i := r*l.cols + c; i < len(objs) {
				objs[i].Move(fyne.NewPos(x, y))
				objs[i].Resize(fyne.NewSize(w[c], h[r]))
			}
			x += w[c] + l.hgap
		}
		y += h[r] + l.vgap
	}
}

// ---- the panel ----
