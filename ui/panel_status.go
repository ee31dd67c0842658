package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
)

// buildTools makes the tool bar above the window: the buttons, the
// model's name and the theme's switch.
func (u *UI) buildTools() []fyne.CanvasObject {
	w := &u.w
	w.model = widget.NewLabel("No model")
	w.model.Truncation = fyne.TextTruncateEllipsis
	w.themeBtn = widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), u.toggleTheme)
	return []fyne.CanvasObject{container.NewBorder(nil, nil,
		container.NewHBox(
			widget.NewButtonWithIcon("Open image…", theme.FolderOpenIcon(), u.openImageDialog),
			widget.NewButtonWithIcon("Open model…", theme.StorageIcon(), u.openModelDialog),
			widget.NewButtonWithIcon("Save PNG…", theme.DocumentSaveIcon(), u.saveDialog),
			widget.NewButtonWithIcon("Copy facts", theme.ContentCopyIcon(), u.copyFacts),
		),
		w.themeBtn, w.model)}
}

// buildStatus makes the status bar below the window: what runs, its
// progress and Cancel.
func (u *UI) buildStatus() []fyne.CanvasObject {
	w := &u.w
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
	return []fyne.CanvasObject{container.NewBorder(nil, nil, container.NewHBox(w.activity, w.progBox), w.cancel, w.status)}
}

// refreshTools names the model.
func (u *UI) refreshTools(st core.State) {
	if m := st.Model; m != nil {
		setText(u.w.model, fmt.Sprintf("%s · %s · %d classes", m.Name, core.InputDesc(m), m.Net.NumClasses()))
	} else {
		setText(u.w.model, "No model")
	}
}

// statusChanged shows what is running: each job's count, elapsed time and
// estimate (core.LabelsOf), the bar for the job the picture's title
// counts, and Cancel for a slow one.
func (u *UI) statusChanged(st core.State) {
	l := core.LabelsOf(st, u.pointer, time.Now())
	setText(u.w.status, l.Status)
	if len(st.Busy) > 0 {
		u.w.activity.Show()
		u.w.activity.Start()
	} else {
		u.w.activity.Stop()
		u.w.activity.Hide()
	}
	if l.Bar != nil {
		u.w.progress.Max = float64(l.Bar.Total)
		u.w.progress.SetValue(float64(l.Bar.Done))
		u.w.progress.Show()
		u.w.progBox.Show()
	} else {
		u.w.progBox.Hide()
	}
	if l.Cancel {
		u.w.cancel.Show()
	} else {
		u.w.cancel.Hide()
	}
	if l.Ticking && !u.ticking {
		u.ticking = true
		go u.tick()
	}
}

// statusTick is how often the status line's times move while a job runs.
const statusTick = time.Second

// tick redraws the status line every statusTick while a job runs, so its
// elapsed time and estimate move between the job's reports.
func (u *UI) tick() {
	for !u.closed.Load() {
		time.Sleep(statusTick)
		done := make(chan bool, 1)
		u.post(func() {
			st := u.s.State()
			u.statusLine(st)
			// Stop here, on the window's goroutine, so a job starting
			// next finds the clock stopped and starts it again.
			u.ticking = len(st.Busy) > 0
			done <- u.ticking
		})
		select {
		case busy := <-done:
			if !busy {
				return
			}
		case <-time.After(10 * statusTick):
			// The window's goroutine is busy, or the window is gone.
		}
	}
}

// statusLine sets the status text alone (the clock's refresh).
func (u *UI) statusLine(st core.State) {
	setText(u.w.status, core.LabelsOf(st, u.pointer, time.Now()).Status)
}
