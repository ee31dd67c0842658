package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
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

// gridRequest starts (or stops) the grid as the Grid tab is shown or left.
func (u *UI) gridRequest() {
	if u.updating {
		return
	}
	if u.w.tabs == nil || u.w.tabs.SelectedIndex() != 1 {
		u.s.SetGrid(nil)
		return
	}
	req := core.GridRequest{Kind: core.GridMethods, Slow: u.w.gridSlow.Checked}
	if u.w.gridKind.Selected != "Methods" {
		req.Kind = core.GridClasses
	}
	u.s.SetGrid(&req)
}
