package ui

import (
	"fyne.io/fyne/v2/widget"
)

// buildCompare makes the two-class comparison controls.
func (u *UI) buildCompare() {
	w := &u.w
	w.compare = widget.NewCheck("Compare two classes", func(on bool) {
		if !u.updating {
			u.s.SetCompare(on)
		}
	})
	pick := func(sel *widget.Select, isA bool) func(string) {
		return func(string) {
			i := sel.SelectedIndex()
			if u.updating || i < 0 || i >= len(w.classOpts) {
				return
			}
			c := u.st.Sel.Compare
			if isA {
				c.A = w.classOpts[i]
			} else {
				c.B = w.classOpts[i]
			}
			u.act(u.s.SetCompareClasses(c.A, c.B))
		}
	}
	w.a = widget.NewSelect(nil, nil)
	w.a.OnChanged = pick(w.a, true)
	w.b = widget.NewSelect(nil, nil)
	w.b.OnChanged = pick(w.b, false)
	w.blend = widget.NewSlider(0, 1)
	w.blend.Step = 0.01
	w.blend.OnChanged = func(v float64) {
		if !u.updating {
			u.act(u.s.SetBlend(v))
		}
	}
	w.contrast = widget.NewCheck("Signed contrast A − B", func(on bool) {
		if !u.updating {
			u.s.SetContrast(on)
		}
	})
}
