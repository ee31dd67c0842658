package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
	"camviz/compose"
)

// buildGrid makes the grid tab.
func (u *UI) buildGrid() []fyne.CanvasObject {
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
	return []fyne.CanvasObject{container.NewBorder(
		container.NewVBox(container.New(&rowLayout{wide: u.wide}, w.gridKind, w.gridSlow, saveGrid), w.gridInfo),
		nil, nil, nil, container.NewVScroll(w.gridCells))}
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
	req := compose.GridRequest{Kind: compose.GridMethods, Slow: u.w.gridSlow.Checked}
	if u.w.gridKind.Selected != "Methods" {
		req.Kind = compose.GridClasses
	}
	u.s.SetGrid(&req)
}

// gridChanged shows the comparison grid's cells.
func (u *UI) gridChanged(st core.State) {
	if st.Grid == u.shownGrid {
		return
	}
	u.shownGrid = st.Grid
	u.w.gridCells.Objects = nil
	if g := st.Grid; g != nil {
		layer := g.Sel.Layer
		if layer == "" {
			layer = g.Analysis.Model.Layer
		}
		for _, c := range g.Cells {
			u.w.gridCells.Add(gridCell(c, layer))
		}
		switch {
		case len(g.Cells) == 0:
			setText(u.w.gridInfo, "No method applies.")
		case g.Req.Kind == compose.GridClasses:
			setText(u.w.gridInfo, fmt.Sprintf("%s at %s · top-%d classes on one shared scale (%.3g)", g.Cells[0].Method.Display,
				compose.ShortLayer(layer), len(g.Cells), g.Scale))
		default:
			k := g.Sel.Class
			setText(u.w.gridInfo, fmt.Sprintf("Class %d “%s” at %s · %s", k, g.Analysis.Model.Label(k), compose.ShortLayer(layer),
				strings.ToLower(normOptions[normIndex(g.Norm)].Label)))
		}
	} else {
		setText(u.w.gridInfo, "Open a picture to compare methods or classes.")
	}
	u.w.gridCells.Refresh()
}

func gridCell(c compose.GridCell, layer string) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(c.Title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	var body fyne.CanvasObject
	switch {
	case c.Err != "":
		l := widget.NewLabel(wrapText("Failed: "+c.Err, 30))
		body = l
	case c.Image == nil:
		a := widget.NewActivity()
		a.Start()
		body = container.NewCenter(a)
	default:
		img := canvas.NewImageFromImage(c.Image)
		img.FillMode = canvas.ImageFillContain
		body = img
	}
	// The footer says what differs from the grid's heading: a fixed-layer
	// method's own layer, and odd maps.
	var sub []string
	if c.Image != nil && c.Layer != layer {
		sub = append(sub, compose.ShortLayer(c.Layer))
	}
	if c.Flags != 0 {
		sub = append(sub, c.Flags.String())
	}
	if len(sub) == 0 {
		return container.NewBorder(title, nil, nil, nil, body)
	}
	foot := widget.NewLabelWithStyle(strings.Join(sub, " · "), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	foot.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(title, foot, nil, nil, body)
}
