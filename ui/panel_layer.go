package ui

import (
	"fyne.io/fyne/v2/widget"
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
