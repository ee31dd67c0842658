package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"camviz/cam"
	"camviz/imgio"
	"camviz/metrics"
	"camviz/render"
)

// DisplaySide bounds the long side of the picture a window shows: the
// overlay on screen is drawn from a copy this size, full resolution is for
// exports only.
const DisplaySide = 1600

// GridSide bounds the long side of a comparison grid's cells on screen.
const GridSide = 512

// Selection is what the user has chosen to look at.
type Selection struct {
	Method   string
	Class    int
	Layer    string   // "" = the model's default layer
	Mode     string   // imgio.ModeWhole or imgio.ModeCrop; "" = the model's own
	Norm     cam.Mode // MinMax (per map), Shared (with the top-5) or Raw (signed)
	Colormap string   // "" = automatic: render.DefaultColormapFor the norm
	Alpha    float64  // heat map opacity
	Overlay  bool     // false shows the photo alone
	Compare  Compare
}

// Compare is the two-class comparison: Class is A while it is on.
type Compare struct {
	On       bool
	A, B     int
	T        float64 // blend position: 0 shows A, 1 shows B
	Contrast bool    // show A − B, signed, instead of the blend
}

// DefaultSelection is the selection of a fresh window.
func DefaultSelection() Selection {
	return Selection{Method: cam.DefaultMethod, Alpha: 0.5, Overlay: true, Compare: Compare{T: 0.5}}
}

// sameMap reports whether two selections ask for the same picture, up to
// what only the window decides (showing the overlay or not).
func (s Selection) sameMap(o Selection) bool {
	s.Overlay, o.Overlay = false, false
	if !s.Compare.On && !o.Compare.On {
		s.Compare, o.Compare = Compare{}, Compare{}
	}
	return s == o
}

// EffectiveColormap is the colour map a selection draws with.
func (s Selection) EffectiveColormap() string {
	switch {
	case s.Compare.On && s.Compare.Contrast:
		return render.SignedColormap
	case s.Colormap != "":
		return s.Colormap
	}
	return render.DefaultColormapFor(s.Norm == cam.Raw)
}

// LaneName names a kind of job: one runs at a time per lane, and the
// newest request of a lane supersedes the one running.
type LaneName string

// The session's lanes.
const (
	LaneModel   LaneName = "model"
	LaneImage   LaneName = "image"
	LaneMap     LaneName = "map"
	LaneGrid    LaneName = "grid"
	LaneMetrics LaneName = "metrics"
	LaneExport  LaneName = "export"
)

// lanes is the order State lists running jobs in.
var lanes = []LaneName{LaneModel, LaneImage, LaneMap, LaneGrid, LaneMetrics, LaneExport}

// Progress is a running job the window should show.
type Progress struct {
	Lane        LaneName
	Label       string
	Done, Total int  // Total 0: no count to show
	Cancellable bool // a slow method: offer Cancel
}

// State is a snapshot of the session for drawing the window. It shares
// immutable data (models, analyses, pictures) with the session; do not
// modify what it points to.
type State struct {
	Model        *Model
	ModelLoading string // the model being loaded, "" when none

	Image     string      // the picture's name, "" when none
	ImagePath string      // its file, "" for pictures not from a file
	ImageSize image.Point // its size as decoded
	Photo     image.Image // the display copy of the picture, nil when none

	Analysis *Analysis
	Top      []Prediction // the five most probable classes

	Sel  Selection
	View *View // the latest picture for Sel; may lag behind Sel while a job runs
	// ViewErr is why the last map failed, "" when it did not.
	ViewErr string

	Grid *Grid

	// Faith is the faithfulness of the current map, when measuring is on.
	Faith FaithState

	Busy   []Progress
	Status string
}

// Current reports whether the view shows the current selection in full.
func (st *State) Current() bool {
	return st.View != nil && !st.View.Partial && st.View.Analysis == st.Analysis && st.View.Sel.sameMap(st.Sel)
}

// SessionOptions configures a session.
type SessionOptions struct {
	// DisplaySide and GridSide bound the on-screen pictures (0: the
	// package defaults).
	DisplaySide, GridSide int
	// OnChange is called, on a job goroutine or the caller's, after the
	// state changed: read State again. It must not block.
	OnChange func()
	// OnError is called with failures the user must hear about (a bad
	// model or image, a failed export). The state is unchanged by them.
	OnError func(error)
	// Faithfulness is how the faithfulness panel measures maps (zero
	// fields: the metrics defaults, 32 steps; tests use a few).
	Faithfulness metrics.Config
}

// picture is a decoded image and its display copy.
type picture struct {
	name, path string
	orig       image.Point  // size as decoded
	img        *image.NRGBA // working copy, ≤ MaxWorkingSide
	disp       *image.NRGBA // display copy, ≤ DisplaySide
}

// Session is the state machine behind the window: the model, the picture,
// its analyses, the selection, and the background jobs that turn them into
// pictures. Requests return at once; results arrive through OnChange.
// A newer request supersedes an older one of its kind (cancelling it), and
// a result is committed only if its request is still the latest, so a
// stale picture is never shown.
type Session struct {
	opts SessionOptions
	jobs *Jobs

	modelLane, imageLane, mapLane, gridLane, metricsLane *Lane
	// load serialises model loads and image analyses, so an analysis
	// always uses the model that is current when it commits.
	load chan struct{}

	mu           sync.Mutex
	model        *Model
	modelLoading string
	pic          *picture
	analyses     map[string]*Analysis // per mode, for model and pic
	analysis     *Analysis
	sel          Selection
	view         *View
	viewErr      string
	busy         map[LaneName]Progress
	grid         *Grid
	gridReq      *GridRequest
	status       string
	fields       fieldCache
	measure      bool         // faithfulness measuring is on
	faith        *faithResult // for the current selection, or nil
	faithRun     faithTarget  // the measurement running, if any

	// onCommit, for tests, sees every view committed with the selection
	// current at that moment (under mu).
	onCommit func(v *View, current Selection)
	// onFaith, for tests, sees every measurement committed (under mu).
	onFaith func(f *faithResult, sel Selection)
}

// NewSession makes an empty session.
func NewSession(opts SessionOptions) *Session {
	if opts.DisplaySide <= 0 {
		opts.DisplaySide = DisplaySide
	}
	if opts.GridSide <= 0 {
		opts.GridSide = GridSide
	}
	s := &Session{opts: opts, jobs: NewJobs(), load: make(chan struct{}, 1),
		sel: DefaultSelection(), busy: map[LaneName]Progress{}}
	s.jobs.OnPanic = func(name string, err error) { s.fail(err) }
	s.modelLane = s.jobs.Lane(string(LaneModel))
	s.imageLane = s.jobs.Lane(string(LaneImage))
	s.mapLane = s.jobs.Lane(string(LaneMap))
	s.gridLane = s.jobs.Lane(string(LaneGrid))
	s.metricsLane = s.jobs.Lane(string(LaneMetrics))
	return s
}

// Close cancels every job and waits for them to end.
func (s *Session) Close() { s.jobs.Close() }

// Wait blocks until no job is running (new requests may start more).
func (s *Session) Wait() { s.jobs.Wait() }

// Idle reports whether no job is running.
func (s *Session) Idle() bool { return !s.jobs.Busy() }

// State returns a snapshot.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Model: s.model, ModelLoading: s.modelLoading, Analysis: s.analysis, Sel: s.sel,
		View: s.view, ViewErr: s.viewErr, Grid: s.grid, Status: s.status, Faith: s.faithStateLocked()}
	if s.pic != nil {
		st.Image, st.ImagePath, st.ImageSize, st.Photo = s.pic.name, s.pic.path, s.pic.orig, s.pic.disp
	}
	if s.analysis != nil {
		st.Top = s.analysis.Top(5)
	}
	for _, lane := range lanes {
		if p, ok := s.busy[lane]; ok {
			st.Busy = append(st.Busy, p)
		}
	}
	return st
}

func (s *Session) changed() {
	if s.opts.OnChange != nil {
		s.opts.OnChange()
	}
}

func (s *Session) fail(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	s.status = oneLine(err.Error())
	s.mu.Unlock()
	if s.opts.OnError != nil {
		s.opts.OnError(err)
	}
	s.changed()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// setStatus records a message for the status line.
func (s *Session) setStatus(msg string) {
	s.mu.Lock()
	s.status = msg
	s.mu.Unlock()
	s.changed()
}

// setBusy records (or with p.Label == "" clears) a lane's progress while
// gen is its latest request. Callers hold s.mu.
func (s *Session) setBusyLocked(lane *Lane, gen uint64, p Progress) bool {
	if lane != nil && !lane.Current(gen) {
		return false
	}
	if p.Label == "" {
		delete(s.busy, p.Lane)
	} else {
		s.busy[p.Lane] = p
	}
	return true
}

func (s *Session) setBusy(lane *Lane, gen uint64, p Progress) {
	s.mu.Lock()
	ok := s.setBusyLocked(lane, gen, p)
	s.mu.Unlock()
	if ok {
		s.changed()
	}
}

// acquire takes the load slot unless ctx ends first.
func (s *Session) acquire(ctx context.Context) bool {
	select {
	case s.load <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Session) release() { <-s.load }

// ---- model ----

// LoadModel loads an ONNX file (and labels file, if not "") in the
// background. On failure the current model and picture stay.
func (s *Session) LoadModel(path, labels string) {
	s.LoadModelWith(filepath.Base(path), func() (*Model, error) { return LoadModel(path, labels) }, false)
}

// LoadDefaultModel loads the embedded model. With no embedded model the
// status line says so (it is not an error the user caused).
func (s *Session) LoadDefaultModel() {
	s.LoadModelWith("the embedded model", DefaultModel, true)
}

// LoadModelWith runs load in the background and makes its model current.
// quiet failures go to the status line instead of OnError.
func (s *Session) LoadModelWith(name string, load func() (*Model, error), quiet bool) {
	s.mu.Lock()
	s.modelLoading = name
	s.mu.Unlock()
	s.modelLane.Submit(func(ctx context.Context, gen uint64) { s.runModel(ctx, gen, name, load, quiet) })
	s.changed()
}

// SetModel makes m current at once (m already loaded); the picture, if
// any, is analysed in the background.
func (s *Session) SetModel(m *Model) {
	s.LoadModelWith(m.Name, func() (*Model, error) { return m, nil }, false)
}

func (s *Session) runModel(ctx context.Context, gen uint64, name string, load func() (*Model, error), quiet bool) {
	s.setBusy(s.modelLane, gen, Progress{Lane: LaneModel, Label: "Loading " + name + "…"})
	defer func() {
		s.mu.Lock()
		if s.modelLane.Current(gen) {
			s.modelLoading = ""
			delete(s.busy, LaneModel)
		}
		s.mu.Unlock()
		s.changed()
	}()
	if !s.acquire(ctx) {
		return
	}
	defer s.release()
	m, err := load()
	if ctx.Err() != nil || !s.modelLane.Current(gen) {
		return
	}
	if err != nil {
		if quiet {
			s.setStatus("No model loaded: " + oneLine(err.Error()) + ". Open one with Open Model… (Ctrl+Shift+O).")
		} else {
			s.fail(fmt.Errorf("cannot load %s: %w", name, err))
		}
		return
	}
	s.mu.Lock()
	pic := s.pic
	s.mu.Unlock()
	var a *Analysis
	var aerr error
	// A picture waiting in the image lane will be analysed with this
	// model as soon as the slot is free; analysing the old one is waste.
	if pic != nil && !s.imageLane.Busy() {
		s.setBusy(s.modelLane, gen, Progress{Lane: LaneModel, Label: "Analysing " + pic.name + " with " + m.Name + "…"})
		a, aerr = analyze(ctx, m, pic, "")
		if ctx.Err() != nil {
			closeAnalysis(a)
			return
		}
	}
	s.mu.Lock()
	if !s.modelLane.Current(gen) {
		s.mu.Unlock()
		closeAnalysis(a)
		return
	}
	s.model = m
	s.dropAnalysesLocked()
	if _, err := m.Method(s.sel.Method); err != nil {
		s.sel.Method = cam.DefaultMethod
	}
	s.sel.Layer = ""
	s.commitAnalysisLocked(a, true)
	s.status = fmt.Sprintf("Model %s: %s, %d classes.", m.Name, InputDesc(m), m.Net.NumClasses())
	s.kickLocked()
	s.mu.Unlock()
	if aerr != nil {
		s.fail(fmt.Errorf("%s cannot analyse %s: %w", m.Name, pic.name, aerr))
	}
	s.changed()
}

// InputDesc says what the model takes, e.g. "3×224×224 input, crop".
func InputDesc(m *Model) string {
	c, h, w := m.Net.InputSize()
	return fmt.Sprintf("%d×%d×%d input, %s", c, h, w, m.Spec.Mode)
}

// analyze prepares pic for m in mode and runs the forward pass.
func analyze(ctx context.Context, m *Model, pic *picture, mode string) (*Analysis, error) {
	in, err := m.ImageInput(pic.name, pic.img, mode)
	if err != nil {
		return nil, err
	}
	return m.Analyze(ctx, in)
}

// commitAnalysisLocked makes a the current analysis. fresh: a new picture
// or model, so the class selection starts again from the top prediction.
func (s *Session) commitAnalysisLocked(a *Analysis, fresh bool) {
	if a != nil {
		if s.analyses == nil {
			s.analyses = map[string]*Analysis{}
		}
		if old := s.analyses[a.Input.Mode]; old != nil && old != a {
			old.Close()
		}
		s.analyses[a.Input.Mode] = a
	}
	s.analysis = a
	s.view = nil
	s.viewErr = ""
	s.fields = fieldCache{}
	s.dropFaithLocked()
	if a == nil {
		return
	}
	if fresh || a.CheckClass(s.sel.Class) != nil {
		top := a.Top(2)
		s.sel.Class = top[0].Class
		s.sel.Compare.A = top[0].Class
		s.sel.Compare.B = top[len(top)-1].Class
	}
	if s.sel.Compare.On {
		s.sel.Compare.A = s.sel.Class
	}
}

// dropAnalysesLocked closes the analyses of the picture or model being
// replaced, so the next forward pass reuses their buffers. Jobs still
// using one finish first (see Analysis.Close).
func (s *Session) dropAnalysesLocked() {
	for _, a := range s.analyses {
		a.Close()
	}
	if s.analysis != nil {
		s.analysis.Close()
	}
	s.analyses = map[string]*Analysis{}
}

// closeAnalysis closes an analysis nobody will see (a stale job's).
func closeAnalysis(a *Analysis) {
	if a != nil {
		a.Close()
	}
}

// ---- picture ----

// OpenImage reads a picture file in the background and analyses it with
// the current model. On failure the current picture stays.
func (s *Session) OpenImage(path string) {
	name := filepath.Base(path)
	s.imageLane.Submit(func(ctx context.Context, gen uint64) {
		s.setBusy(s.imageLane, gen, Progress{Lane: LaneImage, Label: "Opening " + name + "…"})
		img, _, err := imgio.DecodeFile(path, imgio.Limits{})
		if err != nil {
			s.mu.Lock()
			s.setBusyLocked(s.imageLane, gen, Progress{Lane: LaneImage})
			s.mu.Unlock()
			if ctx.Err() == nil && s.imageLane.Current(gen) {
				s.fail(err)
				s.reanalyse(gen)
			}
			s.changed()
			return
		}
		s.runImage(ctx, gen, newPicture(name, path, img, s.opts.DisplaySide))
	})
}

// OpenPicture analyses an already decoded picture (e.g. a bundled sample).
func (s *Session) OpenPicture(name string, img *image.NRGBA) {
	s.imageLane.Submit(func(ctx context.Context, gen uint64) {
		s.runImage(ctx, gen, newPicture(name, "", img, s.opts.DisplaySide))
	})
}

// reanalyse analyses the current picture again if a model change left it
// without an analysis (the model commits without one while an image is
// being opened, and that image failed).
func (s *Session) reanalyse(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.imageLane.Current(gen) && s.model != nil && s.pic != nil && s.analysis == nil {
		pic := s.pic
		s.imageLane.Submit(func(ctx context.Context, gen uint64) { s.runImage(ctx, gen, pic) })
	}
}

func newPicture(name, path string, img *image.NRGBA, side int) *picture {
	b := img.Bounds()
	work := imgio.Downscale(img, MaxWorkingSide)
	return &picture{name: name, path: path, orig: image.Pt(b.Dx(), b.Dy()), img: work, disp: displayCopy(work, side)}
}

// Tiny pictures (a 64×64 digit; below smallSide) are enlarged on screen
// to at least minDisplaySide: their pixels are repeated, so they stay
// crisp, while the heat map drawn over them is resized smoothly.
const (
	smallSide      = 256
	minDisplaySide = 512
)

func displayCopy(img *image.NRGBA, side int) *image.NRGBA {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if long >= smallSide || long == 0 {
		return imgio.Downscale(img, side)
	}
	f := (minDisplaySide + long - 1) / long
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*f, b.Dy()*f))
	for y := 0; y < out.Rect.Dy(); y++ {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y/f):]
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < out.Rect.Dx(); x++ {
			copy(dst[4*x:4*x+4], src[4*(x/f):4*(x/f)+4])
		}
	}
	return out
}

// SetMode switches between the whole picture and the centre crop
// (imgio.ModeWhole, imgio.ModeCrop; "" = the model's own).
func (s *Session) SetMode(mode string) error {
	switch mode {
	case "", imgio.ModeWhole, imgio.ModeCrop:
	default:
		return fmt.Errorf("unknown resize mode %q", mode)
	}
	s.mu.Lock()
	if s.sel.Mode == mode {
		s.mu.Unlock()
		return nil
	}
	s.sel.Mode = mode
	s.dropFaithLocked()
	pic := s.pic
	if pic != nil {
		// Maps of the other mode's analysis are not wanted any more.
		s.mapLane.Cancel()
		delete(s.busy, LaneMap)
		s.imageLane.Submit(func(ctx context.Context, gen uint64) { s.runImage(ctx, gen, pic) })
	}
	s.mu.Unlock()
	s.changed()
	return nil
}

// runImage analyses pic with the current model (under the load slot) and
// commits both.
func (s *Session) runImage(ctx context.Context, gen uint64, pic *picture) {
	defer func() {
		s.mu.Lock()
		s.setBusyLocked(s.imageLane, gen, Progress{Lane: LaneImage})
		s.mu.Unlock()
		s.changed()
	}()
	if !s.acquire(ctx) {
		return
	}
	defer s.release()
	s.mu.Lock()
	m, mode := s.model, s.sel.Mode
	samePic := s.pic == pic
	cached := s.analyses[s.modeFor(m, mode)]
	s.mu.Unlock()
	var a *Analysis
	var err error
	switch {
	case m == nil:
	case samePic && cached != nil:
		a = cached
	default:
		s.setBusy(s.imageLane, gen, Progress{Lane: LaneImage, Label: "Analysing " + pic.name + "…"})
		a, err = analyze(ctx, m, pic, mode)
		if ctx.Err() != nil {
			closeAnalysis(a)
			return
		}
	}
	s.mu.Lock()
	if !s.imageLane.Current(gen) {
		s.mu.Unlock()
		if a != cached {
			closeAnalysis(a)
		}
		return
	}
	if err != nil {
		// The previous picture and analysis stay, and so does their mode.
		if samePic && s.analysis != nil {
			s.sel.Mode = s.analysis.Input.Mode
		}
		s.mu.Unlock()
		s.fail(fmt.Errorf("%s: %w", pic.name, err))
		return
	}
	if !samePic {
		s.pic = pic
		s.dropAnalysesLocked()
		s.grid = nil
	}
	if m == nil {
		s.analysis, s.view = nil, nil
		s.dropFaithLocked()
		s.status = "No model loaded: open one with Open Model… (Ctrl+Shift+O)."
	} else {
		s.commitAnalysisLocked(a, !samePic)
		s.status = ""
		s.kickLocked()
	}
	s.mu.Unlock()
	s.changed()
}

func (s *Session) modeFor(m *Model, mode string) string {
	if mode == "" && m != nil {
		return m.Spec.Mode
	}
	return mode
}

// ---- selection ----

// update changes the selection and recomputes the picture if needed.
func (s *Session) update(f func(sel *Selection) error) error {
	s.mu.Lock()
	old := s.sel
	next := old
	if err := f(&next); err != nil {
		s.mu.Unlock()
		return err
	}
	s.sel = next
	// Requests are queued under the lock, so a job that started before
	// this change can no longer commit once the change is visible.
	if !faithSame(old, next) {
		s.dropFaithLocked() // measured again once the new map is drawn
	}
	if !next.sameMap(old) {
		s.mapLane.Submit(s.runMap)
	}
	if s.gridReq != nil && gridWants(old, next) {
		s.gridLane.Submit(s.runGrid)
	}
	s.mu.Unlock()
	if next != old {
		s.changed()
	}
	return nil
}

func (s *Session) needAnalysis() (*Analysis, error) {
	if s.analysis == nil {
		return nil, errors.New("no picture is analysed yet")
	}
	return s.analysis, nil
}

// SetClass picks the target class (class A while comparing).
func (s *Session) SetClass(k int) error {
	return s.update(func(sel *Selection) error {
		a, err := s.needAnalysis()
		if err != nil {
			return err
		}
		if err := a.CheckClass(k); err != nil {
			return err
		}
		sel.Class = k
		if sel.Compare.On {
			sel.Compare.A = k
		}
		return nil
	})
}

// StepClass moves the target class delta places along the ranking (+1:
// the next less probable class).
func (s *Session) StepClass(delta int) error {
	s.mu.Lock()
	a, cur := s.analysis, s.sel.Class
	s.mu.Unlock()
	if a == nil {
		return errors.New("no picture is analysed yet")
	}
	rank := a.Ranking()
	i := 0
	for j, k := range rank {
		if k == cur {
			i = j
		}
	}
	i = min(max(i+delta, 0), len(rank)-1)
	return s.SetClass(rank[i])
}

// Ranking lists every class, most probable first.
func (a *Analysis) Ranking() []int {
	idx := make([]int, len(a.Probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a.Probs[idx[i]] > a.Probs[idx[j]] })
	return idx
}

// SetMethod picks the CAM method; one that does not apply is refused with
// the reason.
func (s *Session) SetMethod(name string) error {
	return s.update(func(sel *Selection) error {
		if s.model == nil {
			return errors.New("no model is loaded")
		}
		if _, err := s.model.Method(name); err != nil {
			return err
		}
		sel.Method = name
		return nil
	})
}

// SetLayer picks the layer ("" = the model's default).
func (s *Session) SetLayer(name string) error {
	return s.update(func(sel *Selection) error {
		if s.model == nil {
			return errors.New("no model is loaded")
		}
		if name != "" {
			if _, err := s.model.Net.Layer(name); err != nil {
				return err
			}
		}
		sel.Layer = name
		return nil
	})
}

// SetNorm picks the normalisation: per map, shared with the top-5, or
// signed raw values.
func (s *Session) SetNorm(m cam.Mode) error {
	return s.update(func(sel *Selection) error {
		if _, ok := m.Info(); !ok {
			return fmt.Errorf("unknown normalisation %v", m)
		}
		sel.Norm = m
		return nil
	})
}

// SetColormap picks the colour map ("" = automatic).
func (s *Session) SetColormap(name string) error {
	return s.update(func(sel *Selection) error {
		if name != "" {
			if _, err := ParseOverlayOptions(name, 0.5, cam.MinMax); err != nil {
				return err
			}
		}
		sel.Colormap = name
		return nil
	})
}

// SetAlpha sets the heat map's opacity (0–1).
func (s *Session) SetAlpha(alpha float64) error {
	return s.update(func(sel *Selection) error {
		if !(alpha >= 0 && alpha <= 1) {
			return fmt.Errorf("opacity %v is outside 0–1", alpha)
		}
		sel.Alpha = alpha
		return nil
	})
}

// SetOverlay shows or hides the heat map (the photo stays).
func (s *Session) SetOverlay(on bool) {
	_ = s.update(func(sel *Selection) error { sel.Overlay = on; return nil })
}

// ToggleOverlay flips SetOverlay.
func (s *Session) ToggleOverlay() {
	_ = s.update(func(sel *Selection) error { sel.Overlay = !sel.Overlay; return nil })
}

// SetCompare turns the two-class comparison on or off. Turning it on
// compares the target class (A) with the next one in the ranking (B).
func (s *Session) SetCompare(on bool) {
	_ = s.update(func(sel *Selection) error {
		if on && !sel.Compare.On {
			sel.Compare.A = sel.Class
			if a := s.analysis; a != nil && (sel.Compare.B == sel.Class || a.CheckClass(sel.Compare.B) != nil) {
				rank := a.Ranking()
				sel.Compare.B = rank[0]
				if rank[0] == sel.Class && len(rank) > 1 {
					sel.Compare.B = rank[1]
				}
			}
		}
		sel.Compare.On = on
		return nil
	})
}

// SetCompareClasses picks classes A and B.
func (s *Session) SetCompareClasses(a, b int) error {
	return s.update(func(sel *Selection) error {
		an, err := s.needAnalysis()
		if err != nil {
			return err
		}
		if err := errors.Join(an.CheckClass(a), an.CheckClass(b)); err != nil {
			return err
		}
		sel.Compare.A, sel.Compare.B = a, b
		if sel.Compare.On {
			sel.Class = a
		}
		return nil
	})
}

// SetBlend sets the blend position (0 = A, 1 = B).
func (s *Session) SetBlend(t float64) error {
	return s.update(func(sel *Selection) error {
		if !(t >= 0 && t <= 1) {
			return fmt.Errorf("blend position %v is outside 0–1", t)
		}
		sel.Compare.T = t
		return nil
	})
}

// SetContrast shows the signed A − B map instead of the blend.
func (s *Session) SetContrast(on bool) {
	_ = s.update(func(sel *Selection) error { sel.Compare.Contrast = on; return nil })
}

// CancelMap stops a slow map; the picture shown stays as it was.
func (s *Session) CancelMap() {
	s.mu.Lock()
	s.mapLane.Cancel()
	_, was := s.busy[LaneMap]
	delete(s.busy, LaneMap)
	if was {
		s.status = "Cancelled."
	}
	s.mu.Unlock()
	s.changed()
}

// kickLocked recomputes everything that depends on the analysis.
func (s *Session) kickLocked() {
	s.mapLane.Submit(s.runMap)
	if s.gridReq != nil {
		s.gridLane.Submit(s.runGrid)
	}
}

// SearchLabels returns the classes whose label contains every word of
// query (case-insensitive), or whose index is query, in class order.
func SearchLabels(m *Model, query string) []int {
	n := m.Net.NumClasses()
	q := strings.Fields(strings.ToLower(query))
	var out []int
	if len(q) == 1 {
		if k, err := strconv.Atoi(q[0]); err == nil && k >= 0 && k < n {
			out = append(out, k)
		}
	}
	for k := 0; k < n; k++ {
		l := strings.ToLower(m.Label(k))
		ok := true
		for _, w := range q {
			if !strings.Contains(l, w) {
				ok = false
				break
			}
		}
		if ok && (len(out) == 0 || out[0] != k) {
			out = append(out, k)
		}
	}
	return out
}
