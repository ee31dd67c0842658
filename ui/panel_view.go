package ui

import (
	"fmt"
	"image"
	"os"
	"time"

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
	w.faith = newFaithPanel(func() { u.act(u.s.RunFaithfulness()) }, u.s.CancelFaithfulness)
	w.viewTop = container.NewVBox(w.imageTitle, w.viewTitle)
	w.trust = u.buildTrust()
	w.viewBottom = container.NewVBox(w.note, container.NewBorder(nil, nil, nil, w.faith.controls, w.hover), w.faith.body, w.trust.box)
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
	// The scale the picture is drawn on (shared while comparing).
	u.w.norm.SetSelectedIndex(normIndex(core.LabelsOf(st, u.pointer, time.Now()).Norm))
	cm := sel.Colormap
	if cm == "" {
		cm = "auto"
	}
	u.w.cmap.SetSelected(cm)
	u.w.alpha.SetValue(sel.Alpha)
	u.w.overlay.SetChecked(sel.Overlay)
}

// viewChanged shows the latest picture.
func (u *UI) viewChanged(st core.State) {
	if st.Photo == nil {
		u.w.empty.Show()
		u.w.viewBox.Hide()
		setText(u.w.emptyModel, u.emptyModelText(st))
		return
	}
	u.w.empty.Hide()
	u.w.viewBox.Show()
	v := st.View
	var img image.Image = st.Photo
	if v != nil && v.Analysis == st.Analysis && v.Base == st.Photo && st.Sel.Overlay {
		img = v.Image
	}
	if v != nil && v.Base != st.Photo {
		v = nil // a view of the previous picture
	}
	if img != u.w.view.Image() {
		u.w.view.SetImage(img)
	}
	u.shownPhoto = st.Photo
	title := st.Image
	if st.Analysis != nil {
		title = fmt.Sprintf("%s · %d×%d · %s", st.Image, st.ImageSize.X, st.ImageSize.Y, modeLabels[st.Analysis.Input.Mode])
	}
	setText(u.w.imageTitle, title)
	u.win.SetTitle("camviz — " + st.Image)
	// The title and the hover line are the snapshot's (core.LabelsOf),
	// so neither outlives the picture it describes.
	l := core.LabelsOf(st, u.pointer, time.Now())
	setText(u.w.viewTitle, l.Title)
	setText(u.w.hover, l.Hover)
	note := ""
	if v != nil {
		note = v.Note()
	}
	if st.ViewErr != "" {
		note = "Failed: " + st.ViewErr
	}
	if note == "" {
		u.w.note.Hide()
	} else {
		u.w.note.Show()
	}
	setLines(u.w.note, wrapText(note, 110), u.w.viewBox)
	u.updateBar(v, st.Sel.Overlay)
	if st.Current() && !u.ready {
		u.ready = true
		if u.opts.Smoke {
			// Report once the window has laid the picture out.
			go func() {
				time.Sleep(time.Second)
				u.post(func() {
					x, y, w, h := u.w.view.screenArea(u.fy.Driver().AbsolutePositionForObject(u.w.view), u.win.Canvas())
					fmt.Fprintf(os.Stderr, "camviz: overlay ready area=%d,%d,%d,%d\n", x, y, w, h)
					if u.opts.SmokeChecks {
						u.smokeChecks = true
						u.w.trust.road.OnTapped()
						u.w.trust.sanity.OnTapped()
					}
				})
			}()
		}
	}
}

func (u *UI) emptyModelText(st core.State) string {
	switch {
	case st.ModelLoading != "":
		return "Loading " + st.ModelLoading + "…"
	case st.Model == nil:
		return "No model loaded: open one with Open model… (Ctrl+Shift+O), or drop an .onnx file here."
	}
	return "Model: " + u.w.model.Text
}

// updateBar draws the colour bar for v.
func (u *UI) updateBar(v *core.View, overlay bool) {
	if v == nil || !overlay {
		u.w.bar.Hide()
		u.barKey = ""
		return
	}
	key := fmt.Sprintf("%s %v %v %v", v.Colormap, v.Range, u.dark, v.Sel.Compare.Contrast)
	if key != u.barKey {
		u.barKey = key
		img, err := colourBar(v.Colormap, v.Range, u.fy.Settings().Theme(), u.variant())
		if err == nil {
			u.w.bar.Image = img
			u.w.bar.Refresh()
		}
	}
	u.w.bar.Show()
}

// hover shows the map's value under the mouse.
func (u *UI) hover(x, y int, ok bool) {
	u.pointer = core.Pointer{X: x, Y: y, In: ok}
	setText(u.w.hover, core.HoverText(u.st, u.pointer))
}
