package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
	core "camviz/app"
	"camviz/cam"
)

// buildMethod makes the method button and its one-line hint.
func (u *UI) buildMethod() []fyne.CanvasObject {
	w := &u.w
	first, _ := cam.Find(cam.DefaultMethod) // until a model says more
	w.method = widget.NewButtonWithIcon(first.Display, theme.MenuDropDownIcon(), u.showMethodMenu)
	w.method.IconPlacement = widget.ButtonIconTrailingText
	w.method.Alignment = widget.ButtonAlignLeading
	// Hints are wrapped by wrapText, not by Fyne: a wrapping label in a
	// scrolled box gets its height from a stale width and overlaps.
	w.methodHint = widget.NewLabel("")
	w.methodHint.SizeName = theme.SizeNameCaptionText
	return []fyne.CanvasObject{heading("Method"), w.method, w.methodHint}
}

// buildMethodOptions makes the box the selected method's options go in.
func (u *UI) buildMethodOptions() []fyne.CanvasObject {
	u.w.methodOpts.box = container.NewVBox()
	return []fyne.CanvasObject{heading("Method options"), u.w.methodOpts.box}
}

// selectedMethod is the model's entry for the selection's method (the
// zero Method without a model).
func selectedMethod(st core.State) analysis.Method {
	var meth analysis.Method
	if st.Model != nil {
		for _, x := range st.Model.Methods() {
			if x.Name == st.Sel.Method {
				meth = x
			}
		}
	}
	return meth
}

// refreshMethod shows the selected method and its hint.
func (u *UI) refreshMethod(st core.State) {
	if st.Model != nil {
		meth := selectedMethod(st)
		if u.w.method.Text != meth.Display {
			u.w.method.SetText(meth.Display)
		}
		setLines(u.w.methodHint, u.methodHintText(st), u.w.settingsBox)
		u.w.method.Enable()
	} else {
		u.w.method.Disable()
	}
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
func methodHint(meth analysis.Method) string {
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

// optionControls are the selected method's options as controls, made
// from cam's method table (Method.AllOptions): a check box per bool, a
// picker per choice, an entry per number or list (applied on Enter). An
// option added to a method's entry is a control here with no change to
// this file. Several layers are the layer picker's (panel_layer.go).
type optionControls struct {
	box    *fyne.Container
	method string
	model  *analysis.Model
	show   map[string]func(value string) // sets a control's value, sending nothing
}

// refreshMethodOptions rebuilds the controls when the method changes and
// shows the selection's values (the defaults where it sets none).
func (u *UI) refreshMethodOptions(st core.State) {
	meth := selectedMethod(st)
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
	help := widget.NewLabel(wrapText(o.Help, narrowHintLen)) // the narrow pane's width: help never widens the pane
	help.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(control, help)
}
