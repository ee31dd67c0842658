package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
	w.methodOpts.box = container.NewVBox()
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
	u.refreshMethodOptions(st, meth)
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

// optionControls are the selected method's options as controls, made
// from cam's method table (Method.AllOptions): a check box per bool, a
// picker per choice, an entry per number or list (applied on Enter). An
// option added to a method's entry is a control here with no change to
// this file. Several layers are the layer picker's (panel_layer.go).
type optionControls struct {
	box    *fyne.Container
	method string
	model  *core.Model
	show   map[string]func(value string) // sets a control's value, sending nothing
}

// refreshMethodOptions rebuilds the controls when the method changes and
// shows the selection's values (the defaults where it sets none).
func (u *UI) refreshMethodOptions(st core.State, meth core.Method) {
	oc := &u.w.methodOpts
	if meth.Name != oc.method || st.Model != oc.model {
		oc.method, oc.model, oc.show = meth.Name, st.Model, map[string]func(string){}
		var rows []fyne.CanvasObject
		if st.Model != nil {
			for _, o := range meth.AllOptions() {
				if o.Kind != cam.KindLayers {
					rows = append(rows, u.optionControl(o))
				}
			}
		}
		oc.box.Objects = rows
		oc.box.Refresh()
		if u.w.settingsBox != nil {
			u.w.settingsBox.Refresh()
		}
	}
	for name, show := range oc.show {
		v, ok := st.Sel.Options.Get(name)
		if !ok {
			v = meth.Value(cam.Params{}, name)
		}
		show(v)
	}
}

// optionControl makes option o's control with its help underneath.
func (u *UI) optionControl(o cam.Option) fyne.CanvasObject {
	send := func(text string) {
		if u.updating {
			return
		}
		if text == o.DefaultText() {
			text = "" // back to the default: the selection holds only changes
		}
		u.act(u.s.SetOption(o.Name, text))
	}
	var control fyne.CanvasObject
	show := u.w.methodOpts.show
	switch o.Kind {
	case cam.KindBool:
		ck := widget.NewCheck(o.Name, func(on bool) { send(strconv.FormatBool(on)) })
		show[o.Name] = func(v string) {
			if on, _ := strconv.ParseBool(v); ck.Checked != on {
				ck.SetChecked(on)
			}
		}
		control = ck
	case cam.KindChoice:
		sel := widget.NewSelect(o.Choices, send)
		show[o.Name] = func(v string) {
			if sel.Selected != v {
				sel.SetSelected(v)
			}
		}
		control = container.NewBorder(nil, nil, widget.NewLabel(o.Name), nil, sel)
	default:
		e := widget.NewEntry()
		e.SetPlaceHolder(o.DefaultText())
		e.OnSubmitted = send
		last := "\x00"
		show[o.Name] = func(v string) {
			// Only a new value is shown: a refresh while the user types
			// (a slow method's progress) keeps what is typed.
			if v != last {
				last = v
				e.SetText(v)
			}
		}
		control = container.NewBorder(nil, nil, widget.NewLabel(o.Name), nil, e)
	}
	help := widget.NewLabel(wrapText(o.Help, 46))
	help.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(control, help)
}
