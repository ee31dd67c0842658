package app

import (
	"encoding/json"
	"image"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/export"
	"camviz/imgio"
	"camviz/internal/goldenpng"

	"go.uber.org/goleak"
)

const (
	tinyModel   = "../testdata/golden/tinyvgg16/model.onnx"
	smallModel  = "../testdata/models/vgg16_op14.onnx"
	chelseaPath = "../testdata/images/chelsea.png"
	coffeePath  = "../testdata/images/coffee.png"
)

type recorder struct {
	mu      sync.Mutex
	errs    []error
	changes int
}

func (r *recorder) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func newTestSession(t *testing.T) (*Session, *recorder) {
	t.Helper()
	r := &recorder{}
	s := NewSession(SessionOptions{
		OnChange: func() { r.mu.Lock(); r.changes++; r.mu.Unlock() },
		OnError:  func(err error) { r.mu.Lock(); r.errs = append(r.errs, err); r.mu.Unlock() },
	})
	t.Cleanup(s.Close)
	return s, r
}

// wait waits for the session's jobs, failing the test after a minute.
func wait(t *testing.T, s *Session) {
	t.Helper()
	done := make(chan struct{})
	go func() { s.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the session's jobs did not finish; state %+v", s.State().Busy)
	}
}

// ready loads the tiny golden model and chelsea and waits for the map.
func ready(t *testing.T) (*Session, *recorder) {
	t.Helper()
	s, r := newTestSession(t)
	s.LoadModel(tinyModel, "")
	s.OpenImage(chelseaPath)
	wait(t, s)
	st := s.State()
	if errs := r.errors(); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if st.Model == nil || st.Analysis == nil || !st.Current() {
		t.Fatalf("not ready: model %v analysis %v view %v status %q", st.Model != nil, st.Analysis != nil, st.View != nil, st.Status)
	}
	return s, r
}

func TestSessionOpenShowsTopClassMap(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	st := s.State()
	if st.Image != "chelsea.png" || st.ImageSize != image.Pt(451, 300) {
		t.Fatalf("image %q %v", st.Image, st.ImageSize)
	}
	if len(st.Top) != 5 || st.Sel.Class != st.Top[0].Class {
		t.Fatalf("top %v, class %d", st.Top, st.Sel.Class)
	}
	v := st.View
	if v.Image.Bounds() != st.Photo.Bounds() {
		t.Fatalf("view %v, photo %v", v.Image.Bounds(), st.Photo.Bounds())
	}
	// The tiny model's default is the ImageNet centre crop (resize to 256,
	// crop 224): the map covers the middle 262×262 of the 451×300 picture.
	if v.Area.Dx() < 261 || v.Area.Dx() > 264 || v.Area.Dy() < 261 || v.Area.Dy() > 264 || v.Area.Min.X < 93 || v.Area.Min.X > 96 {
		t.Fatalf("crop area %v", v.Area)
	}
	if v.Method.Name != "gradcam" || v.Layer != st.Model.Layer {
		t.Fatalf("method %s layer %s", v.Method.Name, v.Layer)
	}
	// Pixels outside the crop are the photo's; inside, the heat map's.
	if v.Image.RGBAAt(2, 150) != goldenpng.RGBA(st.Photo, 2, 150) {
		t.Fatal("the overlay changed pixels outside the crop")
	}
	changed := 0
	for y := v.Area.Min.Y; y < v.Area.Max.Y; y += 7 {
		for x := v.Area.Min.X; x < v.Area.Max.X; x += 7 {
			if v.Image.RGBAAt(x, y) != goldenpng.RGBA(st.Photo, x, y) {
				changed++
			}
		}
	}
	if changed < 1000 {
		t.Fatalf("only %d sampled pixels of the crop are coloured", changed)
	}
	if val, ok := v.ValueAt(v.Area.Min.X+10, v.Area.Min.Y+10); !ok || val < 0 || val > 1 {
		t.Fatalf("ValueAt = %v, %v", val, ok)
	}
	if _, ok := v.ValueAt(1, 1); ok {
		t.Fatal("ValueAt outside the crop reported a value")
	}
}

// TestSessionStormLastWins hammers the selection while maps are being
// computed: every committed view must be the one the selection asked for
// at that moment, and the last request's view must end up on screen.
func TestSessionStormLastWins(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := ready(t)
	var mu sync.Mutex
	commits, stale := 0, 0
	s.mu.Lock()
	s.onCommit = func(v *compose.View, sel compose.Selection) {
		mu.Lock()
		defer mu.Unlock()
		commits++
		if !sameMap(v.Sel, sel) || v.Analysis != s.analysis {
			stale++
		}
	}
	s.mu.Unlock()
	layers := s.State().Model.Net.Layers()
	methods := []string{"gradcam", "hirescam", "layercam", "xgradcam", "gradcam++", "eigencam", "fem"}
	rng := rand.New(rand.NewSource(1))
	var last compose.Selection
	const requests = 150
	for i := 0; i < requests; i++ {
		switch rng.Intn(5) {
		case 0:
			if err := s.SetMethod(methods[rng.Intn(len(methods))]); err != nil {
				t.Fatal(err)
			}
		case 1:
			if err := s.SetLayer(layers[rng.Intn(len(layers))].Name); err != nil {
				t.Fatal(err)
			}
		case 2:
			if err := s.SetAlpha(rng.Float64()); err != nil {
				t.Fatal(err)
			}
		case 3:
			if err := s.SetNorm([]cam.Mode{cam.MinMax, cam.Shared, cam.Raw}[rng.Intn(3)]); err != nil {
				t.Fatal(err)
			}
		default:
			if err := s.SetClass(rng.Intn(10)); err != nil {
				t.Fatal(err)
			}
		}
		// Mostly bursts, sometimes long enough for a map to finish.
		if rng.Intn(3) == 0 {
			time.Sleep(time.Duration(rng.Intn(60)) * time.Millisecond)
		}
		last = s.State().Sel
	}
	wait(t, s)
	st := s.State()
	if !st.Current() || st.View.Sel != last {
		t.Fatalf("after the storm the view shows %+v, the last request was %+v", st.View.Sel, last)
	}
	mu.Lock()
	defer mu.Unlock()
	if stale > 0 {
		t.Fatalf("%d of %d committed views were stale", stale, commits)
	}
	if commits == 0 || commits > requests/2 {
		t.Fatalf("%d views committed for %d requests: superseded jobs are not being dropped", commits, requests)
	}
	if errs := r.errors(); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	t.Logf("%d views committed for %d requests", commits, requests)
}

func TestSessionBadModelKeepsState(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := ready(t)
	before := s.State()
	bad := filepath.Join(t.TempDir(), "broken.onnx")
	if err := os.WriteFile(bad, []byte("this is not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, "../testdata/models/bad_unsupported_op.onnx", filepath.Join(t.TempDir(), "missing.onnx")} {
		s.LoadModel(path, "")
		wait(t, s)
	}
	errs := r.errors()
	if len(errs) != 3 {
		t.Fatalf("want 3 errors, got %v", errs)
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
			t.Errorf("not a plain message: %q", err)
		}
	}
	after := s.State()
	if after.Model != before.Model || after.Analysis != before.Analysis || after.View != before.View || after.ModelLoading != "" {
		t.Fatal("a bad model changed the state")
	}
}

func TestSessionBadImageKeepsState(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := ready(t)
	before := s.State()
	bad := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(bad, []byte("just text, not a PNG\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.OpenImage(bad)
	wait(t, s)
	errs := r.errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "photo.png") {
		t.Fatalf("errors %v", errs)
	}
	after := s.State()
	if after.Image != before.Image || after.Analysis != before.Analysis || after.View != before.View || after.Photo != before.Photo {
		t.Fatal("a bad image changed the state")
	}
	if len(after.Busy) != 0 {
		t.Fatalf("still busy: %v", after.Busy)
	}
}

func TestSessionImageBeforeModel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := newTestSession(t)
	s.OpenImage(chelseaPath)
	wait(t, s)
	st := s.State()
	if st.Photo == nil || st.Analysis != nil || !strings.Contains(st.Status, "No model") {
		t.Fatalf("photo %v analysis %v status %q", st.Photo != nil, st.Analysis != nil, st.Status)
	}
	s.LoadModel(tinyModel, "")
	wait(t, s)
	st = s.State()
	if !st.Current() || st.View.Analysis.Model != st.Model {
		t.Fatal("loading a model did not analyse the open picture")
	}
	if len(r.errors()) > 0 {
		t.Fatal(r.errors())
	}
}

func TestSessionModelSwitchReanalyses(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	if err := s.SetLayer(s.State().Model.Net.Layers()[3].Name); err != nil {
		t.Fatal(err)
	}
	s.LoadModel(smallModel, "")
	wait(t, s)
	st := s.State()
	if st.Model.Name != "vgg16_op14.onnx" || !st.Current() || st.View.Analysis.Model != st.Model {
		t.Fatalf("model %s, current %v", st.Model.Name, st.Current())
	}
	if st.Sel.Layer != "" || st.View.Layer != st.Model.Layer {
		t.Fatalf("the layer was not reset for the new model: %q / %q", st.Sel.Layer, st.View.Layer)
	}
	if _, _, w := st.Model.Net.InputSize(); w != 64 {
		t.Fatalf("input %d", w)
	}
	// A model and an image requested together, in either order, end with
	// both.
	s.OpenImage(coffeePath)
	s.LoadModel(tinyModel, "")
	wait(t, s)
	st = s.State()
	if st.Image != "coffee.png" || st.Model.Path != tinyModel || !st.Current() || st.View.Analysis.Input.Name != "coffee.png" {
		t.Fatalf("image %s model %s current %v", st.Image, st.Model.Path, st.Current())
	}
}

func TestSessionModeSwitch(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	crop := s.State().Analysis
	if err := s.SetMode(imgio.ModeWhole); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st := s.State()
	if st.Analysis.Input.Mode != imgio.ModeWhole || st.View.Area != st.Photo.Bounds() || !st.Current() {
		t.Fatalf("whole: mode %s area %v", st.Analysis.Input.Mode, st.View.Area)
	}
	if err := s.SetMode(imgio.ModeCrop); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if st = s.State(); st.Analysis != crop {
		t.Fatal("switching back did not reuse the crop analysis")
	}
	if err := s.SetMode("stretch"); err == nil {
		t.Fatal("bad mode accepted")
	}
}

func TestSessionMethodsAndLayers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	if err := s.SetMethod("cam"); err == nil || !strings.Contains(err.Error(), "does not apply") {
		t.Fatalf("a method that does not apply was accepted: %v", err)
	}
	if err := s.SetMethod("nosuch"); err == nil {
		t.Fatal("unknown method accepted")
	}
	first := s.State().View
	if err := s.SetMethod("eigencam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	v := s.State().View
	if v.Method.Name != "eigencam" || v == first || slices.Equal(v.Field.Data, first.Field.Data) {
		t.Fatal("the method switch did not change the map")
	}
	if err := s.SetLayer("nosuch"); err == nil {
		t.Fatal("unknown layer accepted")
	}
	l22 := "/features/features.22/Relu_output_0"
	if err := s.SetLayer(l22); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if v := s.State().View; v.Layer != l22 {
		t.Fatalf("layer %s", v.Layer)
	}
	// fcconv reads a fixed layer whatever the selection says.
	if err := s.SetMethod(analysis.FCConv); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if v := s.State().View; v.Layer != "fc head" || !v.Method.FixedLayer {
		t.Fatalf("fcconv at %q", v.Layer)
	}
}

func TestSessionStepClassWalksRanking(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	rank := s.State().Analysis.Ranking()
	for i := 1; i < 4; i++ {
		if err := s.StepClass(+1); err != nil {
			t.Fatal(err)
		}
		if k := s.State().Sel.Class; k != rank[i] {
			t.Fatalf("step %d: class %d, want %d", i, k, rank[i])
		}
	}
	_ = s.StepClass(-10)
	if k := s.State().Sel.Class; k != rank[0] {
		t.Fatalf("stepping back past the top: %d", k)
	}
	if err := s.SetClass(10); err == nil {
		t.Fatal("class out of range accepted")
	}
	wait(t, s)
}

func TestSessionCompareBlendAndContrast(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	rank := s.State().Analysis.Ranking()
	s.SetCompare(true)
	if err := s.SetCompareClasses(rank[0], rank[1]); err != nil {
		t.Fatal(err)
	}
	blendAt := func(t0 float64) *compose.View {
		if err := s.SetBlend(t0); err != nil {
			t.Fatal(err)
		}
		wait(t, s)
		st := s.State()
		if !st.Current() {
			t.Fatal("not current")
		}
		return st.View
	}
	v0 := blendAt(0)
	if v0.Scale <= 0 || !slices.Equal(v0.Field.Data, v0.A.Data) {
		t.Fatal("blend 0 is not class A's map")
	}
	v1 := blendAt(1)
	if !slices.Equal(v1.Field.Data, v1.B.Data) || slices.Equal(v1.A.Data, v1.B.Data) {
		t.Fatal("blend 1 is not class B's map")
	}
	// Both on one scale: the larger map reaches 1 and no value exceeds it.
	maxA, maxB := maxOf(v1.A.Data), maxOf(v1.B.Data)
	if math.Abs(float64(max(maxA, maxB))-1) > 0.02 || maxA > 1.0001 || maxB > 1.0001 {
		t.Fatalf("shared scale: max A %v, max B %v", maxA, maxB)
	}
	vh := blendAt(0.5)
	i := len(vh.Field.Data) / 2
	if d := vh.Field.Data[i] - (vh.A.Data[i]+vh.B.Data[i])/2; math.Abs(float64(d)) > 1e-5 {
		t.Fatalf("half blend off by %v", d)
	}
	s.SetContrast(true)
	wait(t, s)
	v := s.State().View
	if v.Colormap != "coolwarm" || v.Range.Lo >= 0 || v.Range.Lo != -v.Range.Hi {
		t.Fatalf("contrast drawn with %s over %v", v.Colormap, v.Range)
	}
	a, b, ok := v.PairAt(v.Area.Min.X+5, v.Area.Min.Y+5)
	c, _ := v.ValueAt(v.Area.Min.X+5, v.Area.Min.Y+5)
	if !ok || math.Abs(float64(c-(a-b))) > 1e-6 {
		t.Fatalf("contrast %v, A %v, B %v", c, a, b)
	}
	// Picking a class while comparing picks A.
	if err := s.SetClass(rank[2]); err != nil {
		t.Fatal(err)
	}
	if sel := s.State().Sel; sel.Compare.A != rank[2] {
		t.Fatalf("A = %d", sel.Compare.A)
	}
	wait(t, s)
}

func maxOf(d []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range d {
		m = max(m, v)
	}
	return m
}

// TestSessionSlowMethodProgressAndCancel runs Score-CAM: it reports
// progress and a partial picture before the final one; cancelling it or
// switching away leaves no Score-CAM picture behind.
func TestSessionSlowMethodProgressAndCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := ready(t)
	var mu sync.Mutex
	var seen []*compose.View
	s.mu.Lock()
	s.onCommit = func(v *compose.View, sel compose.Selection) { mu.Lock(); seen = append(seen, v); mu.Unlock() }
	s.mu.Unlock()

	if err := s.SetMethod("scorecam"); err != nil {
		t.Fatal(err)
	}
	// The progress entry appears when the job starts: cancel as soon as it
	// does (a fixed sleep let a fast run finish first).
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if b := s.State().Busy; len(b) > 0 && b[0].Lane == "map" {
			break
		}
	}
	s.CancelMap()
	wait(t, s)
	st := s.State()
	if st.View.Method.Name != "gradcam" || len(st.Busy) != 0 {
		t.Fatalf("after cancel: view %s busy %v", st.View.Method.Name, st.Busy)
	}

	// Run it to the end: progress, a partial picture, then the final one.
	if err := s.SetMethod("gradcam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	var progress []Progress
	var pmu sync.Mutex
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			for _, p := range s.State().Busy {
				if p.Lane == "map" && p.Total > 0 {
					pmu.Lock()
					progress = append(progress, p)
					pmu.Unlock()
				}
			}
		}
	}()
	mu.Lock()
	seen = nil
	mu.Unlock()
	if err := s.SetMethod("scorecam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	close(stop)
	watch.Wait()
	st = s.State()
	if !st.Current() || st.View.Method.Name != "scorecam" || st.View.Partial {
		t.Fatal("Score-CAM did not finish")
	}
	mu.Lock()
	partials := 0
	for _, v := range seen {
		if v.Partial {
			partials++
			if v.Done >= v.Total {
				t.Errorf("partial view at %d/%d", v.Done, v.Total)
			}
		}
	}
	mu.Unlock()
	if partials == 0 {
		t.Fatal("no partial picture was shown while Score-CAM ran")
	}
	pmu.Lock()
	if len(progress) == 0 || !progress[0].Cancellable {
		t.Fatalf("progress %v", progress)
	}
	pmu.Unlock()

	// Superseding a slow map with a fast one: the fast one wins.
	if err := s.SetLayer("/features/features.22/Relu_output_0"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.SetMethod("hirescam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if st := s.State(); !st.Current() || st.View.Method.Name != "hirescam" {
		t.Fatal("the fast method did not supersede the slow one")
	}
	if len(r.errors()) > 0 {
		t.Fatal(r.errors())
	}
}

func TestSessionExport(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	dir := t.TempDir()
	save := func(name string, caption bool) (export.Saved, image.Image) {
		return exportTo(t, s, filepath.Join(dir, name), caption)
	}
	res, img := save("plain", false)
	if img.Bounds().Dx() != 451 || img.Bounds().Dy() != 300 || !strings.HasSuffix(res.PNG, "plain.png") {
		t.Fatalf("plain export %v at %s", img.Bounds(), res.PNG)
	}
	var facts compose.Facts
	data, err := os.ReadFile(res.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &facts); err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if facts.Class != st.Sel.Class || facts.Method != "gradcam" || facts.Layer != st.Model.Layer ||
		facts.ImageSize != [2]int{451, 300} || facts.OutputSize != [2]int{451, 300} || len(facts.Top) != 5 || facts.Resize != "crop" {
		t.Fatalf("facts %+v", facts)
	}
	_, capd := save("captioned.png", true)
	if b := capd.Bounds(); b.Dx() <= 451 || b.Dy() <= 300 {
		t.Fatalf("captioned export %v", b)
	}
	// The captioned picture starts with the plain one.
	for _, p := range []image.Point{{10, 10}, {225, 150}, {440, 290}} {
		if goldenpng.RGBA(capd, p.X, p.Y) != goldenpng.RGBA(img, p.X, p.Y) {
			t.Fatalf("captioned export differs at %v", p)
		}
	}
	// A comparison exports too.
	s.SetCompare(true)
	s.SetContrast(true)
	wait(t, s)
	res, cmp := save("contrast.png", true)
	if cmp.Bounds().Dx() <= 451 || res.Facts.Compare == nil || res.Facts.Compare.Shows != "contrast A-B" {
		t.Fatalf("contrast export %v %+v", cmp.Bounds(), res.Facts.Compare)
	}
	f, err := s.Facts()
	if err != nil || f.Compare == nil {
		t.Fatalf("facts: %v", err)
	}
}

func TestSessionGrid(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := ready(t)
	s.SetGrid(&compose.GridRequest{Kind: compose.GridMethods})
	wait(t, s)
	g := s.State().Grid
	if g == nil || !g.Done {
		t.Fatal("no grid")
	}
	fast := 0
	for _, m := range s.State().Model.Methods() {
		if m.Applies && !m.Slow {
			fast++
		}
	}
	if len(g.Cells) != fast {
		t.Fatalf("%d cells, want %d", len(g.Cells), fast)
	}
	for _, c := range g.Cells {
		if c.Image == nil || c.Err != "" || max(c.Image.Bounds().Dx(), c.Image.Bounds().Dy()) > GridSide {
			t.Fatalf("cell %s: %v %q", c.Method.Name, c.Image != nil, c.Err)
		}
	}
	// A class change recomputes a method grid.
	k := s.State().Analysis.Ranking()[1]
	if err := s.SetClass(k); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if g := s.State().Grid; g.Sel.Class != k || g.Cells[0].Class != k {
		t.Fatal("the grid did not follow the class")
	}
	s.SetGrid(&compose.GridRequest{Kind: compose.GridClasses})
	wait(t, s)
	g = s.State().Grid
	if len(g.Cells) != 5 || g.Scale <= 0 || g.Norm != cam.Shared {
		t.Fatalf("class grid: %d cells, scale %v", len(g.Cells), g.Scale)
	}
	done := make(chan error, 1)
	var res export.Saved
	s.ExportGrid(filepath.Join(t.TempDir(), "grid.png"), func(r export.Saved, err error) { res = r; done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res.Size[0] < 2*451 || len(res.Facts.Grid) != 5 {
		t.Fatalf("grid export %v, %d cells", res.Size, len(res.Facts.Grid))
	}
	s.SetGrid(nil)
	wait(t, s)
	if s.State().Grid != nil {
		t.Fatal("grid not hidden")
	}
	if len(r.errors()) > 0 {
		t.Fatal(r.errors())
	}
}

func TestSearchLabels(t *testing.T) {
	m, err := analysis.LoadModel(tinyModel, "")
	if err != nil {
		t.Fatal(err)
	}
	m.Labels = []string{"tabby cat", "tiger cat", "Egyptian cat", "dog", "tiger", "cab", "7 up", "x", "y", "z"}
	cases := map[string][]int{
		"cat":       {0, 1, 2},
		"TIGER":     {1, 4},
		"tiger cat": {1},
		"3":         {3},
		"7":         {7, 6},
		"":          {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		"nothing":   nil,
	}
	for q, want := range cases {
		got := analysis.SearchLabels(m, q)
		if len(got) != len(want) {
			t.Errorf("%q: %v, want %v", q, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q: %v, want %v", q, got, want)
				break
			}
		}
	}
}

// TestSessionThousandRandomEvents: 1000 random user events against the
// real pipeline — drops of good and broken pictures, class, method, layer,
// mode, scale, opacity, colour map, comparison and blend — in bursts.
// Afterwards the view shows exactly the last selection on the last good
// picture, the broken drops changed nothing but the error list, and no
// goroutine is left (under -race in CI).
func TestSessionThousandRandomEvents(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, r := ready(t)
	bad := filepath.Join(t.TempDir(), "broken.png")
	if err := os.WriteFile(bad, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	layers := s.State().Model.Net.Layers()
	methods := []string{"gradcam", "hirescam", "layercam", "gradcam++", "eigencam", "fem", "xgradcam"}
	rng := rand.New(rand.NewSource(7))
	badDrops := 0
	for i := 0; i < 1000; i++ {
		var err error
		switch rng.Intn(12) {
		case 0:
			if rng.Intn(3) == 0 {
				s.OpenImage(bad)
				badDrops++
			} else {
				s.OpenImage([]string{chelseaPath, coffeePath}[rng.Intn(2)])
			}
		case 1:
			err = s.SetMethod(methods[rng.Intn(len(methods))])
		case 2:
			err = s.SetLayer(layers[rng.Intn(len(layers))].Name)
		case 3:
			err = s.SetMode([]string{imgio.ModeCrop, imgio.ModeWhole}[rng.Intn(2)])
		case 4:
			err = s.SetNorm([]cam.Mode{cam.MinMax, cam.Shared, cam.Raw}[rng.Intn(3)])
		case 5:
			err = s.SetAlpha(rng.Float64())
		case 6:
			err = s.SetColormap([]string{"jet", "turbo", "viridis", "inferno"}[rng.Intn(4)])
		case 7:
			s.SetCompare(rng.Intn(2) == 0)
		case 8:
			err = s.SetBlend(rng.Float64())
		case 9:
			err = s.StepClass([]int{-1, 1}[rng.Intn(2)])
		default:
			err = s.SetClass(rng.Intn(10))
		}
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if rng.Intn(20) == 0 {
			time.Sleep(time.Duration(rng.Intn(40)) * time.Millisecond)
		}
	}
	wait(t, s)
	st := s.State()
	if !st.Current() {
		t.Fatalf("after 1000 events the view is not current: status %q", st.Status)
	}
	if badDrops > 0 && len(r.errors()) == 0 {
		t.Fatalf("%d broken drops reported no error", badDrops)
	}
	// A drop supersedes a load still running, so which picture the storm
	// ends on depends on timing; one more drop then a broken one must
	// end on that picture with the storm's last selection.
	sel := st.Sel
	s.OpenImage(coffeePath)
	wait(t, s)
	s.OpenImage(bad)
	wait(t, s)
	st = s.State()
	if st.Analysis == nil || st.Analysis.Input.Name != "coffee.png" || !st.Current() {
		t.Fatalf("after a good and a broken drop the view is not coffee.png: %+v", st.Status)
	}
	if st.View.Sel.Method != sel.Method || st.View.Sel.Layer != sel.Layer || st.View.Sel.Norm != sel.Norm {
		t.Fatalf("the storm's selection %+v was lost: view shows %+v", sel, st.View.Sel)
	}
}
