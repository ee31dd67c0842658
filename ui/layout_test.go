package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const digitSample = "../assets/samples/double_41.png"

// placed is a control found on the canvas: where it is, what of it the
// scrollers around it leave visible, and the stacks it sits in.
type placed struct {
	o        fyne.CanvasObject
	name     string
	rect     rect // where it is laid out, in canvas coordinates
	vis      rect // rect cut by the scrollers around it
	inVert   bool // a vertical scroller holds it (cut at top or bottom is fine)
	clipX    rect // the horizontal extent it must stay within
	stackIdx map[*fyne.Container]int
}

type rect struct{ x0, y0, x1, y1 float32 }

func (r rect) cut(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) empty() bool { return r.x1-r.x0 < 1 || r.y1-r.y0 < 1 }

func (r rect) String() string { return fmt.Sprintf("(%.0f,%.0f)-(%.0f,%.0f)", r.x0, r.y0, r.x1, r.y1) }

// controls walks the laid-out tree under o and lists the visible
// controls, labels, pictures and plots (not what they are made of).
func controls(o fyne.CanvasObject, canvasSize fyne.Size) []placed {
	var out []placed
	full := rect{0, 0, canvasSize.Width, canvasSize.Height}
	var walk func(o fyne.CanvasObject, at fyne.Position, clip rect, inVert bool, stacks map[*fyne.Container]int)
	walk = func(o fyne.CanvasObject, at fyne.Position, clip rect, inVert bool, stacks map[*fyne.Container]int) {
		if o == nil || !o.Visible() {
			return
		}
		pos := at.Add(o.Position())
		size := o.Size()
		r := rect{pos.X, pos.Y, pos.X + size.Width, pos.Y + size.Height}
		switch x := o.(type) {
		case *widget.Label, *widget.Button, *widget.Check, *widget.Select, *widget.Entry,
			*widget.Slider, *widget.RadioGroup, *widget.ProgressBar, *widget.Hyperlink,
			*canvas.Image, *overlayView, *curvePlot:
			if v := r.cut(clip); !v.empty() {
				out = append(out, placed{o: o, name: describe(o), rect: r, vis: v, inVert: inVert, clipX: clip, stackIdx: stacks})
			}
			return
		case *container.Scroll:
			clip = clip.cut(r)
			inVert = x.Direction != container.ScrollHorizontalOnly && x.Direction != container.ScrollNone
			walk(x.Content, pos.Subtract(x.Offset), clip, inVert, stacks)
			return
		case *fyne.Container:
			isStack := x.Layout != nil && reflect.TypeOf(x.Layout) == reflect.TypeOf(layout.NewStackLayout())
			for i, c := range x.Objects {
				s := stacks
				if isStack {
					s = map[*fyne.Container]int{x: i}
					for k, v := range stacks {
						s[k] = v
					}
				}
				walk(c, pos, clip, inVert, s)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c, pos, clip, inVert, stacks)
			}
		}
	}
	walk(o, fyne.Position{}, full, false, map[*fyne.Container]int{})
	return out
}

func describe(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.Label:
		return fmt.Sprintf("label %q", x.Text)
	case *widget.Button:
		return fmt.Sprintf("button %q", x.Text)
	case *widget.Check:
		return fmt.Sprintf("check %q", x.Text)
	case *widget.Select:
		return fmt.Sprintf("select %q", x.Selected)
	case *widget.Entry:
		return fmt.Sprintf("entry %q", x.PlaceHolder)
	case *widget.RadioGroup:
		return fmt.Sprintf("radio %v", x.Options)
	}
	return fmt.Sprintf("%T", o)
}

// byDesign: two controls drawn over each other on purpose, in different
// layers of one stack (a probability's number on its bar).
func byDesign(a, b placed) bool {
	for s, i := range a.stackIdx {
		if j, ok := b.stackIdx[s]; ok && i != j {
			return true
		}
	}
	return false
}

// layoutProblems lists what is wrong with the window's layout as laid
// out now: controls over each other, controls cut by the window's edge
// or by a scroller's side, and controls smaller than their content
// (text that does not fit). Labels that truncate with an ellipsis may
// be narrower than their text, unless they are in mustFit.
func layoutProblems(u *UI, mustFit ...*widget.Label) []string {
	c := u.win.Canvas()
	items := controls(c.Content(), c.Size())
	var bad []string
	fits := map[fyne.CanvasObject]bool{}
	for _, l := range mustFit {
		fits[l] = true
	}
	const tol = 0.5
	for i, a := range items {
		// Inside the window, and not cut by a side of its scroller.
		if a.rect.x0 < a.clipX.x0-tol || a.rect.x1 > a.clipX.x1+tol {
			bad = append(bad, fmt.Sprintf("%s at %v is cut at the side (visible x %.0f…%.0f)", a.name, a.rect, a.clipX.x0, a.clipX.x1))
		}
		if !a.inVert && (a.rect.y0 < a.clipX.y0-tol || a.rect.y1 > a.clipX.y1+tol) {
			bad = append(bad, fmt.Sprintf("%s at %v is cut off at the window's edge", a.name, a.rect))
		}
		// Its content fits.
		min, size := a.o.MinSize(), a.o.Size()
		if l, ok := a.o.(*widget.Label); ok && l.Truncation != fyne.TextTruncateOff && !fits[l] {
			min.Width = 0
		}
		if l, ok := a.o.(*widget.Label); ok && fits[l] {
			th := theme.Current()
			tw := fyne.MeasureText(l.Text, th.Size(l.SizeName), l.TextStyle).Width + 2*th.Size(theme.SizeNameInnerPadding)
			min.Width = max(min.Width, tw)
		}
		if min.Width > size.Width+tol || min.Height > size.Height+tol {
			bad = append(bad, fmt.Sprintf("%s is %.0f×%.0f, needs %.0f×%.0f", a.name, size.Width, size.Height, min.Width, min.Height))
		}
		// Nothing over it.
		for _, b := range items[i+1:] {
			if o := a.vis.cut(b.vis); !o.empty() && !byDesign(a, b) {
				bad = append(bad, fmt.Sprintf("%s at %v overlaps %s at %v", a.name, a.rect, b.name, b.rect))
			}
		}
	}
	return bad
}

var windowSizes = []fyne.Size{{Width: 640, Height: 480}, {Width: 800, Height: 600}, {Width: 1280, Height: 800}, {Width: 1920, Height: 1080}}

// TestLayoutsHold lays the window out at four sizes, on the embedded
// model with a picture, in both tabs, and checks that no two controls or
// labels overlap, none is cut by the window's edge or a scroller's side,
// and each is at least as big as its content.
func TestLayoutsHold(t *testing.T) {
	h := newHarness(t, Options{Image: digitSample})
	u := h.u
	h.until("the first overlay", h.current)
	h.settled()
	if min := u.win.Content().MinSize(); min.Width > 640 || min.Height+menuBarHeight > 480 {
		t.Errorf("the window cannot be made smaller than %v and a menu bar (want 640×480)", min)
	}
	for _, tab := range []int{0, 1} {
		u.w.tabs.SelectIndex(tab)
		if tab == 1 {
			h.until("the grid", func() bool { g := u.s.State().Grid; return g != nil && g.Done && u.shownGrid == g })
		}
		for _, size := range windowSizes {
			u.win.Resize(size.SubtractWidthHeight(0, menuBarHeight)) // the test window has no menu bar
			h.settled()
			u.win.Content().Refresh()
			dumpCanvas(t, u, fmt.Sprintf("tab%d-%.0fx%.0f.png", tab, size.Width, size.Height))
			bad := layoutProblems(u, u.w.classInfo, u.w.hover)
			if len(bad) > 0 {
				t.Errorf("tab %d at %v×%v: %d problems:\n  %s", tab, size.Width, size.Height, len(bad), strings.Join(bad[:min(len(bad), 12)], "\n  "))
			}
		}
	}
}

// dumpCanvas writes the canvas as PNG into $CAMVIZ_LAYOUT_DUMP, if set
// (to look at what a layout test saw).
func dumpCanvas(t *testing.T, u *UI, name string) {
	dir := os.Getenv("CAMVIZ_LAYOUT_DUMP")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
