package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"camviz/analysis"
	core "camviz/app"
	"camviz/metrics"
)

const smallModel = "../testdata/models/vgg16_op14.onnx"

// lines are the canvas lines a plot draws in colour c.
func lines(t *testing.T, p *curvePlot, c color.Color) int {
	t.Helper()
	n := 0
	for _, o := range test.TempWidgetRenderer(t, p).Objects() {
		if l, ok := o.(*canvas.Line); ok && l.StrokeColor == c {
			n++
		}
	}
	return n
}

// TestFaithfulnessPanel drives the real pipeline on the 64×64 fixture:
// the button measures the map on screen and the panel shows its numbers
// and curves next to the baselines'; a class change never shows the old
// class's numbers and measures nothing unasked; returning shows the kept
// numbers; nothing is remembered as an auto-run.
func TestFaithfulnessPanel(t *testing.T) {
	const steps = 3
	h := newHarness(t, Options{Model: smallModel, Image: chelsea, Faithfulness: metrics.Config{Steps: steps}})
	u := h.u
	p := u.w.faith
	h.until("the first overlay", h.current)
	if p.body.Visible() || p.run.Disabled() || p.cancel.Visible() || u.s.State().Faith.Run.Running {
		t.Fatal("the panel is open, or measuring, before measuring was asked for")
	}

	test.Tap(p.run)
	shown := func() *analysis.FaithfulnessReport {
		st := u.s.State()
		if r := st.Faith.Report; r != nil && u.st.Faith.Report == r && r.Class == st.Sel.Class {
			return r
		}
		return nil
	}
	h.until("the numbers", func() bool { return shown() != nil })
	h.settled()
	r := shown()
	if !p.body.Visible() || u.fy.Preferences().Bool("measure") || !p.run.Disabled() {
		t.Fatal("the panel is hidden, measuring is remembered, or the button still offers to measure")
	}
	reps := []*metrics.Report{r.Map, r.Random, r.Center}
	for j, rep := range reps {
		want := []string{fmt.Sprintf("%.3f", rep.Deletion.AUC), fmt.Sprintf("%.3f", rep.Insertion.AUC),
			fmt.Sprintf("%.1f%%", rep.AverageDrop), yesNo(rep.IncreaseInConfidence)}
		for i, w := range want {
			if got := p.cells[i][j].Text; got != w {
				t.Errorf("row %d column %d shows %q, want %q", i, j, got, w)
			}
		}
	}
	markup := test.RenderToMarkup(u.win.Canvas())
	for _, s := range []string{fmt.Sprintf("%.3f", r.Map.Deletion.AUC), "Deletion AUC", "random", "centre", "Grad-CAM"} {
		if !strings.Contains(markup, s) {
			t.Errorf("the window does not show %q", s)
		}
	}
	if p.header[curveMethod].Text != "Grad-CAM" || !strings.HasPrefix(p.status[2].Text, fmt.Sprintf("%d steps", steps)) {
		t.Errorf("header %q, note %q", p.header[curveMethod].Text, p.status[2].Text)
	}
	if v := p.status[0].Text; v != capitalise(r.VerdictLines()[0])+"." || !strings.Contains(v, "random") {
		t.Errorf("verdict %q", v)
	}
	// The curves: the map's solid (one line a step), the baselines dashed.
	primary := styleColor(curveStyles[curveMethod], p.del)
	base := styleColor(curveStyles[curveRandom], p.del)
	for _, plot := range []*curvePlot{p.del, p.ins} {
		if n := lines(t, plot, primary); n != steps {
			t.Errorf("%s: %d solid segments, want %d", plot.title, n, steps)
		}
		if n := lines(t, plot, base); n < 2*steps {
			t.Errorf("%s: %d baseline dashes", plot.title, n)
		}
	}

	// Another class: the old numbers go at once and nothing is measured
	// unasked; asked, the new ones follow; back, the first ones at once.
	first := r
	second := u.s.State().Top[1].Class
	u.w.topList.Select(1)
	u.refresh()
	if r2 := u.st.Faith.Report; r2 != nil {
		t.Fatal("the old class's report is shown after the class changed")
	}
	h.until("the second class's map", h.current)
	h.settled()
	if p.body.Visible() || p.run.Disabled() || u.s.State().Faith.Run.Running {
		t.Fatal("the second class is measured unasked, or its button is off")
	}
	test.Tap(p.run)
	h.until("the second class's numbers", func() bool { r := shown(); return r != nil && r.Class == second })
	h.settled()
	if got, want := p.cells[0][0].Text, fmt.Sprintf("%.3f", shown().Map.Deletion.AUC); got != want {
		t.Fatalf("second class: %q, want %q", got, want)
	}
	u.w.topList.Select(0)
	h.until("the first class's kept numbers", func() bool { return shown() == first })
	h.settled()
	if got, want := p.cells[0][0].Text, fmt.Sprintf("%.3f", first.Map.Deletion.AUC); got != want {
		t.Fatalf("back to the first class: %q, want %q", got, want)
	}

	// The other theme recolours the panel.
	u.toggleTheme()
	fg := theme.Color(theme.ColorNameForeground)
	if p.cells[0][1].Color != fg || lines(t, p.del, styleColor(curveStyles[curveRandom], p.del)) == 0 {
		t.Fatal("the panel kept the old theme's colours")
	}

}

// TestFaithStatus: what the panel says under its table in each state.
func TestFaithStatus(t *testing.T) {
	long := strings.Repeat("a long reason ", 20)
	cases := []struct {
		f    core.FaithState
		want string
	}{
		{core.FaithState{Run: core.TrustCheck{Running: true, Done: 9, Total: 27}}, "Measuring… 9/27"},
		{core.FaithState{Run: core.TrustCheck{Running: true}}, "Measuring…"},
		{core.FaithState{Run: core.TrustCheck{Err: "too many steps"}}, "Cannot measure this map: | too many steps"},
		{core.FaithState{Run: core.TrustCheck{Err: long}}, "Cannot measure this map: | a long reason a long reason a long reason a | long reason a long reason a long reason a…"},
		{core.FaithState{}, "No map to measure."},
	}
	for _, c := range cases {
		got, _ := faithStatus(core.State{Faith: c.f})
		if s := strings.Join(got, " | "); !strings.HasPrefix(s, c.want) || len(got) > 3 {
			t.Errorf("%+v: %q", c.f, s)
		}
	}
}

// TestStrokes: a dashed line covers about on/(on+off) of its length.
func TestStrokes(t *testing.T) {
	st := curveStyle{width: 1, on: 6, off: 4}
	pts := []fyne.Position{{X: 0, Y: 0}, {X: 50, Y: 0}, {X: 50, Y: 50}}
	var drawn float32
	objs := strokes(pts, st, color.Black)
	for _, o := range objs {
		l := o.(*canvas.Line)
		drawn += max(l.Position2.X-l.Position1.X, l.Position2.Y-l.Position1.Y)
	}
	if len(objs) != 10 || drawn < 59.9 || drawn > 60.1 {
		t.Fatalf("%d dashes, %v of 100 drawn", len(objs), drawn)
	}
	if n := len(strokes(pts, curveStyle{width: 2}, color.Black)); n != 2 {
		t.Fatalf("solid: %d segments", n)
	}
	if got := yTop([3][]float64{{0.05, 0.31}, {0.2}}); got != 0.4 {
		t.Fatalf("yTop %v", got)
	}
	if trimFloat(1) != "1" || trimFloat(0.3) != "0.3" {
		t.Fatal("trimFloat")
	}
}
