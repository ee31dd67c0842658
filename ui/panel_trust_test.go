package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// The ROAD and sanity checks start only when their buttons are pressed,
// show their numbers and verdicts in the window, draw the cascade's curve,
// and Cancel stops a check and keeps nothing of it.
func TestTrustChecks(t *testing.T) {
	h := newHarness(t, Options{Model: smallModel, Image: chelsea})
	u := h.u
	p := u.w.trust
	h.until("the first overlay", h.current)
	h.settled()
	if st := u.s.State(); st.Trust.ROAD != nil || st.Trust.Sanity != nil || st.Trust.ROADRun.Running || st.Trust.SanityRun.Running {
		t.Fatalf("a check started unasked: %+v", st.Trust)
	}
	if !strings.Contains(p.roadText.Text, "not measured") || !strings.Contains(p.sanityText.Text, "not run") ||
		p.road.Disabled() || p.sanity.Disabled() || p.roadCancel.Visible() || p.sanityCancel.Visible() {
		t.Fatalf("before asking: %q, %q", p.roadText.Text, p.sanityText.Text)
	}

	// Cancel: the button shows while the check runs and stops it.
	test.Tap(p.sanity)
	u.refresh()
	if !u.st.Trust.SanityRun.Running || !p.sanityCancel.Visible() || !p.sanity.Disabled() {
		t.Fatalf("running: %+v, cancel shown %v", u.st.Trust.SanityRun, p.sanityCancel.Visible())
	}
	test.Tap(p.sanityCancel)
	h.settled()
	if st := u.s.State(); st.Trust.Sanity != nil || p.sanityCancel.Visible() || !strings.Contains(p.sanityText.Text, "not run") {
		t.Fatalf("after cancel: %+v, %q", st.Trust, p.sanityText.Text)
	}

	test.Tap(p.road)
	test.Tap(p.sanity)
	h.until("both checks", func() bool { st := u.s.State(); return st.Trust.ROAD != nil && st.Trust.Sanity != nil })
	h.settled()
	st := u.s.State()
	r, s := st.Trust.ROAD, st.Trust.Sanity
	for _, want := range []string{fmt.Sprintf("%.3f", r.MoRF), fmt.Sprintf("%.3f", r.LeRF), fmt.Sprintf("%.3f", r.Combined), fmt.Sprintf("%.3f", r.CamMult)} {
		if !strings.Contains(p.roadText.Text, want) {
			t.Errorf("ROAD line %q lacks %s", p.roadText.Text, want)
		}
	}
	if want := fmt.Sprintf("rank corr. %.3f, SSIM %.3f, all %d layers", s.Final(), s.SSIM[len(s.SSIM)-1], len(s.Layers)); !strings.Contains(p.sanityText.Text, want) {
		t.Errorf("sanity line %q, want %q", p.sanityText.Text, want)
	}
	if p.roadVerdict.Text != capitalise(r.Verdict)+"." || p.sanVerdict.Text != capitalise(s.Verdict)+"." ||
		!strings.Contains(p.sanVerdict.Text, "randomis") {
		t.Errorf("verdicts %q, %q", p.roadVerdict.Text, p.sanVerdict.Text)
	}
	if !p.road.Disabled() || !p.sanity.Disabled() || p.roadCancel.Visible() {
		t.Error("the buttons offer to measure again what is kept")
	}
	// The curve: the original network at 1, then one point per layer.
	n := len(s.Similarity)
	if c := p.curve; len(c.x) != n+1 || c.y[curveMethod][0] != 1 || c.y[curveMethod][n] != s.Final() || c.x[n] != 1 || c.xEnd != fmt.Sprint(n) {
		t.Errorf("curve x %v y %v", c.x, c.y[curveMethod])
	}
	markup := test.RenderToMarkup(u.win.Canvas())
	for _, want := range []string{fmt.Sprintf("%.3f", r.Combined), fmt.Sprintf("%.3f", s.Final()), "Sanity check", "Measure ROAD"} {
		if !strings.Contains(markup, want) {
			t.Errorf("the window does not show %q", want)
		}
	}
}
