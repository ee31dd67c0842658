package ui

import (
	"camviz/analysis"
	"camviz/export"
	"camviz/internal/goldenpng"
	"image"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/imgio"
)

const (
	tinyModel = "../testdata/golden/tinyvgg16/model.onnx"
	chelsea   = "../testdata/images/chelsea.png"
)

// queue stands in for fyne.Do: the session's jobs post here and the test
// goroutine runs the functions, so widgets are only touched by one
// goroutine (the test driver's fyne.Do would run them on the caller's).
type queue struct {
	mu  sync.Mutex
	fns []func()
}

func (q *queue) post(f func()) {
	q.mu.Lock()
	q.fns = append(q.fns, f)
	q.mu.Unlock()
}

func (q *queue) drain() {
	for {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, f := range fns {
			f()
		}
	}
}

type harness struct {
	t testing.TB
	u *UI
	q *queue
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	q := &queue{}
	u := New(a, opts, q.post)
	u.win.Resize(fyne.NewSize(1280, 800))
	t.Cleanup(func() {
		u.Close()
		q.drain()
	})
	return &harness{t: t, u: u, q: q}
}

// until runs posted UI work until cond holds.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		h.q.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			st := h.u.s.State()
			h.t.Fatalf("timed out waiting for %s (status %q, busy %v, last error %v)", what, st.Status, st.Busy, h.u.lastError())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settled waits until the session is idle and the window shows its state.
func (h *harness) settled() {
	h.t.Helper()
	h.until("the session to settle", func() bool { return h.u.s.Idle() })
	h.q.drain()
	h.u.refresh()
}

func (h *harness) current() bool {
	st := h.u.s.State()
	return st.Current() && h.u.st.View == st.View
}

func fileURI(t testing.TB, path string) fyne.URI {
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return storage.NewFileURI(abs)
}

func shownImage(u *UI) *image.RGBA {
	img, _ := u.w.view.Image().(*image.RGBA)
	return img
}

// diffIn counts pixels of a and b that differ inside r and outside it.
func diffIn(a, b *image.RGBA, r image.Rectangle) (in, out int) {
	bb := a.Bounds()
	for y := bb.Min.Y; y < bb.Max.Y; y++ {
		for x := bb.Min.X; x < bb.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				if image.Pt(x, y).In(r) {
					in++
				} else {
					out++
				}
			}
		}
	}
	return
}

// TestDropPickClassSwitchMethod drives the real pipeline: drop a photo,
// see the top-5, pick another class and method from the controls, and
// watch the overlay change where the model looked and nowhere else.
func TestDropPickClassSwitchMethod(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel})
	u := h.u
	h.until("the model", func() bool { return u.st.Model != nil })
	if !u.w.empty.Visible() || u.w.viewBox.Visible() {
		t.Fatal("an empty window does not show the empty state")
	}
	if !strings.Contains(u.w.model.Text, "model.onnx") || !strings.Contains(u.w.model.Text, "10 classes") {
		t.Fatalf("model label %q", u.w.model.Text)
	}

	u.dropped(fyne.NewPos(10, 10), []fyne.URI{fileURI(t, chelsea)})
	h.until("the first overlay", h.current)
	if u.w.empty.Visible() || !u.w.viewBox.Visible() {
		t.Fatal("the empty state is still shown")
	}
	if n := u.w.topList.Length(); n != 5 {
		t.Fatalf("top list has %d rows", n)
	}
	markup := test.RenderToMarkup(u.win.Canvas())
	st := u.s.State()
	for _, p := range st.Top[:3] {
		if !strings.Contains(markup, p.Label) {
			t.Fatalf("the window does not show top class %q", p.Label)
		}
	}
	if !strings.Contains(u.w.viewTitle.Text, "Grad-CAM") || !strings.Contains(u.w.imageTitle.Text, "451×300") {
		t.Fatalf("titles %q / %q", u.w.imageTitle.Text, u.w.viewTitle.Text)
	}
	if !u.w.bar.Visible() || u.w.bar.Image == nil {
		t.Fatal("no colour bar")
	}
	first := shownImage(u)
	if first == nil || first.Bounds() != st.Photo.Bounds() {
		t.Fatal("the overlay is not shown at the picture's aspect")
	}
	area := st.View.Area

	// Pick the second class from the prediction list.
	second := st.Top[1].Class
	u.w.topList.Select(1)
	h.until("the second class's map", func() bool { return h.current() && u.s.State().View.Sel.Class == second })
	img := shownImage(u)
	in, out := diffIn(first, img, area)
	if out != 0 || in < area.Dx()*area.Dy()/20 {
		t.Fatalf("class switch changed %d pixels inside the model's view and %d outside", in, out)
	}
	if !strings.Contains(u.w.classInfo.Text, u.s.State().Model.Label(second)) {
		t.Fatalf("class info %q", u.w.classInfo.Text)
	}

	// Switch the method.
	u.showMethodMenu()
	if top := u.win.Canvas().Overlays().Top(); top == nil {
		t.Fatal("the method menu did not open")
	} else {
		u.win.Canvas().Overlays().Remove(top)
	}
	u.chooseMethod("eigencam")
	h.until("Eigen-CAM", func() bool { return h.current() && u.s.State().View.Method.Name == "eigencam" })
	if u.w.method.Text != "Eigen-CAM" {
		t.Fatalf("method button %q", u.w.method.Text)
	}
	if in, _ := diffIn(img, shownImage(u), area); in == 0 {
		t.Fatal("the method switch did not change the overlay")
	}

	// The layer picker, then fixed-layer methods disable it.
	u.w.layer.SetSelectedIndex(2)
	h.until("the layer change", func() bool { return h.current() && u.s.State().View.Layer == u.w.layerNames[2] })
	u.chooseMethod(analysis.FCConv)
	h.settled()
	if !u.w.layer.Disabled() {
		t.Fatal("the layer picker is enabled for a fixed-layer method")
	}

	// Hover reads the map under the mouse.
	v := u.s.State().View
	u.w.view.Resize(fyne.NewSize(902, 600)) // twice the picture
	u.w.view.MouseMoved(mouseAt(float32(2*(v.Area.Min.X+20)), float32(2*(v.Area.Min.Y+20))))
	if !strings.Contains(u.w.hover.Text, "0.") && !strings.Contains(u.w.hover.Text, "1.000") {
		t.Fatalf("hover %q", u.w.hover.Text)
	}
	u.w.view.MouseMoved(mouseAt(4, 300))
	if !strings.Contains(u.w.hover.Text, "outside") {
		t.Fatalf("hover outside the crop: %q", u.w.hover.Text)
	}
}

func TestKeyboardAndSearch(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	rank := u.s.State().Analysis.Ranking()
	key := u.win.Canvas().OnTypedKey()
	key(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	key(&fyne.KeyEvent{Name: fyne.KeyRightBracket})
	if k := u.s.State().Sel.Class; k != rank[2] {
		t.Fatalf("two steps down the ranking: class %d, want %d", k, rank[2])
	}
	key(&fyne.KeyEvent{Name: fyne.KeyUp})
	if k := u.s.State().Sel.Class; k != rank[1] {
		t.Fatalf("up: class %d, want %d", k, rank[1])
	}
	h.until("the map", h.current)
	key(&fyne.KeyEvent{Name: fyne.KeySpace})
	h.until("the overlay to hide", func() bool { return !u.s.State().Sel.Overlay && u.w.view.Image() == u.s.State().Photo })
	if u.w.overlay.Checked || u.w.bar.Visible() {
		t.Fatal("the controls do not show the overlay is off")
	}
	key(&fyne.KeyEvent{Name: fyne.KeyT})
	h.until("the overlay to return", func() bool { return u.w.view.Image() == u.s.State().View.Image })

	// The class search filters as you type; picking a match sets the class.
	test.Type(u.w.search, "7")
	h.q.drain()
	if len(u.w.matches) != 1 || u.w.matches[0] != 7 {
		t.Fatalf("search matches %v", u.w.matches)
	}
	u.w.searchList.Select(0)
	if k := u.s.State().Sel.Class; k != 7 {
		t.Fatalf("search pick: class %d", k)
	}
	u.w.search.SetText("class")
	h.q.drain()
	if len(u.w.matches) != 10 {
		t.Fatalf("%d matches for 'class'", len(u.w.matches))
	}

	// Shortcuts open the dialogs.
	sc := fyne.KeyModifierShortcutDefault
	for _, k := range []*desktop.CustomShortcut{
		{KeyName: fyne.KeyO, Modifier: sc},
		{KeyName: fyne.KeyO, Modifier: sc | fyne.KeyModifierShift},
		{KeyName: fyne.KeyS, Modifier: sc},
	} {
		if !hasShortcut(u, k) {
			t.Errorf("%s opened no dialog", k.ShortcutName())
		}
	}
	if hasShortcut(u, &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: sc}) {
		t.Error("an unregistered shortcut opened a dialog")
	}
	// The theme toggles and is remembered.
	dark := u.dark
	u.toggleTheme()
	if u.dark == dark || u.fy.Preferences().Bool("dark") == dark {
		t.Fatal("theme did not toggle")
	}
	want := theme.VariantLight
	if u.dark {
		want = theme.VariantDark
	}
	if vt, ok := u.fy.Settings().Theme().(variantTheme); !ok || vt.variant != want {
		t.Fatal("theme variant not applied")
	}
	h.settled()
}

// hasShortcut fires a shortcut on the canvas and reports whether it
// opened a dialog.
func hasShortcut(u *UI, sc fyne.Shortcut) bool {
	c := u.win.Canvas()
	for c.Overlays().Top() != nil {
		c.Overlays().Remove(c.Overlays().Top())
	}
	c.(fyne.Shortcutable).TypedShortcut(sc)
	opened := c.Overlays().Top() != nil
	for c.Overlays().Top() != nil {
		c.Overlays().Remove(c.Overlays().Top())
	}
	return opened
}

func mouseAt(x, y float32) *desktop.MouseEvent {
	return &desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(x, y)}}
}

func buttons(o fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok {
			out = append(out, b)
		}
	}
	return out
}

// TestCompareSlider drives the A/B comparison: the blend slider moves from
// class A's map to B's, and the contrast toggle draws A − B signed.
func TestCompareSlider(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	if !u.w.blend.Disabled() {
		t.Fatal("the blend slider is enabled before comparing")
	}
	u.w.compare.SetChecked(true)
	h.until("the comparison", func() bool { return h.current() && u.s.State().View.Sel.Compare.On })
	if u.w.blend.Disabled() || len(u.w.a.Options) < 2 {
		t.Fatal("comparison controls not enabled")
	}
	st := u.s.State()
	if st.Sel.Compare.A == st.Sel.Compare.B {
		t.Fatal("A and B are the same class")
	}
	u.w.blend.SetValue(0)
	h.until("blend 0", func() bool { return h.current() && u.s.State().View.Sel.Compare.T == 0 })
	atA := shownImage(u)
	u.w.blend.SetValue(1)
	h.until("blend 1", func() bool { return h.current() && u.s.State().View.Sel.Compare.T == 1 })
	atB := shownImage(u)
	area := u.s.State().View.Area
	if in, out := diffIn(atA, atB, area); in == 0 || out != 0 {
		t.Fatalf("blending A into B changed %d pixels inside, %d outside", in, out)
	}
	// B picked from the second picker.
	u.w.b.SetSelectedIndex(2)
	h.until("the new B", func() bool { return h.current() && u.s.State().View.Sel.Compare.B == u.w.classOpts[2] })
	u.w.contrast.SetChecked(true)
	h.until("the contrast", func() bool { return h.current() && u.s.State().View.Sel.Compare.Contrast })
	v := u.s.State().View
	if v.Colormap != "coolwarm" || !u.w.blend.Disabled() || !strings.Contains(u.w.viewTitle.Text, "−") {
		t.Fatalf("contrast: colormap %s, title %q", v.Colormap, u.w.viewTitle.Text)
	}
}

// TestExportOriginalSize saves through the same path as the Save dialog.
func TestExportOriginalSize(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	dir := t.TempDir()
	u.w.captionCk.SetChecked(false)
	plain := filepath.Join(dir, "plain.png")
	u.exportTo(plain)
	h.settled()
	img := goldenpng.Read(t, plain)
	if img.Bounds().Dx() != 451 || img.Bounds().Dy() != 300 {
		t.Fatalf("plain export is %v, want the picture's 451×300", img.Bounds())
	}
	if _, err := os.Stat(filepath.Join(dir, "plain.json")); err != nil {
		t.Fatal("no JSON sidecar")
	}
	u.w.captionCk.SetChecked(true)
	capd := filepath.Join(dir, "captioned")
	u.exportTo(capd)
	h.settled()
	img = goldenpng.Read(t, capd+".png")
	if b := img.Bounds(); b.Dx() <= 451 || b.Dy() <= 300 {
		t.Fatalf("captioned export %v", b)
	}
	if !strings.Contains(u.w.status.Text, "Saved") {
		t.Fatalf("status %q", u.w.status.Text)
	}
	// Copy puts a summary of the facts on the clipboard.
	u.copyFacts()
	if c := u.fy.Clipboard().Content(); !strings.HasPrefix(c, "Grad-CAM at ") || !strings.Contains(c, "chelsea.png (451×300") {
		t.Fatalf("clipboard %q", c)
	}
	// The grid tab computes a method grid; it saves too.
	u.w.tabs.SelectIndex(1)
	h.until("the grid", func() bool { g := u.s.State().Grid; return g != nil && g.Done && u.shownGrid == g })
	if n := len(u.w.gridCells.Objects); n < 5 {
		t.Fatalf("%d grid cells", n)
	}
	done := make(chan error, 1)
	u.s.ExportGrid(filepath.Join(dir, "grid.png"), func(_ export.Saved, err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	u.w.tabs.SelectIndex(0)
	h.settled()
	if u.s.State().Grid != nil {
		t.Fatal("leaving the grid tab did not stop the grid")
	}
}

// TestCorruptFileShowsErrorKeepsState drops a text file named .png, then a
// broken model: each shows an error dialog and leaves the picture, its
// analysis and the overlay as they were.
func TestCorruptFileShowsErrorKeepsState(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	before := u.s.State()
	shown := u.w.view.Image()
	bad := filepath.Join(t.TempDir(), "holiday.png")
	if err := os.WriteFile(bad, []byte("this is a text file, not a picture\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.dropped(fyne.Position{}, []fyne.URI{fileURI(t, bad)})
	h.until("the error dialog", func() bool { return u.lastError() != nil })
	h.settled()
	if top := u.win.Canvas().Overlays().Top(); top == nil {
		t.Fatal("no dialog shown")
	}
	if !strings.Contains(test.RenderToMarkup(u.win.Canvas()), "holiday.png") {
		t.Fatal("the dialog does not name the file")
	}
	after := u.s.State()
	if after.Image != before.Image || after.Analysis != before.Analysis || after.View != before.View || u.w.view.Image() != shown {
		t.Fatal("the bad file changed what is shown")
	}
	for u.win.Canvas().Overlays().Top() != nil {
		u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	}

	badModel := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(badModel, []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := u.lastError()
	u.dropped(fyne.Position{}, []fyne.URI{fileURI(t, badModel)})
	h.until("the model error", func() bool { return u.lastError() != first })
	h.settled()
	after = u.s.State()
	if after.Model != before.Model || after.Analysis != before.Analysis || u.w.view.Image() != shown {
		t.Fatal("the bad model changed the state")
	}
	if !strings.Contains(u.w.model.Text, "model.onnx · 3×224×224") {
		t.Fatalf("model label %q", u.w.model.Text)
	}
}

// TestEmptyStateSamples opens a bundled sample from the empty window with
// the embedded model.
func TestEmptyStateSamples(t *testing.T) {
	h := newHarness(t, Options{})
	u := h.u
	h.until("the embedded model", func() bool { return u.st.Model != nil })
	markup := test.RenderToMarkup(u.win.Canvas())
	if !strings.Contains(markup, "Drop a photo here") || !strings.Contains(markup, "Samples for the embedded digits model") {
		t.Fatal("the empty state does not say what to do")
	}
	found := false
	for _, btn := range buttons(u.w.empty) {
		if strings.HasSuffix(btn.Text, ".png") {
			test.Tap(btn)
			found = true
			break
		}
	}
	if !found {
		t.Fatal("no sample buttons")
	}
	h.until("the sample's overlay", h.current)
	st := u.s.State()
	if st.Photo.Bounds().Dx() < 512 {
		t.Fatalf("a small picture is shown at %v, not enlarged", st.Photo.Bounds())
	}
	if st.Analysis.Input.Mode != imgio.ModeWhole && st.Analysis.Input.Mode != imgio.ModeCrop {
		t.Fatalf("mode %q", st.Analysis.Input.Mode)
	}
	// The mode radio switches what the model sees.
	other := modeLabels[imgio.ModeCrop]
	if st.Analysis.Input.Mode == imgio.ModeCrop {
		other = modeLabels[imgio.ModeWhole]
	}
	u.w.mode.SetSelected(other)
	h.until("the other mode", func() bool {
		s := u.s.State()
		return h.current() && modeLabels[s.Analysis.Input.Mode] == other
	})
}

func TestWrapText(t *testing.T) {
	got := wrapText("aaa bbb ccc dddd\nee", 8)
	if got != "aaa bbb\nccc dddd\nee" {
		t.Fatalf("%q", got)
	}
	if wrapText("", 5) != "" || wrapText("averyveryverylongword x", 5) != "averyveryverylongword\nx" {
		t.Fatal("edge cases")
	}
}
