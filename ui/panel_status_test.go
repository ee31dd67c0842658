package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
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
	line := regexp.MustCompile(`^Score-CAM (\d+)/(\d+) · \d+\.\d s elapsed · (about \d+ s left|a few seconds left|about \d+ min left)$`)
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
	// Opacity while it runs: the same job goes on.
	u.w.alpha.SetValue(0.8)
	h.q.drain()
	if st := u.s.State(); st.Sel.Alpha != 0.8 || len(st.Busy) == 0 || st.Busy[0].Job != job {
		b := st.Busy
		t.Fatalf("the opacity change (to %v) restarted the job: %+v (was job %d)", st.Sel.Alpha, b, job)
	}
	test.Tap(u.w.cancel)
	h.settled()
	if !strings.Contains(u.w.viewTitle.Text, "cancelled at") || strings.Contains(u.w.viewTitle.Text, "so far") ||
		u.w.status.Text != "Cancelled." || u.w.progBox.Visible() || u.w.cancel.Visible() {
		t.Fatalf("after Cancel: title %q status %q bar %v", u.w.viewTitle.Text, u.w.status.Text, u.w.progBox.Visible())
	}
}
