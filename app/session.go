package app

import (
	"context"
	"image"
	"strings"
	"sync"
	"time"

	"camviz/analysis"
	"camviz/compose"
	"camviz/metrics"
)

// DisplaySide bounds the long side of the picture a window shows: the
// overlay on screen is drawn from a copy this size, full resolution is for
// exports only.
const DisplaySide = 1600

// GridSide bounds the long side of a comparison grid's cells on screen.
const GridSide = 512

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
	LaneROAD    LaneName = "road"   // ROAD and CAM-mult, asked for (RunROAD)
	LaneSanity  LaneName = "sanity" // the cascading randomisation, asked for (RunSanity)
)

// lanes is the order State lists running jobs in.
var lanes = []LaneName{LaneModel, LaneImage, LaneMap, LaneGrid, LaneMetrics, LaneROAD, LaneSanity, LaneExport}

// Progress is a running job the window should show.
type Progress struct {
	Lane        LaneName
	Label       string
	Done, Total int  // Total 0: no count to show
	Cancellable bool // a slow method: offer Cancel
	// Job tells one request of the lane from the next (the lane's
	// generation): a job that goes on keeps its Job and Start.
	Job   uint64
	Start time.Time // when the job first reported
	At    time.Time // when it last reported
	// Expected is how long the job should take, known before its first
	// unit is done (0: unknown; the rate so far then tells).
	Expected time.Duration
}

// State is a snapshot of the session for drawing the window. It shares
// immutable data (models, analyses, pictures) with the session; do not
// modify what it points to.
type State struct {
	Model        *analysis.Model
	ModelLoading string // the model being loaded, "" when none

	Image     string      // the picture's name, "" when none
	ImagePath string      // its file, "" for pictures not from a file
	ImageSize image.Point // its size as decoded
	Photo     image.Image // the display copy of the picture, nil when none

	Analysis *analysis.Analysis
	Top      []analysis.Prediction // the five most probable classes

	Sel  compose.Selection
	View *compose.View // the latest picture for Sel; may lag behind Sel while a job runs
	// ViewErr is why the last map failed, "" when it did not.
	ViewErr string

	Grid *compose.Grid

	// Faith is what the faithfulness measurement has for the current map.
	Faith FaithState
	// Trust is what the ROAD and sanity checks have for the current map.
	Trust TrustState

	Busy   []Progress
	Status string
}

// Current reports whether the view shows the current selection in full.
func (st *State) Current() bool {
	return st.View != nil && !st.View.Partial && st.View.Analysis == st.Analysis && sameMap(st.View.Sel, st.Sel)
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
	*compose.Photo              // its name, path and size as decoded
	img            *image.NRGBA // working copy, ≤ MaxWorkingSide
	disp           *image.NRGBA // display copy, ≤ DisplaySide
}

// Session is the state machine behind the window: the model, the picture,
// its analyses, the selection, and the background jobs that turn them into
// pictures. Requests return at once; results arrive through OnChange.
// Each request says what it changes (session_request.go): a newer request
// that changes a job's result supersedes it (cancelling it), one that
// does not never cancels it; a result is committed only if its request is
// still the latest, so a stale picture is never shown. The window's words
// are derived from a snapshot in one place (LabelsOf).
type Session struct {
	opts SessionOptions
	jobs *Jobs

	modelLane, imageLane, mapLane, gridLane, metricsLane *Lane
	roadLane, sanityLane                                 *Lane
	// load serialises model loads and image analyses, so an analysis
	// always uses the model that is current when it commits.
	load chan struct{}

	mu           sync.Mutex
	model        *analysis.Model
	modelLoading string
	pic          *picture
	// analyses: the picture's analyses by resize mode, so switching back
	// is instant. One owner, the session; one rule: an analysis is closed
	// and dropped when what it analysed — the picture, the model or its
	// mode's input — is replaced (dropAnalysesLocked, commitAnalysisLocked).
	analyses   map[string]*analysis.Analysis
	analysis   *analysis.Analysis
	sel        compose.Selection
	view       *compose.View
	viewErr    string
	mapRun     uint64             // the map job's generation while one is queued or running, else 0
	stopped    *compose.Selection // the maps (mapPart) whose job the user cancelled, until others are asked for
	busy       map[LaneName]Progress
	grid       *compose.Grid
	gridReq    *compose.GridRequest
	gridRedraw bool // the display changed while the grid ran (submitGridLocked)
	status     string
	fields     fieldCache
	faith      trustRuns[analysis.FaithfulnessReport]
	road       trustRuns[analysis.ROADResult]
	sanity     trustRuns[analysis.SanityResult]

	// onCommit, for tests, sees every view committed with the selection
	// current at that moment (under mu).
	onCommit func(v *compose.View, current compose.Selection)
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
		sel: compose.DefaultSelection(), busy: map[LaneName]Progress{}}
	s.jobs.OnPanic = func(name string, err error) { s.fail(err) }
	s.modelLane = s.jobs.Lane(string(LaneModel))
	s.imageLane = s.jobs.Lane(string(LaneImage))
	s.mapLane = s.jobs.Lane(string(LaneMap))
	s.gridLane = s.jobs.Lane(string(LaneGrid))
	s.metricsLane = s.jobs.Lane(string(LaneMetrics))
	s.roadLane = s.jobs.Lane(string(LaneROAD))
	s.sanityLane = s.jobs.Lane(string(LaneSanity))
	s.faith.init()
	s.road.init()
	s.sanity.init()
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
		View: s.view, ViewErr: s.viewErr, Grid: s.grid, Status: s.status, Faith: s.faithStateLocked(), Trust: s.trustStateLocked()}
	if s.pic != nil {
		st.Image, st.ImagePath, st.ImageSize, st.Photo = s.pic.Name, s.pic.Path, s.pic.Size, s.pic.disp
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
// gen is its latest request. A job's later reports keep the time of its
// first. Callers hold s.mu.
func (s *Session) setBusyLocked(lane *Lane, gen uint64, p Progress) bool {
	if lane != nil && !lane.Current(gen) {
		return false
	}
	if p.Label == "" {
		delete(s.busy, p.Lane)
		return true
	}
	p.Job, p.At = gen, time.Now()
	if old, ok := s.busy[p.Lane]; ok && old.Job == gen {
		p.Start = old.Start
	} else {
		p.Start = p.At
	}
	s.busy[p.Lane] = p
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
