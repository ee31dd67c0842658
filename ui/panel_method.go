package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
	"camviz/cam"
)

// buildMethod makes the method button and its one-line hint.
func (u *UI) buildMethod() {
	w := &u.w
	first, _ := cam.Find(cam.DefaultMethod) // until a model says more
	w.method = widget.NewButtonWithIcon(first.Display, theme.MenuDropDownIcon(), u.showMethodMenu)
	w.method.IconPlacement = widget.ButtonIconTrailingText
	w.method.Alignment = widget.ButtonAlignLeading
	// Hints are wrapped by wrapText, not by Fyne: a wrapping label in a
	// scrolled box gets its height from a stale width and overlaps.
	w.methodHint = widget.NewLabel("")
	w.methodHint.SizeName = theme.SizeNameCaptionText
}

// refreshMethod shows the selected method and its hint, and returns it.
func (u *UI) refreshMethod(st core.State) core.Method {
	sel, m := st.Sel, st.Model
	var meth core.Method
	if m != nil {
		for _, x := range m.Methods() {
			if x.Name == sel.Method {
				meth = x
			}
		}
		if u.w.method.Text != meth.Display {
			u.w.method.SetText(meth.Display)
		}
		setLines(u.w.methodHint, u.methodHintText(st), u.w.settingsBox)
		u.w.method.Enable()
	} else {
		u.w.method.Disable()
	}
	return meth
}

// showMethodMenu pops up the methods.
func (u *UI) showMethodMenu() {
	items := u.methodItems()
	if items == nil {
		return
	}
	b := u.w.method
	pos := u.fy.Driver().AbsolutePositionForObject(b).AddXY(0, b.Size().Height)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), u.win.Canvas(), pos)
}

// methodItems are the method picker's entries: those that do not apply
// to the model are disabled and say why.
func (u *UI) methodItems() []*fyne.MenuItem {
	m := u.st.Model
	if m == nil {
		return nil
	}
	var items []*fyne.MenuItem
	for _, x := range m.Methods() {
		label := x.Display
		if x.Slow {
			label += "  (slow)"
		}
		if !x.Applies {
			label += "  — not for this model: " + shortReason(x.Reason)
		}
		it := fyne.NewMenuItem(label, func() { u.chooseMethod(x.Name) })
		it.Disabled = !x.Applies
		it.Checked = x.Name == u.st.Sel.Method
		items = append(items, it)
	}
	return items
}

func (u *UI) chooseMethod(name string) { u.act(u.s.SetMethod(name)) }

// methodHintText is the selected method's sentence, wrapped to the
// pane's width and padded to as many lines as the longest of the model's
// methods takes, so the controls under it stay where they are.
func (u *UI) methodHintText(st core.State) string {
	m := st.Model
	if m == nil {
		return ""
	}
	n := wideHintLen
	if u.narrow {
		n = narrowHintLen
	}
	text, most := "", 0
	for _, x := range m.Methods() {
		t := wrapText(methodHint(x), n)
		most = max(most, strings.Count(t, "\n"))
		if x.Name == st.Sel.Method {
			text = t
		}
	}
	return text + strings.Repeat("\n", most-strings.Count(text, "\n"))
}

// methodHint is what the method computes (the reasons other methods do
// not apply are in the picker, beside each of them).
func methodHint(meth core.Method) string {
	s := meth.Description
	if meth.Slow {
		s += " Slow: many forward passes."
	}
	if meth.FixedLayer {
		s += " Reads a fixed layer, whatever the layer picker says."
	}
	return s
}

// shortReason is a reason's first clause, for a menu entry's one line.
func shortReason(r string) string {
	r = strings.TrimSuffix(r, ".")
	if i := strings.IndexAny(r, ":—→("); i > 0 {
		r = r[:i]
	}
	return strings.TrimSpace(r)
}
