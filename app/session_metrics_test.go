package app

import (
	"context"
	"encoding/json"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"camviz/analysis"
	"camviz/compose"
	"camviz/export"
	"camviz/imgio"
	"camviz/internal/goldenpng"
	"camviz/internal/testfix"
	"camviz/metrics"
	"camviz/render"

	"go.uber.org/goleak"
)

// faithSteps keeps the measurements cheap: 3 × 7 forward passes of the
// 64×64 fixture.
const faithSteps = 2

// measured is a session on the 64×64 fixture model and chelsea, measuring
// with cfg; onChange, if not nil, runs after every state change (outside
// the session's lock).
func measured(t *testing.T, cfg metrics.Config, onChange func(s *Session)) (*Session, *recorder) {
	t.Helper()
	r := &recorder{}
	var s *Session
	s = NewSession(SessionOptions{
		OnChange: func() {
			r.mu.Lock()
			r.changes++
			r.mu.Unlock()
			if onChange != nil {
				onChange(s)
			}
		},
		OnError:      func(err error) { r.mu.Lock(); r.errs = append(r.errs, err); r.mu.Unlock() },
		Faithfulness: cfg,
	})
	t.Cleanup(s.Close)
	s.LoadModel(smallModel, "")
	s.OpenImage(chelseaPath)
	wait(t, s)
	if st := s.State(); !st.Current() || len(r.errors()) > 0 {
		t.Fatalf("not ready: current %v, errors %v", st.Current(), r.errors())
	}
	return s, r
}

// checkReport fails unless st's report measures st's view, and is the
// one the analysis's cache holds for that map.
func checkReport(t *testing.T, st State) *analysis.FaithfulnessReport {
	t.Helper()
	f := st.Faith
	r := f.Report
	if r == nil || f.Run.Err != "" || f.Run.Running {
		t.Fatalf("faithfulness: report %v err %q measuring %v", r != nil, f.Run.Err, f.Run.Running)
	}
	v := st.View
	if f.Analysis != st.Analysis || r.Method != st.Sel.Method || r.Class != st.Sel.Class || r.Layer != v.Layer {
		t.Fatalf("report for %s/%s/class %d, the selection is %s/%s/class %d", r.Method, r.Layer, r.Class, st.Sel.Method, v.Layer, st.Sel.Class)
	}
	if r.Map == nil || r.Random == nil || r.Center == nil || len(r.Map.Deletion.Probs) != faithSteps+1 {
		t.Fatalf("report %+v", r)
	}
	// Measuring the view's map again is a cache hit on the same reports:
	// the panel's report is this map's, not another's.
	lm, err := st.Analysis.Map(context.Background(), analysis.MapRequest{Method: st.Sel.Method, Class: st.Sel.Class, Layer: st.Sel.Layer})
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.Analysis.Faithfulness(context.Background(), lm, f.Config, func(done, total int) {
		t.Errorf("the map was measured again (%d/%d)", done, total)
	})
	if err != nil {
		t.Fatal(err)
	}
	if again.Map != r.Map || again.Random != r.Random || again.Center != r.Center {
		t.Fatal("the report is not the cached measurement of the map on screen")
	}
	return r
}

// faithCount is how many maps the analysis's cache has measured.
func faithCount(a *analysis.Analysis) int { return a.Measured() }

// TestSessionFaithfulnessExplicit: nothing is measured unasked (not on
// open, not on a class switch); asked, the measurement counts its forward
// passes; its result is kept per map and shown again, without measuring
// again, when the selection returns to that map.
func TestSessionFaithfulnessExplicit(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var mu sync.Mutex
	var progress []TrustCheck
	s, r := measured(t, metrics.Config{Steps: faithSteps}, func(s *Session) {
		if f := s.State().Faith; f.Run.Running {
			mu.Lock()
			progress = append(progress, f.Run)
			mu.Unlock()
		}
	})
	st := s.State()
	rank := st.Analysis.Ranking()
	if err := s.SetClass(rank[1]); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	if st.Faith.Report != nil || st.Faith.Run.Running || !st.Faith.Available || st.Faith.Config.Steps != faithSteps || faithCount(st.Analysis) != 0 {
		t.Fatalf("before asking: %+v, %d measured", st.Faith, faithCount(st.Analysis))
	}

	if err := s.RunFaithfulness(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	rep := checkReport(t, st)
	if rep.Class != rank[1] || !strings.Contains(rep.Verdict(), "random") {
		t.Fatalf("class %d verdict %q", rep.Class, rep.Verdict())
	}
	mu.Lock()
	total := 3 * metrics.Passes(faithSteps)
	sawCount := false
	for _, p := range progress {
		if p.Total != 0 && (p.Total != total || p.Done < 0 || p.Done > p.Total) {
			t.Errorf("progress %d/%d", p.Done, p.Total)
		}
		sawCount = sawCount || (p.Total == total && p.Done > 0)
	}
	mu.Unlock()
	if !sawCount {
		t.Fatalf("no n/%d progress in %d updates", total, len(progress))
	}
	if len(st.Busy) != 0 {
		t.Fatalf("still busy: %v", st.Busy)
	}

	// Another class: nothing shown, nothing started.
	n := faithCount(st.Analysis)
	if err := s.SetClass(rank[0]); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if f := s.State().Faith; f.Report != nil || f.Run.Running || faithCount(st.Analysis) != n {
		t.Fatalf("another class: report %v running %v, %d measured (was %d)", f.Report != nil, f.Run.Running, faithCount(st.Analysis), n)
	}
	// Back: the kept numbers, at once.
	if err := s.SetClass(rank[1]); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if again := checkReport(t, s.State()); again != rep {
		t.Fatal("returning to the measured map did not show its kept result")
	}
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
}

// TestSessionFaithfulnessSurvivesSelection: a class change in the middle
// of a measurement neither cancels nor restarts it (same job, progress
// goes on); its result is kept for the map it measured. Cancel keeps
// nothing; a mode change is another map.
func TestSessionFaithfulnessSurvivesSelection(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var switched atomic.Bool
	var mu sync.Mutex
	var jobs []uint64
	var dones []int
	var second int
	s, r := measured(t, metrics.Config{Steps: faithSteps}, func(s *Session) {
		for _, p := range s.State().Busy {
			if p.Lane == LaneMetrics && p.Total > 0 {
				mu.Lock()
				jobs, dones = append(jobs, p.Job), append(dones, p.Done)
				mu.Unlock()
				if p.Done > 0 && p.Done < p.Total && switched.CompareAndSwap(false, true) {
					if err := s.SetClass(second); err != nil {
						t.Error(err)
					}
				}
			}
		}
	})
	st := s.State()
	rank := st.Analysis.Ranking()
	first := st.Sel.Class
	second = rank[1]
	if first == second {
		second = rank[0]
	}
	if err := s.RunFaithfulness(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	if !switched.Load() || st.Sel.Class != second {
		t.Fatalf("the class change did not happen mid-measurement (class %d)", st.Sel.Class)
	}
	mu.Lock()
	for i := range jobs {
		if jobs[i] != jobs[0] || (i > 0 && dones[i] < dones[i-1]) {
			t.Fatalf("the measurement was restarted: jobs %v done %v", jobs, dones)
		}
	}
	mu.Unlock()
	if f := st.Faith; f.Report != nil || f.Run.Running || f.Run.Other {
		t.Fatalf("the second class shows %+v", f)
	}
	if err := s.SetClass(first); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	if rep := checkReport(t, st); rep.Class != first {
		t.Fatalf("kept report for class %d, want %d", rep.Class, first)
	}

	// Cancel: nothing kept, nothing running.
	if err := s.SetClass(second); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if err := s.RunFaithfulness(); err != nil {
		t.Fatal(err)
	}
	s.CancelFaithfulness()
	wait(t, s)
	if f := s.State().Faith; f.Report != nil || f.Run.Running || f.Run.Err != "" || len(s.State().Busy) != 0 {
		t.Fatalf("after cancel: %+v busy %v", f, s.State().Busy)
	}

	// Another mode is another map: not measured until asked.
	if err := s.SetClass(first); err != nil {
		t.Fatal(err)
	}
	old, other := st.Analysis, imgio.ModeWhole
	if old.Input.Mode == other {
		other = imgio.ModeCrop
	}
	if err := s.SetMode(other); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if f := s.State().Faith; f.Report != nil || f.Run.Running {
		t.Fatal("the other mode shows a report or measures unasked")
	}
	if err := s.SetMode(old.Input.Mode); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if rep := checkReport(t, s.State()); rep.Class != first {
		t.Fatal("the first mode's report is gone")
	}
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
}

// TestSessionFaithfulnessError: a measurement that cannot run says why,
// and exports carry no faithfulness.
func TestSessionFaithfulnessError(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := measured(t, metrics.Config{Steps: 64*64 + 1}, nil)
	if err := s.RunFaithfulness(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	f := s.State().Faith
	if f.Report != nil || !strings.Contains(f.Run.Err, "steps") || f.Run.Running {
		t.Fatalf("faithfulness %+v", f)
	}
	res, _ := exportTo(t, s, filepath.Join(t.TempDir(), "x.png"), true)
	if res.Facts.Faithfulness != nil {
		t.Fatal("an export carries a measurement that failed")
	}
}

func exportTo(t *testing.T, s *Session, path string, caption bool) (export.Saved, image.Image) {
	t.Helper()
	done := make(chan struct{})
	var res export.Saved
	var err error
	s.Export(path, caption, func(r export.Saved, e error) { res, err = r, e; close(done) })
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return res, goldenpng.Read(t, res.PNG)
}

func TestSessionExportFaithfulness(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := measured(t, metrics.Config{Steps: faithSteps}, nil)
	dir := t.TempDir()
	_, without := exportTo(t, s, filepath.Join(dir, "off.png"), true)
	res, _ := exportTo(t, s, filepath.Join(dir, "off-plain.png"), false)
	if res.Facts.Faithfulness != nil || strings.Contains(string(res.Facts.JSON()), "faithfulness") {
		t.Fatal("faithfulness exported before it was measured")
	}

	if err := s.RunFaithfulness(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	rep := checkReport(t, s.State())
	res, _ = exportTo(t, s, filepath.Join(dir, "on-plain.png"), false)
	data, err := os.ReadFile(res.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var side struct {
		Faithfulness map[string]any `json:"faithfulness"`
	}
	if err := json.Unmarshal(data, &side); err != nil {
		t.Fatal(err)
	}
	ff := side.Faithfulness
	if ff == nil {
		t.Fatalf("no faithfulness object in %s", data)
	}
	num := func(m map[string]any, k string) float64 {
		t.Helper()
		v, ok := m[k].(float64)
		if !ok {
			t.Fatalf("%q is %v in %v", k, m[k], m)
		}
		return v
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if ff["method"] != rep.Method || num(ff, "class") != float64(rep.Class) || num(ff, "steps") != faithSteps ||
		!near(num(ff, "deletion_auc"), rep.Map.Deletion.AUC) || !near(num(ff, "insertion_auc"), rep.Map.Insertion.AUC) ||
		!near(num(ff, "average_drop"), rep.Map.AverageDrop) || ff["increase_in_confidence"] != rep.Map.IncreaseInConfidence ||
		ff["verdict"] != rep.Verdict() {
		t.Fatalf("faithfulness %v, report %+v", ff, rep.Map)
	}
	bases, _ := ff["baselines"].(map[string]any)
	for name, want := range map[string]*metrics.Report{"random": rep.Random, "center": rep.Center} {
		b, _ := bases[name].(map[string]any)
		if b == nil || !near(num(b, "deletion_auc"), want.Deletion.AUC) || !near(num(b, "insertion_auc"), want.Insertion.AUC) ||
			!near(num(b, "average_drop"), want.AverageDrop) || b["increase_in_confidence"] != want.IncreaseInConfidence {
			t.Fatalf("baseline %s: %v", name, b)
		}
	}
	if f, err := s.Facts(); err != nil || f.Faithfulness == nil || f.Faithfulness.DeletionAUC != rep.Map.Deletion.AUC {
		t.Fatalf("copied facts: %v", err)
	}

	// The captioned picture has one more caption line, with the numbers.
	res, with := exportTo(t, s, filepath.Join(dir, "on.png"), true)
	if res.Facts.Faithfulness == nil {
		t.Fatal("no faithfulness in the captioned export's facts")
	}
	w := res.Facts.ImageSize[0]
	face, err := render.NewFace(compose.CaptionFontSize(w))
	if err != nil {
		t.Fatal(err)
	}
	m := face.Metrics()
	lh := (m.Ascent + m.Descent).Ceil()
	face.Close()
	wb, ob := with.Bounds(), without.Bounds()
	if wb.Dx() != ob.Dx() || wb.Dy() != ob.Dy()+lh {
		t.Fatalf("captioned export %v with faithfulness, %v without: want one %d-pixel line more", wb, ob, lh)
	}
	// The new line has text: dark pixels on the white band.
	dark := 0
	for y := ob.Dy() - lh/2; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			if r, g, b, _ := with.At(x, y).RGBA(); r+g+b < 3*0x8000 {
				dark++
			}
		}
	}
	if dark < 50 {
		t.Fatalf("the faithfulness caption line is blank (%d dark pixels)", dark)
	}
	size := compose.CaptionFontSize(w)
	line := compose.FaithCaption(rep, testfix.Face(t, size), ob.Dx()-2*max(int(size/2), 1))
	for _, want := range []string{"random", "del", "ins", "%"} {
		if !strings.Contains(line, want) {
			t.Fatalf("caption line %q lacks %q", line, want)
		}
	}
	t.Logf("caption line on a %d-pixel export: %s", ob.Dx(), line)

	// Not for a comparison: its picture is not the map measured.
	s.SetCompare(true)
	wait(t, s)
	if res, _ := exportTo(t, s, filepath.Join(dir, "cmp.png"), false); res.Facts.Faithfulness != nil {
		t.Fatal("a comparison export carries the faithfulness of class A's map")
	}
}
