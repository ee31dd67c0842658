package ui

import (
	"camviz/analysis"
	"camviz/compose"
	"camviz/internal/goldenpng"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"camviz/cam"
)

// dialogEntry is the path field of the dialog on top, nil if none.
func dialogEntry(u *UI) *escEntry {
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	for _, o := range test.LaidOutObjects(top) {
		if e, ok := o.(*escEntry); ok {
			return e
		}
	}
	return nil
}

func closeOverlays(u *UI) {
	c := u.win.Canvas()
	for c.Overlays().Top() != nil {
		c.Overlays().Remove(c.Overlays().Top())
	}
	u.dialogs = nil
}

// TestSaveDialogPaths: the save dialog proposes the picture's own folder,
// writes a typed absolute path where it says, refuses a missing folder in
// one line that names it, and closes on Esc.
func TestSaveDialogPaths(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	u.saveDialog()
	e := dialogEntry(u)
	if e == nil {
		t.Fatal("the save dialog has no path field")
	}
	if want, _ := filepath.Abs(filepath.Dir(chelsea)); filepath.Dir(e.Text) != want {
		t.Fatalf("the first save proposes %q, not the picture's folder %q", e.Text, want)
	}
	dir := t.TempDir()
	reports := filepath.Join(dir, "srv", "reports")
	if err := os.MkdirAll(reports, 0o755); err != nil {
		t.Fatal(err)
	}
	typed := filepath.Join(reports, "a.png")
	e.SetText(typed)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.settled()
	if _, err := os.Stat(typed); err != nil {
		t.Fatalf("the typed path was not written: %v (status %q, error %v)", err, u.w.status.Text, u.lastError())
	}
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog stayed open after saving")
	}
	// The next save proposes the folder just used.
	u.saveDialog()
	e = dialogEntry(u)
	if filepath.Dir(e.Text) != reports {
		t.Fatalf("the second save proposes %q", e.Text)
	}
	missing := filepath.Join(dir, "nowhere", "b.png")
	e.SetText(missing)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.settled()
	err := u.lastError()
	want := "cannot save b.png: there is no folder " + filepath.Join(dir, "nowhere")
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	closeOverlays(u)
	// Esc in the path field closes the dialog.
	u.saveDialog()
	dialogEntry(u).TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Esc did not close the save dialog")
	}
}

func TestResolvePath(t *testing.T) {
	home, _ := os.UserHomeDir()
	for _, c := range []struct{ typed, base, want string }{
		{"/srv/reports/a.png", "/home/me", "/srv/reports/a.png"},
		{"  a.png ", "/home/me/pics", "/home/me/pics/a.png"},
		{"../b.png", "/home/me/pics", "/home/me/b.png"},
		{"~/c.png", "/x", filepath.Join(home, "c.png")},
		{"", "/x", ""},
	} {
		if got := resolvePath(c.typed, c.base); got != c.want {
			t.Errorf("resolvePath(%q, %q) = %q, want %q", c.typed, c.base, got, c.want)
		}
	}
}

// TestOpenImageDialogPath: Open image has a path field that opens what
// is typed, and Esc closes it, focused or not.
func TestOpenImageDialogPath(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel})
	u := h.u
	h.until("the model", func() bool { return u.st.Model != nil })
	u.openImageDialog()
	e := dialogEntry(u)
	if e == nil {
		t.Fatal("the Open image dialog has no path field")
	}
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Esc in the path field did not close the dialog")
	}
	u.openImageDialog()
	u.win.Canvas().Unfocus()
	u.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Esc did not close the dialog")
	}
	u.openImageDialog()
	abs, _ := filepath.Abs(chelsea)
	e = dialogEntry(u)
	e.SetText(abs)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.until("the typed picture", func() bool { return h.current() && u.s.State().Image == "chelsea.png" })
}

// TestSampleThumbnails: clicking a sample's picture opens it, and the
// samples are offered only while the embedded model is loaded.
func TestSampleThumbnails(t *testing.T) {
	h := newHarness(t, Options{})
	u := h.u
	h.until("the embedded model", func() bool { return u.st.Model != nil })
	h.settled()
	var th *thumb
	for _, o := range test.LaidOutObjects(u.w.empty) {
		if x, ok := o.(*thumb); ok && x.Visible() {
			th = x
			break
		}
	}
	if th == nil || !u.w.samples.Visible() {
		t.Fatal("no sample pictures for the embedded model")
	}
	pos := u.fy.Driver().AbsolutePositionForObject(th).Add(fyne.NewPos(th.Size().Width/2, th.Size().Height/2))
	test.TapCanvas(u.win.Canvas(), pos)
	h.until("the sample's overlay", func() bool { return h.current() && strings.HasSuffix(u.s.State().Image, ".png") })

	other := newHarness(t, Options{Model: tinyModel})
	other.until("the model", func() bool { return other.u.st.Model != nil })
	other.settled()
	if other.u.w.samples.Visible() || strings.Contains(test.RenderToMarkup(other.u.win.Canvas()), "digits model") {
		t.Fatal("the digits samples are offered for another model")
	}
}

// TestCommandLinePicture: a picture named on the command line is shown
// with a spinner before the model has even loaded, never the empty state.
func TestCommandLinePicture(t *testing.T) {
	h := newHarness(t, Options{Image: chelsea})
	u := h.u
	// The window's first frame, before any background work is heard.
	if u.w.view.Image() == nil {
		t.Fatal("the first frame shows no picture")
	}
	if u.w.empty.Visible() || !u.w.viewBox.Visible() || !u.w.spinner.Visible() && !h.current() {
		t.Fatalf("empty %v, picture %v, spinner %v", u.w.empty.Visible(), u.w.viewBox.Visible(), u.w.spinner.Visible())
	}
	if b := u.w.view.Image().Bounds(); b.Dx() != 451 || b.Dy() != 300 {
		t.Fatalf("the preview is %v", b)
	}
	h.until("the overlay", h.current)
	if u.w.spinner.Visible() {
		t.Fatal("the spinner stays once the map is shown")
	}
}

// TestMethodHintOnlySelected: the hint is the selected method's sentence
// only, its height the same for every method (the controls under it do
// not move), and a method that does not apply says why in the picker.
func TestMethodHintOnlySelected(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	layerY := float32(-1)
	for _, m := range u.st.Model.Methods() {
		if !m.Applies {
			continue
		}
		u.chooseMethod(m.Name)
		if m.Slow {
			u.s.CancelMap() // the hint and the pane are what is tested, not the map (SS-CAM takes minutes under race)
		}
		h.settled()
		got := strings.TrimRight(u.w.methodHint.Text, "\n")
		if got != wrapText(methodHint(m), wideHintLen) {
			t.Errorf("%s: hint %q", m.Name, got)
		}
		y := u.fy.Driver().AbsolutePositionForObject(u.w.layer).Y
		if layerY >= 0 && y != layerY {
			t.Errorf("%s: the layer picker moved from y=%v to %v", m.Name, layerY, y)
		}
		layerY = y
	}
	disabled := 0
	for _, it := range u.methodItems() {
		if it.Disabled {
			disabled++
			if !strings.HasSuffix(it.Label, "not for this model: the classifier is not global-average-pool") {
				t.Errorf("disabled entry %q does not say why", it.Label)
			}
		}
	}
	if disabled == 0 {
		t.Fatal("no method is disabled on the tiny VGG16 (CAM should be)")
	}
}

// TestSmallItems covers the left pane's target line, the class search
// and the notes and messages that repeated or contradicted themselves.
func TestSmallItems(t *testing.T) {
	labels := filepath.Join(t.TempDir(), "labels.txt")
	long := []string{"black swan, Cygnus atratus", "tench, Tinca tinca", "goldfish, Carassius auratus",
		"great white shark", "tiger shark, Galeocerdo cuvieri", "hammerhead, hammerhead shark",
		"electric ray, crampfish, numbfish, torpedo", "stingray", "cock", "hen"}
	if err := os.WriteFile(labels, []byte(strings.Join(long, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{Model: tinyModel, Labels: labels, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	// The target line is never cut, however narrow the window.
	for _, k := range []int{0, 6} {
		u.act(u.s.SetClass(k))
		for _, size := range windowSizes[:2] {
			u.win.Resize(size)
			h.settled()
			for _, p := range layoutProblems(u, u.w.classInfo) {
				if strings.Contains(p, "Target") {
					t.Errorf("class %d at %v: %s", k, size, p)
				}
			}
		}
	}
	u.win.Resize(fyne.NewSize(1280, 800))
	// Enter in the search picks its only match.
	test.Type(u.w.search, "torpedo")
	h.q.drain()
	if len(u.w.matches) != 1 || u.w.matches[0] != 6 {
		t.Fatalf("matches %v", u.w.matches)
	}
	u.act(u.s.SetClass(0))
	u.w.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if k := u.s.State().Sel.Class; k != 6 {
		t.Fatalf("Enter on the only match: class %d", k)
	}
	// A model change clears the search.
	test.Type(u.w.search, "shark")
	u.s.LoadDefaultModel()
	h.until("the embedded model", func() bool { return u.st.Model != nil && u.st.Model.Embedded() })
	if u.w.search.Text != "" || len(u.w.matches) != 10 {
		t.Fatalf("after a model change the search says %q with %d matches", u.w.search.Text, len(u.w.matches))
	}
	// A broken model file is named once.
	fake := filepath.Join(t.TempDir(), "fake.onnx")
	if err := os.WriteFile(fake, []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.loadModel(fake, "")
	h.until("the model error", func() bool { return u.lastError() != nil })
	if msg := u.lastError().Error(); strings.Count(msg, "fake.onnx") != 1 || !strings.HasPrefix(msg, "cannot load fake.onnx: ") {
		t.Fatalf("message %q", msg)
	}
	h.settled()
}

// TestFixedLayerNote: a fixed-layer method's note names the layer it
// reads, as its description says, not "this layer" of the picker.
func TestFixedLayerNote(t *testing.T) {
	fc, ok := cam.Find(analysis.FCConv)
	if !ok {
		t.Fatal("no fcconv")
	}
	v := &compose.View{Method: analysis.Method{Method: fc, Applies: true}, Flags: cam.NonPositive, Layer: "/classifier/classifier.0/Gemm"}
	got := viewNote(v)
	if strings.Contains(got, "this layer") || !strings.Contains(got, "at classifier.0/Gemm, the layer "+fc.Display+" reads") {
		t.Fatalf("note %q", got)
	}
	gc, _ := cam.Find("gradcam")
	v.Method = analysis.Method{Method: gc, Applies: true}
	if !strings.Contains(viewNote(v), "at this layer") {
		t.Fatalf("Grad-CAM's note %q", viewNote(v))
	}
}

// TestThemeContrast: in both themes an unchecked box's outline stands out
// from the background (WCAG 3:1 for a control) and the numbers on the
// probability bars read on the fill and on the track (4.5:1 for text).
func TestThemeContrast(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		th := variantTheme{Theme: theme.DefaultTheme(), variant: v}
		bg := th.Color(theme.ColorNameBackground, v)
		border := th.Color(theme.ColorNameInputBorder, v)
		for _, under := range []color.Color{bg, over(th.Color(theme.ColorNameInputBackground, v), bg)} {
			if c := contrast(over(border, under), under); c < 3 {
				t.Errorf("variant %d: unchecked outline contrast %.2f", v, c)
			}
		}
		bars := barTheme{th}
		fg := bars.Color(theme.ColorNameForeground, v)
		fill := over(bars.Color(theme.ColorNamePrimary, v), bg)
		// The track is the fill at half its alpha (Fyne's progress bar).
		n := color.NRGBAModel.Convert(bars.Color(theme.ColorNamePrimary, v)).(color.NRGBA)
		n.A /= 2
		track := over(n, bg)
		for name, c := range map[string]color.Color{"fill": fill, "track": track} {
			if r := contrast(fg, c); r < 4.5 {
				t.Errorf("variant %d: number on the bar's %s: contrast %.2f", v, name, r)
			}
		}
	}
}

// TestShortcutsListedAndWork: Help → Shortcuts lists the keys, and each
// key listed does what it says.
func TestShortcutsListedAndWork(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	var help *fyne.MenuItem
	for _, m := range u.menu().Items {
		for _, it := range m.Items {
			if strings.Contains(it.Label, "Keyboard shortcuts") {
				help = it
			}
		}
	}
	if help == nil {
		t.Fatal("no Help → Keyboard shortcuts")
	}
	help.Action()
	markup := test.RenderToMarkup(u.win.Canvas())
	for _, k := range shortcutKeys {
		if !strings.Contains(markup, k[0]) {
			t.Errorf("the shortcuts dialog does not list %s", k[0])
		}
	}
	key := u.win.Canvas().OnTypedKey()
	key(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Esc did not close the shortcuts")
	}
	key(&fyne.KeyEvent{Name: fyne.KeyF1})
	if u.win.Canvas().Overlays().Top() == nil {
		t.Fatal("F1 did not open the shortcuts")
	}
	closeOverlays(u)
	// The keys of the list (the dialogs' own are in TestKeyboardAndSearch).
	rank := u.s.State().Analysis.Ranking()
	for _, c := range []struct {
		key  fyne.KeyName
		want int
	}{{fyne.KeyPageDown, 1}, {fyne.KeyRightBracket, 2}, {fyne.KeyDown, 3}, {fyne.KeyPageUp, 2}, {fyne.KeyLeftBracket, 1}, {fyne.KeyUp, 0}} {
		key(&fyne.KeyEvent{Name: c.key})
		if k := u.s.State().Sel.Class; k != rank[c.want] {
			t.Fatalf("%s: class %d, want rank %d's %d", c.key, k, c.want, rank[c.want])
		}
	}
	for _, k := range []fyne.KeyName{fyne.KeySpace, fyne.KeyT} {
		was := u.s.State().Sel.Overlay
		key(&fyne.KeyEvent{Name: k})
		if u.s.State().Sel.Overlay == was {
			t.Fatalf("%s did not toggle the heat map", k)
		}
	}
	h.settled()
}

// TestCopyFactsAndImage: Copy facts is a short readable summary (no
// JSON, no output size of a file never written); Copy image saves the
// picture and copies its path, as its menu entry says.
func TestCopyFactsAndImage(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	u.copyFacts()
	c := u.fy.Clipboard().Content()
	st := u.s.State()
	k := st.Sel.Class
	wantClass := "Class: " + strconv.Itoa(k) + " “" + st.Model.Label(k) + "”"
	if strings.Contains(c, "{") || strings.Contains(c, "output_size") || strings.Count(c, "\n") > 8 || !strings.Contains(c, wantClass) ||
		!strings.Contains(c, "Grad-CAM at features.29/Relu on chelsea.png (451×300, Centre crop)") {
		t.Fatalf("clipboard:\n%s", c)
	}
	if !strings.Contains(copyImageLabel, "path") {
		t.Fatal("the Copy image entry does not say what it copies")
	}
	u.copyImage()
	h.settled()
	path := u.fy.Clipboard().Content()
	if !strings.HasSuffix(path, ".png") {
		t.Fatalf("clipboard after Copy image: %q", path)
	}
	if img := goldenpng.Read(t, path); img.Bounds().Dx() < 451 {
		t.Fatalf("the copied picture is %v", img.Bounds())
	}
}
