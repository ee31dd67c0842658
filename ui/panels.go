package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	core "camviz/app"
)

// A panel is one part of the window, one file each (panel_NAME.go): where
// it sits, how its widgets are made and how they follow the session.
//
// build makes the panel's widgets (fields of widgets) and returns what
// its place lays out, in order: any number of rows in a side pane or
// under the picture, one object in a tab or a bar. refresh sets the
// widgets from a snapshot (a panel that derives something from a new
// model or analysis keeps which one it did it for); it runs on Fyne's
// goroutine with u.updating set.
type panel struct {
	name    string
	place   place
	tab     string               // placeTab: the tab's title
	icon    func() fyne.Resource // placeTab: the tab's icon
	build   func(u *UI) []fyne.CanvasObject
	refresh refresher // nil: nothing on the panel follows the state
}

// A refresher sets a panel's widgets from the session's state.
type refresher func(u *UI, st core.State)

// place is where a panel sits in the window.
type place uint8

const (
	placeLeft         place = iota // the classes pane, scrolled
	placeRight                     // the drawing settings pane, scrolled
	placeTab                       // a tab of the middle
	placeUnderPicture              // rows under the picture, in the Overlay tab
	placeTop                       // the tool bar
	placeBottom                    // the status bar
)

// panels is the window's one table of panels: build lays each place out
// in the table's order, and refresh walks the table in the same order.
// Adding a panel is its file and one entry here. (It is set in init
// because the panels' callbacks refresh the window, which reads the
// table.)
var panels []panel

func init() {
	panels = []panel{
		{name: "predictions", place: placeLeft, build: (*UI).buildPredictions, refresh: (*UI).refreshPredictions},
		{name: "compare", place: placeLeft, build: (*UI).buildCompare, refresh: (*UI).refreshCompare},
		{name: "method", place: placeRight, build: (*UI).buildMethod, refresh: (*UI).refreshMethod},
		{name: "layer", place: placeRight, build: (*UI).buildLayer, refresh: (*UI).refreshLayer},
		{name: "drawing", place: placeRight, build: (*UI).buildDrawing, refresh: (*UI).refreshDrawing},
		// Last on the right: how many options a method has varies, and
		// nothing below them moves when the method changes.
		{name: "method options", place: placeRight, build: (*UI).buildMethodOptions, refresh: (*UI).refreshMethodOptions},
		{name: "picture", place: placeTab, tab: "Overlay", icon: theme.VisibilityIcon, build: (*UI).buildPicture, refresh: (*UI).viewChanged},
		{name: "faithfulness", place: placeUnderPicture, build: (*UI).buildFaithfulness, refresh: (*UI).faithChanged},
		{name: "checks", place: placeUnderPicture, build: (*UI).buildTrust, refresh: (*UI).refreshTrust},
		{name: "grid", place: placeTab, tab: "Grid", icon: theme.GridIcon, build: (*UI).buildGrid, refresh: (*UI).gridChanged},
		{name: "concepts", place: placeTab, tab: "Concepts", icon: theme.ColorPaletteIcon, build: (*UI).buildConcepts},
		{name: "tools", place: placeTop, build: (*UI).buildTools, refresh: (*UI).refreshTools},
		{name: "status", place: placeBottom, build: (*UI).buildStatus, refresh: (*UI).statusChanged},
	}
}

// places are what the panels give each place of the window.
type places struct {
	left, right, under, top, bottom []fyne.CanvasObject
	tabs                            []*container.TabItem
}

// buildPanels builds every panel in the table and gathers what each
// place holds, in the table's order.
func (u *UI) buildPanels() places {
	var l places
	for _, p := range panels {
		objs := p.build(u)
		switch p.place {
		case placeLeft:
			l.left = append(l.left, objs...)
		case placeRight:
			l.right = append(l.right, objs...)
		case placeTab:
			l.tabs = append(l.tabs, container.NewTabItemWithIcon(p.tab, p.icon(), column(objs)))
		case placeUnderPicture:
			l.under = append(l.under, objs...)
		case placeTop:
			l.top = append(l.top, objs...)
		case placeBottom:
			l.bottom = append(l.bottom, objs...)
		}
	}
	return l
}

// refreshPanels sets every panel from st, in the table's order.
func (u *UI) refreshPanels(st core.State) {
	for _, p := range panels {
		if p.refresh != nil {
			p.refresh(u, st)
		}
	}
}

// column is objs one above the other (the one object itself if alone).
func column(objs []fyne.CanvasObject) fyne.CanvasObject {
	if len(objs) == 1 {
		return objs[0]
	}
	return container.NewVBox(objs...)
}
