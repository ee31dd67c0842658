package app

import (
	"slices"
	"sync"
	"testing"

	"camviz/cam"
	"camviz/compose"
	"camviz/render"

	"go.uber.org/goleak"
)

// TestChanges: every field of the selection is classified, and a field
// nobody classified (new method options) changes the maps.
func TestChanges(t *testing.T) {
	base := compose.DefaultSelection()
	base.Class, base.Compare.A, base.Compare.B = 3, 3, 5
	comparing := base
	comparing.Compare.On = true
	cases := []struct {
		name string
		from compose.Selection
		set  func(s *compose.Selection)
		want Change
	}{
		{"opacity", base, func(s *compose.Selection) { s.Alpha = 0.9 }, ChangeDisplay},
		{"colour map", base, func(s *compose.Selection) { s.Colormap = "viridis" }, ChangeDisplay},
		{"min-max to raw", base, func(s *compose.Selection) { s.Norm = cam.Raw }, ChangeDisplay},
		{"heat map toggle", base, func(s *compose.Selection) { s.Overlay = false }, ChangeNone},
		{"blend while not comparing", base, func(s *compose.Selection) { s.Compare.T = 0.2 }, ChangeNone},
		{"blend", comparing, func(s *compose.Selection) { s.Compare.T = 0.2 }, ChangeDisplay},
		{"contrast", comparing, func(s *compose.Selection) { s.Compare.Contrast = true }, ChangeDisplay},
		{"scale while comparing", comparing, func(s *compose.Selection) { s.Norm = cam.Shared }, ChangeNone},
		{"class", base, func(s *compose.Selection) { s.Class = 4 }, ChangeMaps},
		{"method", base, func(s *compose.Selection) { s.Method = "scorecam" }, ChangeMaps},
		{"layer", base, func(s *compose.Selection) { s.Layer = "x" }, ChangeMaps},
		{"mode", base, func(s *compose.Selection) { s.Mode = "crop" }, ChangeMaps},
		{"shared scale (top-5 maps)", base, func(s *compose.Selection) { s.Norm = cam.Shared }, ChangeMaps},
		{"compare on", base, func(s *compose.Selection) { s.Compare.On = true }, ChangeMaps},
		{"class B", comparing, func(s *compose.Selection) { s.Compare.B = 7 }, ChangeMaps},
		{"class B while not comparing", base, func(s *compose.Selection) { s.Compare.B = 7 }, ChangeNone},
	}
	for _, c := range cases {
		next := c.from
		c.set(&next)
		if got := Changes(c.from, next); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if got := Changes(c.from, c.from); got != ChangeNone {
			t.Errorf("%s: no change is %v", c.name, got)
		}
	}
}

// hooked is a session on the 64×64 fixture model and chelsea whose OnChange calls
// the function in hook (when set).
func hooked(t *testing.T) (*Session, *recorder, func(func(s *Session))) {
	t.Helper()
	r := &recorder{}
	var mu sync.Mutex
	var hook func(s *Session)
	var s *Session
	s = NewSession(SessionOptions{
		OnChange: func() {
			mu.Lock()
			h := hook
			mu.Unlock()
			if h != nil {
				h(s)
			}
		},
		OnError: func(err error) { r.mu.Lock(); r.errs = append(r.errs, err); r.mu.Unlock() },
	})
	t.Cleanup(s.Close)
	s.LoadModel(smallModel, "")
	s.OpenImage(chelseaPath)
	wait(t, s)
	if st := s.State(); !st.Current() {
		t.Fatal("not ready")
	}
	set := func(h func(s *Session)) { mu.Lock(); hook = h; mu.Unlock() }
	return s, r, set
}

// mapProgress is the map lane's progress in st, if it counts.
func mapProgress(st State) (Progress, bool) {
	for _, p := range st.Busy {
		if p.Lane == LaneMap && p.Total > 0 {
			return p, true
		}
	}
	return Progress{}, false
}

// TestDisplayChangeKeepsSlowJob is the request model's rule for every
// control of the display: applied while Score-CAM runs, the change
// neither cancels nor restarts it (its progress goes on under the same
// job), the result is drawn with the change, and the map is computed
// once. A map-changing request does supersede it.
func TestDisplayChangeKeepsSlowJob(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cases := []struct {
		name    string
		compare bool
		change  func(s *Session) error
		shows   func(st State) bool
	}{
		{"opacity", false, func(s *Session) error { return s.SetAlpha(0.85) },
			func(st State) bool { return st.View.Sel.Alpha == 0.85 }},
		{"colour map", false, func(s *Session) error { return s.SetColormap("viridis") },
			func(st State) bool { return st.View.Colormap == "viridis" }},
		{"raw scale", false, func(s *Session) error { return s.SetNorm(cam.Raw) },
			func(st State) bool { return st.View.Sel.Norm == cam.Raw }},
		{"heat map toggle", false, func(s *Session) error { s.ToggleOverlay(); return nil },
			func(st State) bool { return !st.Sel.Overlay }},
		{"blend position", true, func(s *Session) error { return s.SetBlend(0.25) },
			func(st State) bool { return st.View.Sel.Compare.T == 0.25 }},
		{"contrast", true, func(s *Session) error { s.SetContrast(true); return nil },
			func(st State) bool { return st.View.Sel.Compare.Contrast && st.View.Colormap == render.SignedColormap }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, r, hook := hooked(t)
			if c.compare {
				s.SetCompare(true)
				wait(t, s)
			}
			var mu sync.Mutex
			var jobs []uint64
			var dones []int
			var labels []string
			changedAt := -1
			hook(func(s *Session) {
				p, ok := mapProgress(s.State())
				if !ok {
					return
				}
				mu.Lock()
				jobs, dones, labels = append(jobs, p.Job), append(dones, p.Done), append(labels, p.Label)
				first := changedAt < 0 && p.Done > 0 && p.Done < p.Total
				if first {
					changedAt = len(dones) - 1
				}
				mu.Unlock()
				if first {
					if err := c.change(s); err != nil {
						t.Error(err)
					}
				}
			})
			if err := s.SetMethod("scorecam"); err != nil {
				t.Fatal(err)
			}
			wait(t, s)
			st := s.State()
			mu.Lock()
			defer mu.Unlock()
			if changedAt < 0 {
				t.Fatalf("Score-CAM gave no progress to change during (%v)", dones)
			}
			// One job; each map's count (class A's, then B's while
			// comparing) only goes up.
			for i := range jobs {
				if jobs[i] != jobs[0] || (i > 0 && labels[i] == labels[i-1] && dones[i] < dones[i-1]) {
					t.Fatalf("the job was restarted: jobs %v done %v labels %v", jobs, dones, labels)
				}
			}
			if last := dones[len(dones)-1]; labels[len(labels)-1] == labels[changedAt] && last <= dones[changedAt] {
				t.Fatalf("no progress after the change: %v (changed at %d)", dones, changedAt)
			}
			if !st.Current() || st.View.Method.Name != "scorecam" || st.View.Partial || st.View.Elapsed == 0 || !c.shows(st) {
				t.Fatalf("result: current %v method %s partial %v elapsed %v shows the change %v",
					st.Current(), st.View.Method.Name, st.View.Partial, st.View.Elapsed, c.shows(st))
			}
			if len(r.errors()) > 0 {
				t.Fatal(r.errors())
			}
		})
	}

	// A map-changing request supersedes the job: a new job, for the new
	// class.
	s, _, hook := hooked(t)
	var mu sync.Mutex
	var jobs []uint64
	other := s.State().Analysis.Ranking()[1]
	hook(func(s *Session) {
		p, ok := mapProgress(s.State())
		if !ok {
			return
		}
		mu.Lock()
		first := len(jobs) == 0 && p.Done < p.Total
		jobs = append(jobs, p.Job)
		mu.Unlock()
		if first {
			if err := s.SetClass(other); err != nil {
				t.Error(err)
			}
		}
	})
	if err := s.SetMethod("scorecam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st := s.State()
	mu.Lock()
	defer mu.Unlock()
	if len(jobs) < 2 || jobs[len(jobs)-1] == jobs[0] {
		t.Fatalf("the class change did not supersede the job: %v", jobs)
	}
	if !st.Current() || st.View.Sel.Class != other || st.View.Method.Name != "scorecam" {
		t.Fatalf("after superseding: class %d method %s", st.View.Sel.Class, st.View.Method.Name)
	}
}

// TestKeptMapNotRecomputed: returning to Score-CAM for the same image,
// layer and class shows the kept map at once; a cancelled partial one is
// never kept, nor shown as final.
func TestKeptMapNotRecomputed(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _, hook := hooked(t)
	if err := s.SetMethod("scorecam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	first := s.State().View
	if first.Elapsed == 0 {
		t.Fatal("Score-CAM came from nowhere")
	}
	if err := s.SetMethod("gradcam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	var mu sync.Mutex
	counted := 0
	hook(func(s *Session) {
		if _, ok := mapProgress(s.State()); ok {
			mu.Lock()
			counted++
			mu.Unlock()
		}
	})
	if err := s.SetMethod("scorecam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st := s.State()
	mu.Lock()
	n := counted
	mu.Unlock()
	if n != 0 || !st.Current() || st.View.Elapsed != 0 || !slices.Equal(st.View.Field.Data, first.Field.Data) {
		t.Fatalf("returning to Score-CAM: %d progress reports, elapsed %v", n, st.View.Elapsed)
	}

	// Another layer (another class is read off the kept run at once):
	// cancel it halfway; the partial map is marked, not final, and not
	// kept.
	layers := st.Analysis.Model.StripLayers()
	other := layers[len(layers)-3] // a stage's end before the default layer's
	if other == st.Analysis.Model.Layer {
		t.Fatalf("layer %s is the default", other)
	}
	cancelled := make(chan struct{})
	var once sync.Once
	hook(func(s *Session) {
		st := s.State()
		if p, ok := mapProgress(st); ok && p.Done > 0 && p.Done < p.Total && st.View != nil && st.View.Partial {
			once.Do(func() { s.CancelMap(); close(cancelled) })
		}
	})
	if err := s.SetLayer(other); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	select {
	case <-cancelled:
	default:
		t.Fatal("no partial map to cancel")
	}
	st = s.State()
	if st.Current() || st.View == nil || !st.View.Partial || !st.View.Cancelled {
		t.Fatalf("after cancel: current %v partial %v cancelled %v", st.Current(), st.View != nil && st.View.Partial, st.View != nil && st.View.Cancelled)
	}
	if st.Analysis.Kept("scorecam", other) {
		t.Error("the cancelled map was kept")
	}
	if f := st.Faith; f.Available || f.Unavailable != "the map was cancelled before it was finished" {
		t.Fatalf("the checks on a cancelled map: %+v", f)
	}

	// A display change does not start the cancelled job again.
	mu.Lock()
	counted = 0
	mu.Unlock()
	hook(func(s *Session) {
		if _, ok := mapProgress(s.State()); ok {
			mu.Lock()
			counted++
			mu.Unlock()
		}
	})
	if err := s.SetAlpha(0.3); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	mu.Lock()
	n = counted
	mu.Unlock()
	if st := s.State(); n != 0 || !st.View.Cancelled || len(st.Busy) != 0 {
		t.Fatalf("after Cancel, an opacity change ran %d batches (busy %v)", n, st.Busy)
	}
}

// TestDisplayChangeKeepsGrid: an opacity change while a grid with a slow
// method runs does not cancel it: the grid finishes as it started (its
// cells drawn at the old opacity), then is drawn again from the kept maps
// at the new one.
func TestDisplayChangeKeepsGrid(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r, hook := hooked(t)
	var mu sync.Mutex
	changed, finishedOld := false, false
	hook(func(s *Session) {
		st := s.State()
		mu.Lock()
		if g := st.Grid; g != nil && g.Done && g.Sel.Alpha == 0.5 && changed {
			finishedOld = true
		}
		change := false
		for _, p := range st.Busy {
			if p.Lane == LaneGrid && p.Done == 1 && !changed {
				changed, change = true, true
			}
		}
		mu.Unlock()
		if change {
			if err := s.SetAlpha(0.85); err != nil {
				t.Error(err)
			}
		}
	})
	s.SetGrid(&compose.GridRequest{Kind: compose.GridMethods, Methods: []string{"gradcam", "scorecam"}, Slow: true})
	wait(t, s)
	st := s.State()
	mu.Lock()
	defer mu.Unlock()
	if !changed {
		t.Fatal("the grid gave no progress to change during")
	}
	if !finishedOld {
		t.Fatal("the opacity change cancelled the running grid")
	}
	if st.Grid == nil || !st.Grid.Done || st.Grid.Sel.Alpha != 0.85 {
		t.Fatalf("the grid was not drawn again at the new opacity: %+v", st.Grid)
	}
	if len(r.errors()) > 0 {
		t.Fatal(r.errors())
	}
}
