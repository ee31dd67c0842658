package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"camviz/compose"
	"camviz/export"
)

// factsSummary is what Copy facts puts on the clipboard: a few lines a
// person reads or pastes into a note (the JSON sidecar of Save PNG… has
// everything, for programs).
func factsSummary(f compose.Facts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s on %s (%d×%d, %s)\n", f.MethodName, compose.ShortLayer(f.Layer), f.Image, f.ImageSize[0], f.ImageSize[1], modeLabels[f.Resize])
	fmt.Fprintf(&b, "Model: %s\n", f.Model)
	if c := f.Compare; c != nil {
		fmt.Fprintf(&b, "Compared: A %d “%s” p=%.3f, B %d “%s” p=%.3f (%s, shared scale %.3g)\n",
			c.A, c.LabelA, c.ProbA, c.B, c.LabelB, c.ProbB, c.Shows, f.Scale)
	} else {
		fmt.Fprintf(&b, "Class: %d “%s” p=%.3f (logit %.3f)\n", f.Class, f.Label, f.Prob, f.Score)
	}
	top := make([]string, len(f.Top))
	for i, p := range f.Top {
		top[i] = fmt.Sprintf("%s %.3f", p.Label, p.Prob)
	}
	fmt.Fprintf(&b, "Top %d: %s\n", len(top), strings.Join(top, " · "))
	if r := f.Faithfulness; r != nil {
		fmt.Fprintf(&b, "Faithfulness: deletion AUC %.3f (random %.3f), insertion AUC %.3f (random %.3f), average drop %.1f%%\n",
			r.DeletionAUC, r.Baselines.Random.DeletionAUC, r.InsertionAUC, r.Baselines.Random.InsertionAUC, r.AverageDrop)
	}
	if r := f.ROAD; r != nil {
		fmt.Fprintf(&b, "ROAD: MoRF %.3f, LeRF %.3f, combined %.3f, CAM-mult %.3f\n", r.MoRF, r.LeRF, r.Combined, r.CamMult)
	}
	if r := f.Sanity; r != nil {
		fmt.Fprintf(&b, "Sanity check: rank correlation %.3f after randomising %d layers — %s\n", r.Final(), len(r.Layers), r.Verdict)
	}
	if f.Note != "" {
		fmt.Fprintf(&b, "Note: %s\n", f.Note)
	}
	return b.String()
}

// copyFacts puts a short summary of the picture on screen on the
// clipboard.
func (u *UI) copyFacts() {
	f, err := u.s.Facts()
	if err != nil {
		u.w.status.SetText("Nothing to copy: " + err.Error())
		return
	}
	u.fy.Clipboard().SetContent(factsSummary(f))
	u.w.status.SetText("Copied a summary of the picture (Save PNG… writes all the facts as JSON beside it).")
}

// copyImageLabel is the menu's name for Copy image: Fyne's clipboard
// (fyne.Clipboard, v2.7) carries text only, so the picture goes to a PNG
// file and the clipboard gets its path — the entry says so.
const copyImageLabel = "Copy image (as a PNG file's path)"

// copyImage saves the composed picture, as Save PNG… would, into the
// user's cache folder and puts the file's path on the clipboard.
func (u *UI) copyImage() {
	if u.st.Analysis == nil {
		u.w.status.SetText("Nothing to copy: open a picture first.")
		return
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "camviz", "copied")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.showError(fmt.Errorf("cannot copy the image: %w", err))
		return
	}
	path := filepath.Join(dir, filepath.Base(u.defaultName("")))
	u.s.Export(path, u.caption, func(res export.Saved, err error) {
		if err != nil {
			return // the session reports it
		}
		u.post(func() {
			u.fy.Clipboard().SetContent(res.PNG)
			u.w.status.SetText("Copied the path of " + res.PNG + " (the clipboard holds text only).")
		})
	})
}

// shortcutKeys are the window's keys, as Help → Shortcuts lists them.
var shortcutKeys = [][2]string{
	{"Ctrl+O", "Open an image"},
	{"Ctrl+Shift+O", "Open a model"},
	{"Ctrl+S", "Save the picture as PNG (with its JSON facts)"},
	{"PgDn, ], ↓", "Next class in the ranking"},
	{"PgUp, [, ↑", "Previous class in the ranking"},
	{"Space, T", "Show or hide the heat map"},
	{"Esc", "Close a dialog; else cancel the running map"},
	{"Enter (in Find a class)", "Pick the only match"},
	{"F1", "This list"},
}

// showShortcuts lists the keyboard shortcuts.
func (u *UI) showShortcuts() {
	grid := container.NewGridWithColumns(2)
	for _, k := range shortcutKeys {
		grid.Add(widget.NewLabelWithStyle(k[0], fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(k[1]))
	}
	u.showDialog(dialog.NewCustom("Keyboard shortcuts", "Close", grid, u.win))
}
