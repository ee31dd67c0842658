// Package ui is camviz's window: it draws the app.Session's state and
// forwards the user's requests to it. All model work runs in the session's
// background jobs; this package only touches widgets, on Fyne's goroutine.
package ui

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
	"camviz/assets"
	"camviz/cam"
	"camviz/imgio"
	"camviz/metrics"
)

// Options are what the command line gives the window.
type Options struct {
	Model, Labels string // "" = the last model used, else the embedded one
	Resize        string // imgio.ModeWhole or imgio.ModeCrop; "" = the model's own
	Image         string // a picture to open at once
	// Smoke prints "camviz: overlay ready" on stderr when the first map is
	// on screen (the window smoke test waits for it).
	Smoke bool
	// Faithfulness is how the faithfulness panel measures maps (zero
	// fields: the metrics defaults, 32 steps a curve).
	Faithfulness metrics.Config
}

// Run opens the window and blocks until it is closed.
func Run(opts Options) error {
	a := fyneapp.NewWithID("io.camviz.app")
	a.SetIcon(Icon())
	u := New(a, opts, fyne.Do)
	u.win.ShowAndRun()
	u.Close()
	return nil
}

// UI is the main window.
type UI struct {
	fy   fyne.App
	win  fyne.Window
	s    *core.Session
	opts Options
	// post runs a function on Fyne's goroutine (fyne.Do; tests queue).
	post   func(func())
	queued atomic.Bool
	built  atomic.Bool // refreshes wait until the widgets exist
	closed atomic.Bool // the window is gone: drop late updates

	// updating is set while widgets are set from the state, so their
	// change callbacks do not echo the change back to the session.
	updating bool

	st            core.State
	shownModel    *core.Model
	shownAnalysis *core.Analysis
	shownView     *core.View
	shownGrid     *core.Grid
	shownPhoto    image.Image
	barKey        string
	ready         bool
	lastErr       error
	errMu         sync.Mutex

	pendingLabels string // the labels file of the model being loaded
	caption       bool
	dark          bool

	w widgets
}

// New builds the window and starts loading what opts asks for. post runs
// a function on Fyne's goroutine.
func New(a fyne.App, opts Options, post func(func())) *UI {
	u := &UI{fy: a, opts: opts}
	u.post = func(f func()) {
		if !u.closed.Load() {
			post(f)
		}
	}
	prefs := a.Preferences()
	u.caption = prefs.BoolWithFallback("caption", true)
	u.dark = prefs.BoolWithFallback("dark", true)
	u.applyTheme()
	u.s = core.NewSession(core.SessionOptions{
		OnChange:     u.schedule,
		OnError:      func(err error) { u.post(func() { u.showError(err) }) },
		Faithfulness: opts.Faithfulness,
	})
	u.win = a.NewWindow("camviz")
	u.win.SetIcon(Icon())
	u.updating = true
	u.build()
	u.updating = false
	u.built.Store(true)
	w, h := prefs.FloatWithFallback("width", 1280), prefs.FloatWithFallback("height", 800)
	u.win.Resize(fyne.NewSize(float32(max(w, 640)), float32(max(h, 480))))
	u.win.SetOnDropped(u.dropped)
	u.win.SetOnClosed(func() {
		u.closed.Store(true)
		size := u.win.Canvas().Size()
		prefs.SetFloat("width", float64(size.Width))
		prefs.SetFloat("height", float64(size.Height))
	})
	if opts.Resize != "" {
		if err := u.s.SetMode(opts.Resize); err != nil {
			u.showError(err)
		}
	}
	// Measuring stays on, once asked for, until it is turned off.
	u.s.SetMeasure(prefs.Bool("measure"))
	u.startModel()
	if opts.Image != "" {
		u.s.OpenImage(opts.Image)
	}
	u.refresh()
	return u
}

// Close stops the session's background work.
func (u *UI) Close() {
	u.closed.Store(true)
	u.s.Close()
}

// startModel loads the model the command line names, else the last one
// used, else the embedded one.
func (u *UI) startModel() {
	prefs := u.fy.Preferences()
	switch {
	case u.opts.Model != "":
		u.loadModel(u.opts.Model, u.opts.Labels)
	case u.opts.Labels != "":
		labels := u.opts.Labels
		u.s.LoadModelWith("the embedded model", func() (*core.Model, error) {
			m, err := core.DefaultModel()
			if err != nil {
				return nil, err
			}
			m.Labels, err = core.ReadLabels(labels, m.Net.NumClasses())
			return m, err
		}, false)
	case exists(prefs.String("model")):
		u.loadModel(prefs.String("model"), prefs.String("labels"))
	default:
		u.s.LoadDefaultModel()
	}
}

func exists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

func (u *UI) loadModel(path, labels string) {
	u.pendingLabels = labels
	u.s.LoadModel(path, labels)
}

// schedule asks for one refresh on Fyne's goroutine, however many state
// changes arrive before it runs.
func (u *UI) schedule() {
	if u.built.Load() && u.queued.CompareAndSwap(false, true) {
		u.post(func() {
			u.queued.Store(false)
			u.refresh()
		})
	}
}

func (u *UI) showError(err error) {
	u.errMu.Lock()
	u.lastErr = err
	u.errMu.Unlock()
	showErrorDialog(err, u.win)
}

// lastError is the last error shown in a dialog (for tests).
func (u *UI) lastError() error {
	u.errMu.Lock()
	defer u.errMu.Unlock()
	return u.lastErr
}

// dropped opens what was dropped on the window: an .onnx file as the
// model, a .txt file as the current model's labels, anything else as a
// picture.
func (u *UI) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, uri := range uris {
		if uri.Scheme() != "file" {
			continue
		}
		path := uri.Path()
		switch strings.ToLower(filepath.Ext(path)) {
		case ".onnx":
			u.loadModel(path, "")
		case ".txt":
			if m := u.st.Model; m != nil && m.Path != "" {
				u.loadModel(m.Path, path)
			} else {
				u.showError(fmt.Errorf("drop a labels file after opening a model file; the embedded model has its own labels"))
			}
		default:
			u.s.OpenImage(path)
		}
		return
	}
}

// openSample opens one of the bundled pictures.
func (u *UI) openSample(s assets.Sample) {
	img, _, err := imgio.DecodeBytes(s.File, s.Data, imgio.Limits{})
	if err != nil {
		u.showError(err)
		return
	}
	u.s.OpenPicture(s.File, img)
}

// refresh draws the session's state.
func (u *UI) refresh() {
	st := u.s.State()
	u.updating = true
	defer func() { u.updating = false }()
	if st.Model != u.shownModel {
		u.modelChanged(st)
	}
	if st.Analysis != u.shownAnalysis {
		u.analysisChanged(st)
	}
	u.st = st
	u.selectionChanged(st)
	u.viewChanged(st)
	u.faithChanged(st)
	u.gridChanged(st)
	u.statusChanged(st)
}

func (u *UI) modelChanged(st core.State) {
	u.shownModel = st.Model
	m := st.Model
	if m == nil {
		setText(u.w.model, "No model")
		return
	}
	setText(u.w.model, fmt.Sprintf("%s · %s · %d classes", m.Name, core.InputDesc(m), m.Net.NumClasses()))
	if m.Path != "" {
		prefs := u.fy.Preferences()
		prefs.SetString("model", m.Path)
		prefs.SetString("labels", u.pendingLabels)
	}
	u.w.layerNames = []string{""}
	opts := []string{"default: " + core.ShortLayer(m.Layer)}
	for _, l := range m.Net.Layers() {
		u.w.layerNames = append(u.w.layerNames, l.Name)
		opts = append(opts, fmt.Sprintf("%s  %s", core.ShortLayer(l.Name), shapeText(l.Shape)))
	}
	u.w.layer.Options = opts
	u.w.layer.Refresh()
	u.w.searchLabels = m.Labels
	u.w.matches = core.SearchLabels(m, u.w.search.Text)
	u.w.searchList.Refresh()
}

func shapeText(s []int) string {
	if len(s) == 4 {
		return fmt.Sprintf("%d×%d×%d", s[1], s[2], s[3])
	}
	return fmt.Sprint(s)
}

func (u *UI) analysisChanged(st core.State) {
	u.shownAnalysis = st.Analysis
	u.w.top = st.Top
	u.w.topList.Refresh()
	u.w.topSelected = -2
	u.w.rank = nil
	if st.Analysis != nil {
		u.w.rank = st.Analysis.Ranking()
	}
	u.w.searchList.Refresh()
}

// selectionChanged sets the controls from the selection, panel by panel.
func (u *UI) selectionChanged(st core.State) {
	u.refreshPredictions(st)
	meth := u.refreshMethod(st)
	u.refreshLayer(st, meth)
	u.refreshDrawing(st)
	u.refreshCompare(st)
}

var modeLabels = map[string]string{imgio.ModeWhole: "Whole image", imgio.ModeCrop: "Centre crop"}

// normOptions is the Scale picker's list: cam's table of modes.
var normOptions = cam.Modes()

func normIndex(m cam.Mode) int {
	for i, o := range normOptions {
		if o.Mode == m {
			return i
		}
	}
	return 0
}

// viewChanged shows the latest picture.
func (u *UI) viewChanged(st core.State) {
	if st.Photo == nil {
		u.w.empty.Show()
		u.w.viewBox.Hide()
		setText(u.w.emptyModel, u.emptyModelText(st))
		return
	}
	u.w.empty.Hide()
	u.w.viewBox.Show()
	v := st.View
	var img image.Image = st.Photo
	if v != nil && v.Analysis == st.Analysis && v.Base == st.Photo && st.Sel.Overlay {
		img = v.Image
	}
	if v != nil && v.Base != st.Photo {
		v = nil // a view of the previous picture
	}
	u.shownView = v
	if img != u.w.view.Image() {
		u.w.view.SetImage(img)
	}
	u.shownPhoto = st.Photo
	title := st.Image
	if st.Analysis != nil {
		title = fmt.Sprintf("%s · %d×%d · %s", st.Image, st.ImageSize.X, st.ImageSize.Y, modeLabels[st.Analysis.Input.Mode])
	}
	setText(u.w.imageTitle, title)
	u.win.SetTitle("camviz — " + st.Image)
	switch {
	case v == nil && st.Analysis == nil:
		setText(u.w.viewTitle, "")
	case v == nil:
		setText(u.w.viewTitle, "Computing…")
	case st.Current():
		setText(u.w.viewTitle, v.Title())
	case v.Partial:
		setText(u.w.viewTitle, fmt.Sprintf("%s — so far (%d/%d)…", v.Title(), v.Done, v.Total))
	default:
		setText(u.w.viewTitle, v.Title()+" — updating…")
	}
	note := ""
	if v != nil {
		note = v.Note()
	}
	if st.ViewErr != "" {
		note = "Failed: " + st.ViewErr
	}
	if note == "" {
		u.w.note.Hide()
	} else {
		u.w.note.Show()
	}
	setLines(u.w.note, wrapText(note, 110), u.w.viewBox)
	u.updateBar(v, st.Sel.Overlay)
	if st.Current() && !u.ready {
		u.ready = true
		if u.opts.Smoke {
			// Report once the window has laid the picture out.
			go func() {
				time.Sleep(time.Second)
				u.post(func() {
					x, y, w, h := u.w.view.screenArea(u.fy.Driver().AbsolutePositionForObject(u.w.view), u.win.Canvas())
					fmt.Fprintf(os.Stderr, "camviz: overlay ready area=%d,%d,%d,%d\n", x, y, w, h)
				})
			}()
		}
	}
}

func (u *UI) emptyModelText(st core.State) string {
	switch {
	case st.ModelLoading != "":
		return "Loading " + st.ModelLoading + "…"
	case st.Model == nil:
		return "No model loaded: open one with Open model… (Ctrl+Shift+O), or drop an .onnx file here."
	}
	return "Model: " + u.w.model.Text
}

// faithChanged shows the faithfulness panel.
func (u *UI) faithChanged(st core.State) {
	was := u.w.faith.body.Visible()
	u.w.faith.update(st, u.dark)
	if u.w.faith.body.Visible() != was {
		u.w.viewBox.Refresh()
	}
}

// updateBar draws the colour bar for v.
func (u *UI) updateBar(v *core.View, overlay bool) {
	if v == nil || !overlay {
		u.w.bar.Hide()
		u.barKey = ""
		return
	}
	key := fmt.Sprintf("%s %v %v %v", v.Colormap, v.Range, u.dark, v.Sel.Compare.Contrast)
	if key != u.barKey {
		u.barKey = key
		img, err := colourBar(v.Colormap, v.Range, u.fy.Settings().Theme(), u.variant())
		if err == nil {
			u.w.bar.Image = img
			u.w.bar.Refresh()
		}
	}
	u.w.bar.Show()
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
		case g.Req.Kind == core.GridClasses:
			setText(u.w.gridInfo, fmt.Sprintf("%s at %s · top-%d classes on one shared scale (%.3g)", g.Cells[0].Method.Display,
				core.ShortLayer(layer), len(g.Cells), g.Scale))
		default:
			k := g.Sel.Class
			setText(u.w.gridInfo, fmt.Sprintf("Class %d “%s” at %s · %s", k, g.Analysis.Model.Label(k), core.ShortLayer(layer),
				strings.ToLower(normOptions[normIndex(g.Norm)].Label)))
		}
	} else {
		setText(u.w.gridInfo, "Open a picture to compare methods or classes.")
	}
	u.w.gridCells.Refresh()
}

func gridCell(c core.GridCell, layer string) fyne.CanvasObject {
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
		sub = append(sub, core.ShortLayer(c.Layer))
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

// hover shows the map's value under the mouse.
func (u *UI) hover(x, y int, ok bool) {
	v := u.shownView
	if !ok || v == nil || u.st.Photo == nil {
		setText(u.w.hover, hoverHelp)
		return
	}
	b := u.st.Photo.Bounds()
	ox := x * u.st.ImageSize.X / max(b.Dx(), 1)
	oy := y * u.st.ImageSize.Y / max(b.Dy(), 1)
	val, in := v.ValueAt(x, y)
	if !in {
		setText(u.w.hover, fmt.Sprintf("(%d, %d): outside what the model saw", ox, oy))
		return
	}
	if a, b, ok := v.PairAt(x, y); ok {
		setText(u.w.hover, fmt.Sprintf("(%d, %d): %.3f   A %.3f · B %.3f", ox, oy, val, a, b))
		return
	}
	setText(u.w.hover, fmt.Sprintf("(%d, %d): %.3f", ox, oy, val))
}

const hoverHelp = "Hover over the picture to read the map's value."
