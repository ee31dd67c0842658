package app

import (
	"context"
	"errors"
	"image"
	"strings"
	"sync"
	"testing"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/metrics"
)

// TestLabelsFollowTheView: the status line names the map on screen, not
// the last one computed (issue 18: "FC→conv … 41 ms" while Grad-CAM is
// shown).
func TestLabelsFollowTheView(t *testing.T) {
	s, _, _ := hooked(t)
	if err := s.SetMethod("fcconv"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	l := LabelsOf(s.State(), Pointer{}, time.Now())
	if !strings.HasPrefix(l.Status, "FC→conv dense scores at fc head: ") || !strings.HasSuffix(l.Status, "s.") {
		t.Fatalf("after fcconv: %q", l.Status)
	}
	// Grad-CAM is kept from the first picture: nothing is computed.
	if err := s.SetMethod("gradcam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st := s.State()
	l = LabelsOf(st, Pointer{}, time.Now())
	want := "Grad-CAM at " + compose.ShortLayer(st.View.Layer) + ": from the kept maps."
	if l.Status != want || !strings.HasPrefix(l.Title, "Grad-CAM") {
		t.Fatalf("Grad-CAM shown, status %q (want %q), title %q", l.Status, want, l.Title)
	}
}

// TestLabelsOf: each stale or contradicting label of issue 18, item 8,
// from a snapshot of a real session changed as the state would be.
func TestLabelsOf(t *testing.T) {
	s, _, _ := hooked(t)
	st := s.State()
	v := st.View
	now := time.Now()
	over := Pointer{X: v.Area.Min.X + v.Area.Dx()/2, Y: v.Area.Min.Y + v.Area.Dy()/2, In: true}
	if h := HoverText(st, over); !strings.HasPrefix(h, "(") || strings.Contains(h, "outside") {
		t.Fatalf("hover over the map: %q", h)
	}

	// A new picture dropped: its photo is on screen, the old view is not
	// its view, so the old value is not shown.
	dropped := st
	dropped.Photo = image.NewNRGBA(image.Rect(0, 0, 300, 200))
	if h := HoverText(dropped, over); h != HoverHelp {
		t.Errorf("after a drop the hover says %q", h)
	}
	// A new analysis without its map yet.
	fresh := st
	fresh.Analysis = &analysis.Analysis{}
	if h := LabelsOf(fresh, over, now); h.Hover != HoverHelp || h.Title != "Computing…" {
		t.Errorf("new analysis: hover %q title %q", h.Hover, h.Title)
	}

	// Esc during Score-CAM: the partial map says it was cancelled, not
	// "so far".
	partial := *v
	partial.Partial, partial.Done, partial.Total = true, 7, 512
	cancelled := partial
	cancelled.Cancelled = true
	esc := st
	esc.View, esc.Busy = &cancelled, nil
	if l := LabelsOf(esc, over, now); !strings.Contains(l.Title, "cancelled at 7/512") || strings.Contains(l.Title, "so far") || l.Bar != nil {
		t.Errorf("after Esc: %q", l.Title)
	}

	// The title's count and the bar are the same job's: the map lane's,
	// not a partial picture's older count nor another lane's.
	running := st
	partial.Done, partial.Total = 1, 64
	running.View = &partial
	running.Busy = []Progress{
		{Lane: LaneMetrics, Label: "Measuring faithfulness", Done: 48, Total: 100, Start: now.Add(-time.Second)},
		{Lane: LaneMap, Label: "Score-CAM", Done: 31, Total: 64, Start: now.Add(-2 * time.Second), Cancellable: true},
	}
	l := LabelsOf(running, over, now)
	if !strings.Contains(l.Title, "so far (31/64)") || l.Bar == nil || l.Bar.Lane != LaneMap || l.Fraction != 31.0/64 || !l.Cancel || !l.Ticking {
		t.Errorf("running: title %q bar %+v fraction %v", l.Title, l.Bar, l.Fraction)
	}
	if !strings.Contains(l.Status, "Score-CAM 31/64 · 16/s · 2.0 s elapsed · a few seconds left") ||
		!strings.Contains(l.Status, "Measuring faithfulness 48/100 · 48/s · 1.0 s elapsed · a few seconds left") {
		t.Errorf("running: status %q", l.Status)
	}

	// Comparing: the scale named is the shared one the caption names.
	cmp := st
	cmp.Sel.Compare.On, cmp.Sel.Norm = true, cam.MinMax
	if l := LabelsOf(cmp, over, now); l.Norm != cam.Shared {
		t.Errorf("comparing: scale %v", l.Norm)
	}
	if l := LabelsOf(st, over, now); l.Norm != st.Sel.Norm {
		t.Errorf("not comparing: scale %v, selection %v", l.Norm, st.Sel.Norm)
	}
}

// TestProgressText: the status line's counts, elapsed time and estimate.
func TestProgressText(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(-d) }
	cases := []struct {
		p    Progress
		want string
	}{
		{Progress{Label: "Score-CAM", Done: 12, Total: 512, Start: at(3 * time.Second)}, "Score-CAM 12/512 · 4.0/s · 3.0 s elapsed · about 2 min left"},
		{Progress{Label: "Score-CAM", Done: 12, Total: 512, Start: at(4100 * time.Millisecond)}, "Score-CAM 12/512 · 2.9/s · 4.1 s elapsed · about 3 min left"},
		{Progress{Label: "Measuring ROAD", Done: 10, Total: 20, Start: at(20 * time.Second)}, "Measuring ROAD 10/20 · 0.50/s · 20.0 s elapsed · about 20 s left"},
		{Progress{Label: "Sanity check", Done: 1, Total: 100, Start: at(time.Minute + 5*time.Second)}, "Sanity check 1/100 · 0.02/s · 1 min 05 s elapsed · about 1.8 h left"},
		{Progress{Label: "Score-CAM", Done: 0, Total: 512, Start: at(time.Second)}, "Score-CAM 0/512 · 1.0 s elapsed"},
		{Progress{Label: "Score-CAM", Done: 512, Total: 512, Start: at(time.Second)}, "Score-CAM 512/512 · 512/s · 1.0 s elapsed"},
		{Progress{Label: "Computing Grad-CAM…", Start: at(300 * time.Millisecond)}, "Computing Grad-CAM…"},
		{Progress{Label: "Computing fcconv…", Start: at(2 * time.Second)}, "Computing fcconv… · 2.0 s elapsed"},
		{Progress{Label: "Measuring faithfulness…", Done: 3, Total: 9, Start: at(3 * time.Second)}, "Measuring faithfulness 3/9 · 1.0/s · 3.0 s elapsed · about 5 s left"},
		// Before the first unit, what the job expects.
		{Progress{Label: "Measuring ROAD", Total: 200, Start: at(2 * time.Second), Expected: 40 * time.Second}, "Measuring ROAD 0/200 · 2.0 s elapsed · about 40 s left"},
		{Progress{Label: "Measuring faithfulness", Start: at(time.Second), Expected: 3 * time.Minute}, "Measuring faithfulness · 1.0 s elapsed · about 3 min left"},
		// After it, the rate.
		{Progress{Label: "Measuring ROAD", Done: 10, Total: 200, Start: at(10 * time.Second), Expected: 40 * time.Second}, "Measuring ROAD 10/200 · 1.0/s · 10.0 s elapsed · about 3 min left"},
		// Between reports the estimate counts down: 8 of 64 in 8 s, 2 s ago.
		{Progress{Label: "Score-CAM", Done: 8, Total: 64, Start: at(10 * time.Second), At: at(2 * time.Second)}, "Score-CAM 8/64 · 1.0/s · 10.0 s elapsed · about 55 s left"},
	}
	for _, c := range cases {
		if got := ProgressText(c.p, now); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}

// TestProgressKeepsItsStart: a job's later reports keep its start (so
// the elapsed time and the rate are the job's), a new job starts afresh.
func TestProgressKeepsItsStart(t *testing.T) {
	s := NewSession(SessionOptions{})
	defer s.Close()
	lane := s.mapLane
	gen := lane.Submit(func(ctx context.Context, gen uint64) { <-ctx.Done() })
	s.setBusy(lane, gen, Progress{Lane: LaneMap, Label: "Score-CAM", Total: 10})
	first := s.State().Busy[0]
	time.Sleep(5 * time.Millisecond)
	s.setBusy(lane, gen, Progress{Lane: LaneMap, Label: "Score-CAM", Done: 3, Total: 10})
	again := s.State().Busy[0]
	if again.Start != first.Start || again.Job != gen || again.Done != 3 {
		t.Fatalf("the job's second report: %+v, first %+v", again, first)
	}
	next := lane.Submit(func(ctx context.Context, gen uint64) { <-ctx.Done() })
	s.setBusy(lane, next, Progress{Lane: LaneMap, Label: "Score-CAM", Total: 10})
	if p := s.State().Busy[0]; p.Job != next || !p.Start.After(first.Start) {
		t.Fatalf("a new job: %+v", p)
	}
	lane.Cancel()
}

// TestChecksExpectAtStart: ROAD and the faithfulness measurement say how
// long they should take before their first pass is done, from the time of
// the analysing pass.
func TestChecksExpectAtStart(t *testing.T) {
	s, _, hook := hooked(t)
	var mu sync.Mutex
	first := map[LaneName]Progress{}
	hook(func(s *Session) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range s.State().Busy {
			if _, ok := first[p.Lane]; !ok && (p.Lane == LaneROAD || p.Lane == LaneMetrics) {
				first[p.Lane] = p
			}
		}
	})
	if err := errors.Join(s.RunROAD(), s.RunFaithfulness()); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	fwd := s.State().Analysis.ForwardTime()
	mu.Lock()
	defer mu.Unlock()
	road, faith := first[LaneROAD], first[LaneMetrics]
	if fwd <= 0 || road.Done != 0 || road.Total == 0 || road.Expected != time.Duration(road.Total)*fwd {
		t.Errorf("ROAD's first report %+v, forward %v", road, fwd)
	}
	if want := time.Duration(3*metrics.Passes(s.faithConfig().Steps)) * fwd; faith.Done != 0 || faith.Expected != want {
		t.Errorf("faithfulness's first report %+v, want expected %v", faith, want)
	}
	if _, ok := road.Left(road.Start); !ok {
		t.Error("no estimate at ROAD's start")
	}
}
