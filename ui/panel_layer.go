package ui

import (
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
)

// buildLayer makes the layer picker.
func (u *UI) buildLayer() {
	w := &u.w
	w.layer = widget.NewSelect(nil, func(string) {
		if u.updating {
			return
		}
		if i := w.layer.SelectedIndex(); i >= 0 && i < len(w.layerNames) {
			u.act(u.s.SetLayer(w.layerNames[i]))
		}
	})
}

// refreshLayer selects the selection's layer; fixed-layer methods and no
// model disable the picker.
func (u *UI) refreshLayer(st core.State, meth core.Method) {
	sel, m := st.Sel, st.Model
	li := 0
	for i, n := range u.w.layerNames {
		if n == sel.Layer {
			li = i
		}
	}
	if len(u.w.layer.Options) > li && u.w.layer.SelectedIndex() != li {
		u.w.layer.SetSelectedIndex(li)
	}
	if m == nil || meth.FixedLayer {
		u.w.layer.Disable()
	} else {
		u.w.layer.Enable()
	}
}
