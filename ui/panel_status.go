package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
)

// buildBars makes the tool bar above the window and the status bar below.
func (u *UI) buildBars() (tools, status fyne.CanvasObject) {
	w := &u.w
	w.themeBtn = widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), u.toggleTheme)
	tools = container.NewBorder(nil, nil,
		container.NewHBox(
			widget.NewButtonWithIcon("Open image…", theme.FolderOpenIcon(), u.openImageDialog),
			widget.NewButtonWithIcon("Open model…", theme.StorageIcon(), u.openModelDialog),
			widget.NewButtonWithIcon("Save PNG…", theme.DocumentSaveIcon(), u.saveDialog),
			widget.NewButtonWithIcon("Copy facts", theme.ContentCopyIcon(), u.copyFacts),
		),
		w.themeBtn, w.model)
	w.activity = widget.NewActivity()
	w.activity.Hide()
	w.progress = widget.NewProgressBar()
	w.progress.Hide()
	w.status = widget.NewLabel("")
	w.status.Truncation = fyne.TextTruncateEllipsis
	w.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), u.s.CancelMap)
	w.cancel.Hide()
	w.progBox = fixed(w.progress, 160, 0)
	w.progBox.Hide()
	status = container.NewBorder(nil, nil, container.NewHBox(w.activity, w.progBox), w.cancel, w.status)

	return tools, status
}

// statusChanged shows what is running.
func (u *UI) statusChanged(st core.State) {
	var labels []string
	var prog *core.Progress
	cancellable := false
	for i, p := range st.Busy {
		labels = append(labels, p.Label)
		if p.Total > 0 && prog == nil {
			prog = &st.Busy[i]
		}
		cancellable = cancellable || p.Cancellable
	}
	if len(st.Busy) > 0 {
		u.w.activity.Show()
		u.w.activity.Start()
		setText(u.w.status, strings.Join(labels, " · "))
	} else {
		u.w.activity.Stop()
		u.w.activity.Hide()
		setText(u.w.status, st.Status)
	}
	if prog != nil {
		u.w.progress.Max = float64(prog.Total)
		u.w.progress.SetValue(float64(prog.Done))
		u.w.progress.Show()
		u.w.progBox.Show()
	} else {
		u.w.progBox.Hide()
	}
	if cancellable {
		u.w.cancel.Show()
	} else {
		u.w.cancel.Hide()
	}
}
