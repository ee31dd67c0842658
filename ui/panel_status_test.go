package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	core "camviz/app"
	"camviz/cam"
)

// TestStatusPanelCountsTimeAndCancel: while Score-CAM runs, the status
// line says its count, elapsed time and time left, the bar shows the same
// count as the picture's title, a display change leaves the job running,
// and Cancel leaves a partial map that says it was cancelled.
func TestStatusPanelCountsTimeAndCancel(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	h.settled()
	if err := u.s.SetMethod("scorecam"); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^Score-CAM (\d+)/(\d+) · [0-9.]+/s · \d+\.\d s elapsed · (about \d+ s left|a few seconds left|about \d+ min left)$`)
	var count int
	job := uint64(0)
	h.until("a count with elapsed and left", func() bool {
		m := line.FindStringSubmatch(u.w.status.Text)
		if m == nil || !strings.Contains(u.w.viewTitle.Text, "so far (") {
			return false
		}
		count, _ = strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		if u.w.progress.Value != float64(count) || u.w.progress.Max != float64(total) || !u.w.progBox.Visible() {
			t.Fatalf("status %q, bar %v/%v", u.w.status.Text, u.w.progress.Value, u.w.progress.Max)
		}
		if want := fmt.Sprintf("so far (%d/%d)", count, total); !strings.Contains(u.w.viewTitle.Text, want) {
			t.Fatalf("title %q, status %q", u.w.viewTitle.Text, u.w.status.Text)
		}
		job = u.st.Busy[0].Job
		return count > 0 && count < total
	})
	if !u.w.cancel.Visible() {
		t.Fatal("no Cancel while Score-CAM runs")
	}
	// Every display control while it runs: the same job goes on.
	raw := -1
	for i, o := range normOptions {
		if o.Mode == cam.Raw {
			raw = i
		}
	}
	controls := []struct {
		name  string
		apply func()
	}{
		{"opacity", func() { u.w.alpha.SetValue(0.8) }},
		{"colour map", func() { u.w.cmap.SetSelected("viridis") }},
		{"scale", func() { u.w.norm.SetSelectedIndex(raw) }},
		{"heat map", func() { test.Tap(u.w.overlay) }},
		{"caption", func() { test.Tap(u.w.captionCk) }},
		{"hover", func() { u.hover(10, 10, true) }},
	}
	for _, c := range controls {
		c.apply()
		h.q.drain()
		if st := u.s.State(); len(st.Busy) == 0 || st.Busy[0].Job != job {
			t.Fatalf("the %s change restarted or ended the job: %+v (was job %d)", c.name, st.Busy, job)
		}
	}
	if sel := u.s.State().Sel; sel.Alpha != 0.8 || sel.Colormap != "viridis" || sel.Norm != cam.Raw || sel.Overlay {
		t.Fatalf("the controls did not reach the session: %+v", sel)
	}
	test.Tap(u.w.cancel)
	h.settled()
	if !strings.Contains(u.w.viewTitle.Text, "cancelled at") || strings.Contains(u.w.viewTitle.Text, "so far") ||
		u.w.status.Text != "Cancelled." || u.w.progBox.Visible() || u.w.cancel.Visible() {
		t.Fatalf("after Cancel: title %q status %q bar %v", u.w.viewTitle.Text, u.w.status.Text, u.w.progBox.Visible())
	}
}

// TestLabelsFollowTheWindow: the hover line is the picture's on screen
// (not the previous image's after a drop), and the scale picker names the
// shared scale a comparison is drawn on.
func TestLabelsFollowTheWindow(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	h.settled()
	v := u.st.View
	x, y := v.Area.Min.X+v.Area.Dx()/3, v.Area.Min.Y+v.Area.Dy()/3
	u.hover(x, y, true)
	before := u.w.hover.Text
	if !strings.HasPrefix(before, "(") || strings.Contains(before, "outside") {
		t.Fatalf("hover over the map: %q", before)
	}
	u.s.OpenImage("../testdata/images/coffee.png")
	h.until("the new picture's map", func() bool { return h.current() && u.st.Image == "coffee.png" })
	h.settled()
	if got, want := u.w.hover.Text, core.HoverText(u.st, core.Pointer{X: x, Y: y, In: true}); got != want || got == before {
		t.Fatalf("after the drop the hover says %q (want %q; before %q)", got, want, before)
	}

	u.s.SetCompare(true)
	h.settled()
	if got, want := u.w.norm.Selected, normOptions[normIndex(cam.Shared)].Label; got != want || u.st.Sel.Norm == cam.Shared {
		t.Fatalf("comparing: the scale picker says %q, want %q (selection %v)", got, want, u.st.Sel.Norm)
	}
	u.s.SetCompare(false)
	h.settled()
	if got, want := u.w.norm.Selected, normOptions[normIndex(u.st.Sel.Norm)].Label; got != want {
		t.Fatalf("after comparing: %q, want %q", got, want)
	}
}
