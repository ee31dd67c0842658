package compose

import (
	"strings"
	"testing"

	"camviz/analysis"
	"camviz/cam"
	"camviz/internal/testfix"
	"camviz/metrics"

	"golang.org/x/image/font"
)

func TestShortLayer(t *testing.T) {
	for in, want := range map[string]string{
		"/features/features.29/Relu_output_0": "features.29/Relu",
		"input.40":                            "input.40",
		"fc head":                             "fc head",
	} {
		if got := ShortLayer(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
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
		r := &analysis.FaithfulnessReport{Map: rep(c.del, c.ins), Random: base, Center: base}
		if got := r.Verdict(); got != c.want {
			t.Errorf("del %v ins %v: %q, want %q", c.del, c.ins, got, c.want)
		}
	}
	r := &analysis.FaithfulnessReport{Map: rep(0.1, 0.6), Random: base, Center: base, Flags: cam.NonPositive}
	if !strings.HasPrefix(r.Verdict(), "the map is empty") {
		t.Errorf("empty map: %q", r.Verdict())
	}
	// The caption line: the longest form that fits, else the shortest.
	lines := faithCaptionLines(r)
	f := testfix.Face(t, 12)
	if got := FaithCaption(r, f, 1e6); got != lines[0] || !strings.Contains(got, "0.100 (0.300)") || !strings.Contains(got, "12.5% (12.5%)") {
		t.Errorf("wide: %q", got)
	}
	if got := FaithCaption(r, f, 10); got != lines[len(lines)-1] {
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
