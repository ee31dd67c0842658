package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
	"camviz/imgio"
	"camviz/render"
)

// buildDrawing makes the controls of how the map is drawn: what the model
// sees, the scale, the colours and the saved caption.
func (u *UI) buildDrawing() {
	w := &u.w
	w.mode = widget.NewRadioGroup([]string{modeLabels[imgio.ModeWhole], modeLabels[imgio.ModeCrop]}, func(s string) {
		if u.updating || s == "" {
			return
		}
		for m, l := range modeLabels {
			if l == s {
				u.act(u.s.SetMode(m))
			}
		}
	})
	w.mode.Horizontal = true
	w.mode.Required = true
	var norms []string
	for _, o := range normOptions {
		norms = append(norms, o.Label)
	}
	w.norm = widget.NewSelect(norms, func(string) {
		if !u.updating {
			u.act(u.s.SetNorm(normOptions[w.norm.SelectedIndex()].Mode))
		}
	})
	cmaps := []string{"auto"}
	for _, c := range render.Colormaps() {
		cmaps = append(cmaps, c.Name)
	}
	w.cmap = widget.NewSelect(cmaps, func(s string) {
		if u.updating {
			return
		}
		if s == "auto" {
			s = ""
		}
		u.act(u.s.SetColormap(s))
	})
	w.alpha = widget.NewSlider(0, 1)
	w.alpha.Step = 0.05
	w.alpha.OnChanged = func(v float64) {
		if !u.updating {
			u.act(u.s.SetAlpha(v))
		}
	}
	w.overlay = widget.NewCheck("Show heat map (Space)", func(on bool) {
		if !u.updating {
			u.s.SetOverlay(on)
		}
	})

	w.captionCk = widget.NewCheck("Caption and colour bar in saved PNG", func(on bool) {
		u.caption = on
		u.fy.Preferences().SetBool("caption", on)
	})
	w.captionCk.SetChecked(u.caption)

}

// buildPicture makes the picture tab: the overlay, its titles, colour bar
// and the faithfulness panel under it.
func (u *UI) buildPicture() fyne.CanvasObject {
	w := &u.w
	w.view = newOverlayView(u.hover)
	w.viewTitle = widget.NewLabel("")
	w.viewTitle.Truncation = fyne.TextTruncateEllipsis
	w.note = widget.NewLabel("")
	w.note.Importance = widget.WarningImportance
	w.hover = widget.NewLabel(hoverHelp)
	w.bar = canvas.NewImageFromImage(nil)
	w.bar.FillMode = canvas.ImageFillContain
	w.bar.SetMinSize(fyne.NewSize(64, 300))
	w.faith = newFaithPanel(func(on bool) {
		if !u.updating {
			u.s.SetMeasure(on)
			u.fy.Preferences().SetBool("measure", on)
		}
	})
	w.viewTop = container.NewVBox(w.imageTitle, w.viewTitle)
	w.viewBottom = container.NewVBox(w.note, container.NewBorder(nil, nil, nil, w.faith.check, w.hover), w.faith.body)
	w.viewBox = container.NewBorder(w.viewTop, w.viewBottom, nil, container.NewCenter(w.bar), w.view)
	w.empty = u.buildEmpty()
	return container.NewStack(w.viewBox, w.empty)

}

// refreshDrawing sets the drawing controls from the selection.
func (u *UI) refreshDrawing(st core.State) {
	sel, m := st.Sel, st.Model
	// What the model sees: the analysis's mode once there is one.
	mode := sel.Mode
	if st.Analysis != nil && (mode == "" || mode == st.Analysis.Input.Mode) {
		mode = st.Analysis.Input.Mode
	} else if mode == "" && m != nil {
		mode = m.Spec.Mode
	}
	u.w.mode.SetSelected(modeLabels[mode])
	u.w.norm.SetSelectedIndex(normIndex(sel.Norm))
	cm := sel.Colormap
	if cm == "" {
		cm = "auto"
	}
	u.w.cmap.SetSelected(cm)
	u.w.alpha.SetValue(sel.Alpha)
	u.w.overlay.SetChecked(sel.Overlay)
}
