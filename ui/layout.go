package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The window's smallest content size — with the menu bar Linux and
// Windows draw above it (menuBarHeight), a window that fits a 640×480
// screen — and the width below which the panes switch to their narrow
// arrangement (rows of controls become columns).
var (
	menuBarHeight = float32(32)
	minWindow     = fyne.NewSize(640, 480-menuBarHeight)
	narrowBelow   = float32(1100)
	leftPaneMin   = float32(170) // the classes
	rightPaneMin  = float32(200) // the drawing settings
	narrowHintLen = 30           // runes a line of the method's sentence holds when narrow
	wideHintLen   = 44
)

// rootLayout gives the window's content its whole size and reports
// minWindow as its minimum, so the window can shrink to it while every
// pane inside scrolls or rearranges. Before laying the content out it
// tells onWidth the width, so panes switch arrangement in the same pass.
type rootLayout struct {
	onWidth func(w float32)
}

func (l *rootLayout) MinSize([]fyne.CanvasObject) fyne.Size { return minWindow }

func (l *rootLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if l.onWidth != nil {
		l.onWidth(size.Width)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// rowLayout puts its objects in a row when wide() says so — the first
// takes the room the others leave, unless packed (all at their least
// width, from the left) — and one under the other otherwise.
type rowLayout struct {
	wide   func() bool
	packed bool
}

func (l *rowLayout) visible(objs []fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objs {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

func (l *rowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	var s fyne.Size
	for i, o := range l.visible(objs) {
		m := o.MinSize()
		if l.wide() {
			s.Width += m.Width
			s.Height = max(s.Height, m.Height)
			if i > 0 {
				s.Width += pad
			}
		} else {
			s.Width = max(s.Width, m.Width)
			s.Height += m.Height
			if i > 0 {
				s.Height += pad
			}
		}
	}
	return s
}

func (l *rowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	vis := l.visible(objs)
	if !l.wide() {
		y := float32(0)
		for _, o := range vis {
			h := o.MinSize().Height
			o.Move(fyne.NewPos(0, y))
			o.Resize(fyne.NewSize(size.Width, h))
			y += h + pad
		}
		return
	}
	rest := size.Width
	for i, o := range vis {
		if i > 0 {
			rest -= o.MinSize().Width + pad
		}
	}
	x := float32(0)
	for i, o := range vis {
		w := o.MinSize().Width
		if i == 0 && !l.packed {
			w = max(rest, w)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}
