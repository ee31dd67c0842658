package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
)

// buildCompare makes the two-class comparison controls.
func (u *UI) buildCompare() []fyne.CanvasObject {
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
	return []fyne.CanvasObject{
		widget.NewSeparator(),
		w.compare,
		container.NewBorder(nil, nil, widget.NewLabel("A"), nil, w.a),
		container.NewBorder(nil, nil, widget.NewLabel("B"), nil, w.b),
		container.NewBorder(nil, nil, widget.NewLabel("A"), widget.NewLabel("B"), w.blend),
		w.contrast,
	}
}

// refreshCompare sets the comparison controls; they work only on an
// analysed picture, and the blend not in contrast mode.
func (u *UI) refreshCompare(st core.State) {
	sel := st.Sel
	has := st.Analysis != nil
	u.w.compare.SetChecked(sel.Compare.On)
	u.setClassOptions(st)
	u.w.blend.SetValue(sel.Compare.T)
	u.w.contrast.SetChecked(sel.Compare.Contrast)
	for _, o := range []interface {
		Enable()
		Disable()
	}{u.w.a, u.w.b, u.w.blend, u.w.contrast} {
		if sel.Compare.On && has {
			o.Enable()
		} else {
			o.Disable()
		}
	}
	if sel.Compare.On && sel.Compare.Contrast {
		u.w.blend.Disable()
	}
	if has {
		u.w.compare.Enable()
	} else {
		u.w.compare.Disable()
	}
}

func (u *UI) setB(k int) {
	c := u.st.Sel.Compare
	u.act(u.s.SetCompareClasses(c.A, k))
}

// setClassOptions fills the A and B pickers: the top ten classes, and
// the chosen ones if they rank lower.
func (u *UI) setClassOptions(st core.State) {
	if st.Analysis == nil {
		u.w.a.Options, u.w.b.Options, u.w.classOpts = nil, nil, nil
		u.w.a.ClearSelected()
		u.w.b.ClearSelected()
		return
	}
	a := st.Analysis
	ks := append([]int(nil), u.w.rank[:min(10, len(u.w.rank))]...)
	for _, k := range []int{st.Sel.Compare.A, st.Sel.Compare.B} {
		if rankOf(ks, k) < 0 && a.CheckClass(k) == nil {
			ks = append(ks, k)
		}
	}
	opts := make([]string, len(ks))
	for i, k := range ks {
		opts[i] = fmt.Sprintf("%s  %.3f", a.Model.Label(k), a.Probs[k])
	}
	u.w.classOpts = ks
	u.w.a.Options, u.w.b.Options = opts, opts
	u.w.a.SetSelectedIndex(rankOf(ks, st.Sel.Compare.A))
	u.w.b.SetSelectedIndex(rankOf(ks, st.Sel.Compare.B))
}
