package app

import (
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"camviz/cam"
	"camviz/imgio"
	"camviz/metrics"
	"camviz/render"

	"go.uber.org/goleak"
	"golang.org/x/image/font"
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
func checkReport(t *testing.T, st State) *FaithfulnessReport {
	t.Helper()
	f := st.Faith
	r := f.Report
	if !f.On || r == nil || f.Err != "" || f.Measuring {
		t.Fatalf("faithfulness: on %v report %v err %q measuring %v", f.On, r != nil, f.Err, f.Measuring)
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
	lm, err := st.Analysis.Map(context.Background(), MapRequest{Method: st.Sel.Method, Class: st.Sel.Class, Layer: st.Sel.Layer})
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

func TestSessionFaithfulnessToggle(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var mu sync.Mutex
	var progress []FaithState
	s, r := measured(t, metrics.Config{Steps: faithSteps}, func(s *Session) {
		if f := s.State().Faith; f.Measuring {
			mu.Lock()
			progress = append(progress, f)
			mu.Unlock()
		}
	})
	st := s.State()
	if st.Faith.On || st.Faith.Report != nil || st.Faith.Config.Steps != faithSteps {
		t.Fatalf("before the toggle: %+v", st.Faith)
	}
	st.Analysis.faith.mu.Lock()
	n := len(st.Analysis.faith.reports)
	st.Analysis.faith.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d measurements before measuring was turned on", n)
	}

	s.SetMeasure(true)
	wait(t, s)
	st = s.State()
	rep := checkReport(t, st)
	if !strings.Contains(rep.Verdict(), "random") {
		t.Fatalf("verdict %q", rep.Verdict())
	}
	// Progress counted the forward passes up to all three maps'.
	mu.Lock()
	total := 3 * metrics.Passes(faithSteps)
	sawCount := false
	for _, p := range progress {
		if p.Total != 0 && (p.Total != total || p.Done <= 0 || p.Done > p.Total) {
			t.Errorf("progress %d/%d", p.Done, p.Total)
		}
		sawCount = sawCount || p.Total == total
	}
	mu.Unlock()
	if !sawCount {
		t.Fatalf("no n/%d progress in %d updates", total, len(progress))
	}
	if len(st.Busy) != 0 {
		t.Fatalf("still busy: %v", st.Busy)
	}

	// Off hides the numbers; on again shows the cached ones at once.
	s.SetMeasure(false)
	if f := s.State().Faith; f.On || f.Report != nil {
		t.Fatalf("off: %+v", f)
	}
	s.SetMeasure(true)
	wait(t, s)
	if again := checkReport(t, s.State()); again.Map != rep.Map {
		t.Fatal("turning measuring on again measured anew")
	}
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
}

// TestSessionFaithfulnessFollowsSelection: a class change in the middle of
// a measurement cancels it, every measurement committed is for the
// selection of its moment, after the map it measures, and the last one
// is for the last selection, through class, method, layer and mode
// changes.
func TestSessionFaithfulnessFollowsSelection(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var switched atomic.Bool
	var first, second int
	s, r := measured(t, metrics.Config{Steps: faithSteps}, func(s *Session) {
		// Midway through the first measurement, pick another class.
		if f := s.State().Faith; f.Measuring && f.Done > 0 && f.Done < f.Total && switched.CompareAndSwap(false, true) {
			if err := s.SetClass(second); err != nil {
				t.Error(err)
			}
			// The first class's numbers are gone at once.
			if f := s.State().Faith; f.Report != nil || f.Measuring {
				t.Errorf("after the class change: report %v, measuring %v", f.Report != nil, f.Measuring)
			}
		}
	})
	rank := s.State().Analysis.Ranking()
	first, second = rank[0], rank[1]
	var mu sync.Mutex
	var commits []*faithResult
	bad := 0
	s.mu.Lock()
	s.onFaith = func(f *faithResult, sel Selection) {
		mu.Lock()
		defer mu.Unlock()
		commits = append(commits, f)
		v := s.view
		if f.target.a != s.analysis || f.target.class != sel.Class || f.target.method != sel.Method ||
			v == nil || v.Partial || v.Analysis != f.target.a || v.Layer != f.target.layer || v.Sel.Class != sel.Class {
			bad++
		}
	}
	s.mu.Unlock()

	s.SetMeasure(true)
	wait(t, s)
	st := s.State()
	if st.Sel.Class != second {
		t.Fatalf("the class change did not happen (class %d)", st.Sel.Class)
	}
	checkReport(t, st)
	// The first class's measurement was cut short: its baselines were
	// never measured.
	lm, err := st.Analysis.Map(context.Background(), MapRequest{Method: st.Sel.Method, Class: first})
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	if _, err := st.Analysis.Faithfulness(context.Background(), lm, st.Faith.Config, func(done, total int) { left = total }); err != nil {
		t.Fatal(err)
	}
	if left == 0 {
		t.Fatal("the superseded measurement ran to the end")
	}
	mu.Lock()
	for _, f := range commits {
		if f.target.class == first {
			t.Fatal("the superseded class's measurement was committed")
		}
	}
	mu.Unlock()

	// The report goes as soon as the selection moves to another map.
	if err := s.SetClass(rank[2]); err != nil {
		t.Fatal(err)
	}
	if f := s.State().Faith; f.Report != nil && f.Report.Class != rank[2] {
		t.Fatal("the previous class's report is still shown")
	}
	// A burst of changes: only the last selection's report remains.
	layers := st.Model.Net.Layers()
	for i, k := range []int{rank[3], rank[4], rank[2]} {
		if err := s.SetClass(k); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := s.SetMethod("layercam"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.SetLayer(layers[len(layers)-3].Name); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	if rep := checkReport(t, st); rep.Method != "layercam" || rep.Class != rank[2] || rep.Layer != layers[len(layers)-3].Name {
		t.Fatalf("after the burst: %s/%s/class %d", rep.Method, rep.Layer, rep.Class)
	}

	// A mode change measures the new analysis.
	old, other := st.Analysis, imgio.ModeWhole
	if old.Input.Mode == other {
		other = imgio.ModeCrop
	}
	if err := s.SetMode(other); err != nil {
		t.Fatal(err)
	}
	if f := s.State().Faith; f.Report != nil {
		t.Fatal("the other mode's report is still shown")
	}
	wait(t, s)
	st = s.State()
	if checkReport(t, st); st.Faith.Analysis == old || st.Faith.Analysis.Input.Mode != other {
		t.Fatalf("mode %s", st.Faith.Analysis.Input.Mode)
	}
	mu.Lock()
	if bad > 0 || len(commits) < 3 {
		t.Fatalf("%d of %d committed measurements were not for the map on screen", bad, len(commits))
	}
	mu.Unlock()
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
}

// TestSessionFaithfulnessError: a measurement that cannot run says why,
// and exports carry no faithfulness.
func TestSessionFaithfulnessError(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := measured(t, metrics.Config{Steps: 64*64 + 1}, nil)
	s.SetMeasure(true)
	wait(t, s)
	f := s.State().Faith
	if f.Report != nil || !strings.Contains(f.Err, "steps") || f.Measuring {
		t.Fatalf("faithfulness %+v", f)
	}
	res, _ := exportTo(t, s, filepath.Join(t.TempDir(), "x.png"), true)
	if res.Facts.Faithfulness != nil {
		t.Fatal("an export carries a measurement that failed")
	}
}

func exportTo(t *testing.T, s *Session, path string, caption bool) (ExportResult, image.Image) {
	t.Helper()
	done := make(chan struct{})
	var res ExportResult
	var err error
	s.Export(path, caption, func(r ExportResult, e error) { res, err = r, e; close(done) })
	<-done
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(res.PNG)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return res, img
}

func TestSessionExportFaithfulness(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := measured(t, metrics.Config{Steps: faithSteps}, nil)
	dir := t.TempDir()
	_, without := exportTo(t, s, filepath.Join(dir, "off.png"), true)
	res, _ := exportTo(t, s, filepath.Join(dir, "off-plain.png"), false)
	if res.Facts.Faithfulness != nil || strings.Contains(string(res.Facts.JSON()), "faithfulness") {
		t.Fatal("faithfulness exported while measuring is off")
	}

	s.SetMeasure(true)
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
	face, err := render.NewFace(captionFontSize(w))
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
	size := captionFontSize(w)
	line := faithCaption(rep, mustFace(t, size), ob.Dx()-2*max(int(size/2), 1))
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

func mustFace(t *testing.T, size float64) font.Face {
	t.Helper()
	f, err := render.NewFace(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFaithVerdictAndCaption(t *testing.T) {
	rep := func(del, ins float64) *metrics.Report {
		return &metrics.Report{Deletion: metrics.Curve{AUC: del}, Insertion: metrics.Curve{AUC: ins}, AverageDrop: 12.5}
	}
	base := rep(0.3, 0.4)
	cases := []struct {
		del, ins float64
		want     string
	}{
		{0.1, 0.6, "beats random on both curves; beats the centre blob on both curves"},
		{0.1, 0.2, "beats random on deletion, not on insertion; beats the centre blob on deletion only"},
		{0.5, 0.6, "beats random on insertion, not on deletion; beats the centre blob on insertion only"},
		{0.3, 0.4, "no better than random on either curve; no better than the centre blob"},
	}
	for _, c := range cases {
		r := &FaithfulnessReport{Map: rep(c.del, c.ins), Random: base, Center: base}
		if got := r.Verdict(); got != c.want {
			t.Errorf("del %v ins %v: %q, want %q", c.del, c.ins, got, c.want)
		}
	}
	r := &FaithfulnessReport{Map: rep(0.1, 0.6), Random: base, Center: base, Flags: cam.NonPositive}
	if !strings.HasPrefix(r.Verdict(), "the map is empty") {
		t.Errorf("empty map: %q", r.Verdict())
	}
	// The caption line: the longest form that fits, else the shortest.
	lines := faithCaptionLines(r)
	f := mustFace(t, 12)
	if got := faithCaption(r, f, 1e6); got != lines[0] || !strings.Contains(got, "0.100 (0.300)") || !strings.Contains(got, "12.5% (12.5%)") {
		t.Errorf("wide: %q", got)
	}
	if got := faithCaption(r, f, 10); got != lines[len(lines)-1] {
		t.Errorf("narrow: %q", got)
	}
	for i, l := range lines {
		w := font.MeasureString(f, l).Ceil()
		t.Logf("%d px at 12 px: %s", w, l)
		if i > 0 && w >= font.MeasureString(f, lines[i-1]).Ceil() {
			t.Errorf("caption form %d is not shorter than %d", i, i-1)
		}
	}
}
