package ui

import (
	"fmt"
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
		setLines(u.w.methodHint, wrapText(methodHint(m, meth), 46), u.w.settingsBox)
		u.w.method.Enable()
	} else {
		u.w.method.Disable()
	}
	return meth
}

// showMethodMenu pops up the methods; those that do not apply to the
// model are disabled and say so (the hint under the button says why).
func (u *UI) showMethodMenu() {
	m := u.st.Model
	if m == nil {
		return
	}
	var items []*fyne.MenuItem
	for _, x := range m.Methods() {
		label := x.Display
		if x.Slow {
			label += "  (slow)"
		}
		if !x.Applies {
			label += "  — not for this model"
		}
		it := fyne.NewMenuItem(label, func() { u.chooseMethod(x.Name) })
		it.Disabled = !x.Applies
		it.Checked = x.Name == u.st.Sel.Method
		items = append(items, it)
	}
	b := u.w.method
	pos := u.fy.Driver().AbsolutePositionForObject(b).AddXY(0, b.Size().Height)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), u.win.Canvas(), pos)
}

func (u *UI) chooseMethod(name string) { u.act(u.s.SetMethod(name)) }

// methodHint describes the chosen method and says which methods do not
// apply, and why.
func methodHint(m *core.Model, meth core.Method) string {
	var b strings.Builder
	b.WriteString(meth.Description)
	if meth.Slow {
		b.WriteString(" Slow: many forward passes; progress and Cancel are in the status bar.")
	}
	if meth.FixedLayer {
		b.WriteString(" Reads a fixed layer: the layer choice does not apply.")
	}
	for _, x := range m.Methods() {
		if !x.Applies {
			fmt.Fprintf(&b, "\n%s: not for this model: %s.", x.Display, strings.TrimSuffix(x.Reason, "."))
		}
	}
	return b.String()
}
