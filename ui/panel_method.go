package ui

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// buildMethod makes the method button and its one-line hint.
func (u *UI) buildMethod() {
	w := &u.w
	w.method = widget.NewButtonWithIcon("Grad-CAM", theme.MenuDropDownIcon(), u.showMethodMenu)
	w.method.IconPlacement = widget.ButtonIconTrailingText
	w.method.Alignment = widget.ButtonAlignLeading
	// Hints are wrapped by wrapText, not by Fyne: a wrapping label in a
	// scrolled box gets its height from a stale width and overlaps.
	w.methodHint = widget.NewLabel("")
	w.methodHint.SizeName = theme.SizeNameCaptionText
}
