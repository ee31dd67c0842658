package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
)

// widgets are the window's controls.
type widgets struct {
	model      *widget.Label
	imageTitle *widget.Label

	top     []analysis.Prediction
	rank    []int
	topList *widget.List
	bars    []*container.ThemeOverride // the top list's bars, in barTheme
	// What the lists show, so a refresh only touches them on a change:
	// the top-5 row selected (-2: unknown), the class marked in the search
	// list and for which analysis.
	topSelected int
	listedClass int
	listedFor   *analysis.Analysis
	classInfo   *widget.Label
	search      *widget.Entry
	matches     []int
	searchList  *widget.List
	// searchLabels are the labels the search list shows.
	searchLabels []string
	// The model the search list and the layer picker were set for, and
	// the analysis the top list shows.
	labelsFor, layersFor *analysis.Model
	topFor               *analysis.Analysis

	method     *widget.Button
	methodHint *widget.Label
	methodOpts optionControls // panel_method.go
	layer      *widget.Select
	layerNames []string
	layerMore  layerFusion // panel_layer.go
	mode       *widget.RadioGroup
	norm       *widget.Select
	cmap       *widget.Select
	alpha      *widget.Slider
	overlay    *widget.Check

	compare   *widget.Check
	a, b      *widget.Select
	classOpts []int
	blend     *widget.Slider
	contrast  *widget.Check

	view      *overlayView
	viewBox   fyne.CanvasObject
	viewTitle *widget.Label
	note      *widget.Label
	hover     *widget.Label
	bar       *canvas.Image

	empty      fyne.CanvasObject
	emptyModel *widget.Label
	samples    fyne.CanvasObject // the embedded model's samples, hidden for others
	spinner    *widget.Activity  // over the picture while it is analysed

	tabs      *container.AppTabs
	gridKind  *widget.RadioGroup
	gridSlow  *widget.Check
	gridInfo  *widget.Label
	gridCells *fyne.Container

	activity  *widget.Activity
	progress  *widget.ProgressBar
	progBox   fyne.CanvasObject
	status    *widget.Label
	cancel    *widget.Button
	themeBtn  *widget.Button
	captionCk *widget.Check

	faith *faithPanel
	trust *trustPanel

	// Boxes to lay out again when a label in them changes its height.
	settingsBox, viewTop, viewBottom, classesBox *fyne.Container
	split                                        *container.Split // classes | the rest
}

// topRowHeight is a row of the top-5 list: a label's height and the
// list's separator.
const topRowHeight = 40

// build lays the panels out (the table in panels.go): classes left, the
// picture or grid in the middle, the drawing settings right, tools above
// and status below.
func (u *UI) build() {
	w := &u.w
	w.topSelected, w.listedClass = -2, -1
	l := u.buildPanels()
	w.classesBox = container.NewVBox(l.left...)
	w.settingsBox = container.NewVBox(l.right...)
	w.viewBottom.Objects = append(w.viewBottom.Objects, l.under...)
	w.tabs = container.NewAppTabs(l.tabs...)
	w.tabs.OnSelected = func(*container.TabItem) { u.gridRequest() }

	// The side panes scroll up and down, never sideways: each holds its
	// controls at the narrowest width it can be given.
	right := container.NewHSplit(w.tabs, atLeast(container.NewVScroll(container.NewPadded(w.settingsBox)), rightPaneMin))
	right.Offset = 0.74
	split := container.NewHSplit(atLeast(container.NewVScroll(container.NewPadded(w.classesBox)), leftPaneMin), right)
	split.Offset = 0.23
	u.w.split = split
	u.win.SetContent(container.New(&rootLayout{onWidth: u.setWidth}, container.NewBorder(column(l.top), column(l.bottom), nil, nil, split)))
	u.win.SetMainMenu(u.menu())
	u.shortcuts()
}

// setWidth switches the panes between their wide and narrow
// arrangements as the window's width crosses narrowBelow, and wraps the
// target line to the left pane's new width.
func (u *UI) setWidth(width float32) {
	u.leftWidth = max(leftPaneMin, float32(u.w.split.Offset)*width)
	u.refreshTarget(u.st)
	narrow := width < narrowBelow
	if narrow == u.narrow && u.widthSet {
		return
	}
	u.narrow, u.widthSet = narrow, true
	w := &u.w
	for _, r := range []*widget.RadioGroup{w.mode, w.gridKind} {
		r.Horizontal = !narrow
		r.Refresh()
	}
	setLines(w.methodHint, u.methodHintText(u.st), nil)
}

// wide says whether the panes are in their wide arrangement.
func (u *UI) wide() bool { return !u.narrow }

func heading(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func labelOf(labels []string, k int) string {
	if k >= 0 && k < len(labels) {
		return labels[k]
	}
	return fmt.Sprintf("class %d", k)
}

// menu is the window's menu bar; the shortcuts are registered on the
// canvas as well, where Linux and Windows need them.
func (u *UI) menu() *fyne.MainMenu {
	item := func(label string, key fyne.KeyName, mod fyne.KeyModifier, f func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, f)
		if key != "" {
			it.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: mod}
		}
		return it
	}
	sc := fyne.KeyModifierShortcutDefault
	return fyne.NewMainMenu(
		fyne.NewMenu("File",
			item("Open image…", fyne.KeyO, sc, u.openImageDialog),
			item("Open model…", fyne.KeyO, sc|fyne.KeyModifierShift, u.openModelDialog),
			item("Use the embedded model", "", 0, u.s.LoadDefaultModel),
			fyne.NewMenuItemSeparator(),
			item("Save PNG…", fyne.KeyS, sc, u.saveDialog),
			item("Save grid PNG…", "", 0, u.saveGridDialog),
			item("Save layer strip PNG…", "", 0, u.saveStripDialog),
			item("Copy facts (a summary)", "", 0, u.copyFacts),
			item(copyImageLabel, "", 0, u.copyImage),
		),
		fyne.NewMenu("View",
			item("Toggle heat map (Space, T)", "", 0, u.s.ToggleOverlay),
			item("Next class (PgDn, ])", "", 0, func() { u.act(u.s.StepClass(+1)) }),
			item("Previous class (PgUp, [)", "", 0, func() { u.act(u.s.StepClass(-1)) }),
			fyne.NewMenuItemSeparator(),
			item("Light / dark theme", "", 0, u.toggleTheme),
		),
		fyne.NewMenu("Help",
			item("Keyboard shortcuts (F1)", "", 0, u.showShortcuts),
		),
	)
}

func (u *UI) shortcuts() {
	c := u.win.Canvas()
	sc := fyne.KeyModifierShortcutDefault
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: sc}, func(fyne.Shortcut) { u.openImageDialog() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: sc | fyne.KeyModifierShift}, func(fyne.Shortcut) { u.openModelDialog() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: sc}, func(fyne.Shortcut) { u.saveDialog() })
	c.SetOnTypedKey(u.typedKey)
}

// typedKey handles the keys the focused widget (if any) did not take.
func (u *UI) typedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyPageDown, fyne.KeyRightBracket, fyne.KeyDown:
		u.act(u.s.StepClass(+1))
	case fyne.KeyPageUp, fyne.KeyLeftBracket, fyne.KeyUp:
		u.act(u.s.StepClass(-1))
	case fyne.KeySpace, fyne.KeyT:
		u.s.ToggleOverlay()
	case fyne.KeyF1:
		u.showShortcuts()
	case fyne.KeyEscape:
		if !u.closeDialog() {
			u.s.CancelMap()
		}
	}
}

// act reports a refused request in the status line.
func (u *UI) act(err error) {
	if err != nil {
		u.w.status.SetText(err.Error())
	}
}

// fixed gives o a minimum size (0 keeps o's own).
func fixed(o fyne.CanvasObject, w, h float32) fyne.CanvasObject {
	return container.New(&minLayout{min: fyne.NewSize(w, h)}, o)
}

// atLeast is o at least width wide: a vertical scroller's content's
// width, or width if more.
func atLeast(o fyne.CanvasObject, width float32) fyne.CanvasObject {
	return container.New(&minLayout{min: fyne.NewSize(width, 0), grow: true}, o)
}

// minLayout: min replaces the objects' own minimum where it is not 0
// (grow: where it is larger).
type minLayout struct {
	min  fyne.Size
	grow bool
}

func (l *minLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		s := o.MinSize()
		if l.min.Width == 0 || l.grow {
			m.Width = max(m.Width, s.Width)
		}
		if l.min.Height == 0 || l.grow {
			m.Height = max(m.Height, s.Height)
		}
	}
	return m
}

func (l *minLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// wrapText breaks s into lines of at most n runes at spaces.
func wrapText(s string, n int) string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > n:
				out = append(out, line)
				line = word
			default:
				line += " " + word
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// setLines sets a multi-line label and lays its box out again when the
// number of lines changed (a box does not notice a label growing).
// setText changes a label only when its text changes: a refresh measures
// the text again, and the window refreshes on every progress report of a
// running job.
func setText(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

func setLines(l *widget.Label, text string, box fyne.CanvasObject) {
	if l.Text == text {
		return
	}
	relayout := strings.Count(l.Text, "\n") != strings.Count(text, "\n") || (l.Text == "") != (text == "")
	l.SetText(text)
	if relayout && box != nil {
		box.Refresh()
	}
}
