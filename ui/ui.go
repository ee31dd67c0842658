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

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"camviz/analysis"
	core "camviz/app"
	"camviz/assets"
	"camviz/cam"
	"camviz/compose"
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
	// SmokeChecks, with Smoke, presses the ROAD and sanity buttons once
	// the first map is on screen and prints "camviz: checks ready
	// road=x,y,w,h,tw sanity=…" (each line's area and its text's width, in
	// screen pixels) when their numbers are shown.
	SmokeChecks bool
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
	shownModel    *analysis.Model
	shownAnalysis *analysis.Analysis
	pointer       core.Pointer // where the mouse is over the picture
	ticking       bool         // the status line's clock is running
	shownGrid     *compose.Grid
	shownPhoto    image.Image
	barKey        string
	ready         bool
	smokeChecks   bool // SmokeChecks pressed the buttons; not yet reported
	lastErr       error
	errMu         sync.Mutex

	pendingLabels string // the labels file of the model being loaded
	caption       bool
	dark          bool
	// narrow: the window is narrower than narrowBelow and the panes are
	// in their narrow arrangement (widthSet once the first layout said).
	narrow, widthSet bool
	leftWidth        float32     // the classes pane's width, as the window's width gives it
	lastSaveDir      string      // the folder of this run's last save
	pending          image.Image // the command line's picture, shown until the session has it
	dialogs          []func()    // hide the dialogs open, the topmost last (Esc)

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
	// Measuring faithfulness is asked for each time (issue 18: a
	// remembered toggle started a five-minute job at launch).
	prefs.RemoveValue("measure")
	u.startModel()
	if opts.Image != "" {
		u.preview(opts.Image)
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
		u.s.LoadModelWith("the embedded model", func() (*analysis.Model, error) {
			m, err := analysis.DefaultModel()
			if err != nil {
				return nil, err
			}
			m.Labels, err = analysis.ReadLabels(labels, m.Net.NumClasses())
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

// refresh draws the session's state: the model remembered and the
// analysis's ranking, which two panels read, then each panel (panels.go).
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
	u.refreshPanels(st)
}

// modelChanged remembers a model opened from a file for the next run.
func (u *UI) modelChanged(st core.State) {
	u.shownModel = st.Model
	if m := st.Model; m != nil && m.Path != "" {
		prefs := u.fy.Preferences()
		prefs.SetString("model", m.Path)
		prefs.SetString("labels", u.pendingLabels)
	}
}

// analysisChanged ranks the classes of a new analysis (the predictions'
// target line and the compare pickers read the ranking).
func (u *UI) analysisChanged(st core.State) {
	u.shownAnalysis = st.Analysis
	u.w.rank = nil
	if st.Analysis != nil {
		u.w.rank = st.Analysis.Ranking()
	}
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

const hoverHelp = core.HoverHelp
