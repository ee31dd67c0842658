package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// buildGrid makes the grid tab.
func (u *UI) buildGrid() fyne.CanvasObject {
	w := &u.w
	w.gridKind = widget.NewRadioGroup([]string{"Methods", "Classes (top-5)"}, func(string) { u.gridRequest() })
	w.gridKind.Horizontal = true
	w.gridKind.Required = true
	w.gridKind.SetSelected("Methods")
	w.gridSlow = widget.NewCheck("Include slow methods", func(bool) { u.gridRequest() })
	w.gridInfo = widget.NewLabel("")
	w.gridInfo.Truncation = fyne.TextTruncateEllipsis
	w.gridCells = container.NewGridWrap(fyne.NewSize(220, 190))
	saveGrid := widget.NewButtonWithIcon("Save grid PNG…", theme.DocumentSaveIcon(), u.saveGridDialog)
	return container.NewBorder(
		container.NewVBox(container.NewHBox(w.gridKind, w.gridSlow, layout.NewSpacer(), saveGrid), w.gridInfo),
		nil, nil, nil, container.NewVScroll(w.gridCells))
}
