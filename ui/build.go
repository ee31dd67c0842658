package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
	"camviz/assets"
	"camviz/imgio"
)

// widgets are the window's controls.
type widgets struct {
	model      *widget.Label
	imageTitle *widget.Label

	top     []core.Prediction
	rank    []int
	topList *widget.List
	// What the lists show, so a refresh only touches them on a change:
	// the top-5 row selected (-2: unknown), the class marked in the search
	// list and for which analysis.
	topSelected int
	listedClass int
	listedFor   *core.Analysis
	classInfo   *widget.Label
	search      *widget.Entry
	matches     []int
	searchList  *widget.List
	// searchLabels are the labels the search list shows.
	searchLabels []string

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
	settingsBox, viewTop, viewBottom *fyne.Container
}

// build lays the panels out: classes left, the picture or grid in the
// middle, the drawing settings right, tools above and status below.
func (u *UI) build() {
	w := &u.w
	w.topSelected, w.listedClass = -2, -1
	w.model = widget.NewLabel("No model")
	w.model.Truncation = fyne.TextTruncateEllipsis
	w.imageTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.imageTitle.Truncation = fyne.TextTruncateEllipsis
	u.buildPredictions()
	u.buildMethod()
	u.buildLayer()
	u.buildDrawing()
	u.buildCompare()

	classes := container.NewVBox(
		heading("Prediction"),
		fixed(w.topList, 0, 5*38),
		w.classInfo,
		w.search,
		fixed(w.searchList, 0, 4*40),
		widget.NewSeparator(),
		w.compare,
		container.NewBorder(nil, nil, widget.NewLabel("A"), nil, w.a),
		container.NewBorder(nil, nil, widget.NewLabel("B"), nil, w.b),
		container.NewBorder(nil, nil, widget.NewLabel("A"), widget.NewLabel("B"), w.blend),
		w.contrast,
	)
	w.settingsBox = container.NewVBox(
		heading("Method"),
		w.method,
		w.methodHint,
		w.methodOpts.box,
		heading("Layer"),
		w.layer,
		w.layerMore.box,
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
	)

	pictureTab := u.buildPicture()
	gridTab := u.buildGrid()
	w.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Overlay", theme.VisibilityIcon(), pictureTab),
		container.NewTabItemWithIcon("Grid", theme.GridIcon(), gridTab),
	)
	w.tabs.OnSelected = func(*container.TabItem) { u.gridRequest() }
	tools, status := u.buildBars()

	right := container.NewHSplit(w.tabs, container.NewVScroll(container.NewPadded(w.settingsBox)))
	right.Offset = 0.74
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(classes)), right)
	split.Offset = 0.23
	u.win.SetContent(container.NewBorder(tools, status, nil, nil, split))
	u.win.SetMainMenu(u.menu())
	u.shortcuts()
}

func heading(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func labelOf(labels []string, k int) string {
	if k >= 0 && k < len(labels) {
		return labels[k]
	}
	return fmt.Sprintf("class %d", k)
}

// buildEmpty is what an empty window shows: what to do, and the bundled
// sample pictures to click.
func (u *UI) buildEmpty() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Drop a photo here", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	how := widget.NewLabelWithStyle("or open one with Open image… (Ctrl+O). PNG, JPEG, GIF, BMP, WebP and TIFF; EXIF orientation is honoured.",
		fyne.TextAlignCenter, fyne.TextStyle{})
	how.Wrapping = fyne.TextWrapWord
	u.w.emptyModel = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	u.w.emptyModel.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{title, how, u.w.emptyModel}
	if samples, err := assets.Samples(); err == nil && len(samples) > 0 {
		row := container.NewHBox()
		for _, s := range samples {
			img, _, err := imgio.DecodeBytes(s.File, s.Data, imgio.Limits{})
			if err != nil {
				continue
			}
			thumb := canvas.NewImageFromImage(img)
			thumb.FillMode = canvas.ImageFillContain
			thumb.ScaleMode = canvas.ImageScalePixels
			thumb.SetMinSize(fyne.NewSize(96, 96))
			open := widget.NewButton(s.File, func() { u.openSample(s) })
			open.Importance = widget.LowImportance
			row.Add(container.NewVBox(thumb, open))
		}
		parts = append(parts, widget.NewSeparator(),
			widget.NewLabelWithStyle("Or try a sample for the embedded digits model:", fyne.TextAlignCenter, fyne.TextStyle{}),
			container.NewCenter(row))
	}
	return container.NewCenter(fixed(container.NewVBox(parts...), 640, 0))
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
			item("Copy facts (JSON)", "", 0, u.copyFacts),
		),
		fyne.NewMenu("View",
			item("Toggle heat map (Space, T)", "", 0, u.s.ToggleOverlay),
			item("Next class (PgDn, ])", "", 0, func() { u.act(u.s.StepClass(+1)) }),
			item("Previous class (PgUp, [)", "", 0, func() { u.act(u.s.StepClass(-1)) }),
			fyne.NewMenuItemSeparator(),
			item("Light / dark theme", "", 0, u.toggleTheme),
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
	case fyne.KeyEscape:
		u.s.CancelMap()
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

type minLayout struct{ min fyne.Size }

func (l *minLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		s := o.MinSize()
		if l.min.Width == 0 {
			m.Width = max(m.Width, s.Width)
		}
		if l.min.Height == 0 {
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
