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
	"camviz/compose"
	"camviz/imgio"
	"camviz/render"
)

// buildDrawing makes the controls of how the map is drawn: what the model
// sees, the scale, the colours and the saved caption.
func (u *UI) buildDrawing() []fyne.CanvasObject {
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

	w.captionCk = widget.NewCheck("Caption in saved PNG", func(on bool) {
		u.caption = on
		u.fy.Preferences().SetBool("caption", on)
	})
	w.captionCk.SetChecked(u.caption)
	return []fyne.CanvasObject{
		heading("What the model sees"),
		w.mode,
		heading("Scale"),
		w.norm,
		heading("Colours"),
		container.NewBorder(nil, nil, widget.NewLabel("Map"), nil, w.cmap),
		container.NewBorder(nil, nil, widget.NewLabel("Opacity"), nil, w.alpha),
		w.overlay,
		widget.NewSeparator(),
		w.captionCk,
	}
}

// buildPicture makes the picture tab: the overlay, its titles, colour bar
// and a warning under it, above the panels placed under the picture.
func (u *UI) buildPicture() []fyne.CanvasObject {
	w := &u.w
	w.imageTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.imageTitle.Truncation = fyne.TextTruncateEllipsis
	w.view = newOverlayView(u.hover)
	w.viewTitle = widget.NewLabel("")
	w.viewTitle.Truncation = fyne.TextTruncateEllipsis
	w.note = widget.NewLabel("")
	w.note.Importance = widget.WarningImportance
	w.hover = widget.NewLabel(hoverHelp)
	w.bar = canvas.NewImageFromImage(nil)
	w.bar.FillMode = canvas.ImageFillContain
	w.bar.SetMinSize(fyne.NewSize(64, 120))
	w.viewTop = container.NewVBox(w.imageTitle, w.viewTitle)
	w.viewBottom = container.NewVBox(w.note) // build adds the panels under the picture
	w.spinner = widget.NewActivity()
	w.spinner.Hide()
	w.viewBox = container.NewBorder(w.viewTop, w.viewBottom, nil, w.bar, container.NewStack(w.view, container.NewCenter(w.spinner)))
	w.empty = u.buildEmpty()
	// A short window scrolls the tab (the picture keeps its least size)
	// rather than drawing the panels under it over each other.
	return []fyne.CanvasObject{container.NewVScroll(container.NewStack(w.viewBox, w.empty))}
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
	if st.Photo != nil {
		u.pending = nil
	}
	if st.Photo == nil && u.pending != nil {
		u.showPending(st)
		return
	}
	if st.Photo == nil {
		u.w.empty.Show()
		u.w.viewBox.Hide()
		u.spin(false)
		u.refreshEmpty(st)
		return
	}
	u.w.empty.Hide()
	u.w.viewBox.Show()
	u.spin(st.View == nil || st.View.Base != st.Photo)
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
		note = viewNote(v)
	}
	if st.ViewErr != "" {
		note = "Failed: " + st.ViewErr
	}
	if note == "" {
		u.w.note.Hide()
	} else {
		u.w.note.Show()
	}
	setLines(u.w.note, wrapText(note, u.noteLen()), u.w.viewBox)
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

// showPending shows the command line's picture while the session
// still reads it (and loads the model), with the spinner over it.
func (u *UI) showPending(st core.State) {
	u.w.empty.Hide()
	u.w.viewBox.Show()
	if u.w.view.Image() != u.pending {
		u.w.view.SetImage(u.pending)
	}
	what := "Opening the picture…"
	if st.ModelLoading != "" {
		what = "Loading " + st.ModelLoading + "…"
	}
	setText(u.w.imageTitle, u.opts.Image)
	setText(u.w.viewTitle, what)
	u.w.bar.Hide()
	u.spin(true)
}

// spin shows or hides the spinner over the picture.
func (u *UI) spin(on bool) {
	if on == u.w.spinner.Visible() {
		return
	}
	if on {
		u.w.spinner.Show()
		u.w.spinner.Start()
	} else {
		u.w.spinner.Stop()
		u.w.spinner.Hide()
	}
}

// viewNote says what is odd about v's map; a fixed-layer method's note
// names the layer it reads, not the layer picker's.
func viewNote(v *compose.View) string {
	if v.Method.FixedLayer {
		return compose.DescribeFlagsAt(v.Flags, "at "+compose.ShortLayer(v.Layer)+", the layer "+v.Method.Display+" reads")
	}
	return v.Note()
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
func (u *UI) updateBar(v *compose.View, overlay bool) {
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

// noteLen is how many runes a line of the note under the picture holds.
func (u *UI) noteLen() int {
	if u.narrow {
		return 32
	}
	return 90
}
