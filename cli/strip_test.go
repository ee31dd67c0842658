package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"camviz/internal/goldenpng"
)

const stripSample = "../assets/samples/single_4.png"

// TestStrip: the default model's six strip layers for the 64×64 canvas,
// each cell enlarged 2× to -cell 128 and captioned with its layer
// (golden).
func TestStrip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "strip.png")
	var o, e bytes.Buffer
	if st := Run([]string{"strip", "-method", "gradcam", "-cell", "128", "-out", out, stripSample}, &o, &e); st != 0 {
		t.Fatalf("status %d: %s", st, e.String())
	}
	img := goldenpng.Read(t, out)
	if w := img.Bounds().Dx(); w != 6*128+7*gridGap {
		t.Errorf("strip is %d wide, want six 128-pixel cells", w)
	}
	if !strings.Contains(e.String(), "→ "+out) {
		t.Errorf("stderr %q does not name the output", e.String())
	}
	goldenpng.Check(t, filepath.Join("testdata", "compose", "strip_digits.png"), img, *updateGolden)
}

func TestStripErrors(t *testing.T) {
	png := filepath.Join(t.TempDir(), "s.png")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-norm", "shared", "-out", png, stripSample}, "camviz strip: -norm shared does not apply to a strip: each layer's map is normalised on its own (minmax or raw)\n"},
		{[]string{"-method", "fcconv", "-out", png, stripSample}, "camviz strip: FC→conv dense scores reads a fixed layer, so a layer strip would repeat one map; pick a method that takes a layer\n"},
		{[]string{"-layers", "nope", "-out", png, stripSample}, "camviz strip: the model has no tensor \"nope\" (run `camviz layers` to list them)\n"},
		{[]string{"-out", "s.jpg", stripSample}, "camviz strip: -out must name a .png file\n"},
		{[]string{"-out", png, stripSample, stripSample}, "camviz strip: give exactly one INPUT (got 2)\n"},
		{[]string{"-cell", "8", "-out", png, stripSample}, "camviz strip: -cell must be at least 16 pixels\n"},
	} {
		var o, e bytes.Buffer
		if st := Run(append([]string{"strip"}, c.args...), &o, &e); st != 1 || e.String() != c.want {
			t.Errorf("%q: status %d, stderr %q, want %q", c.args, st, e.String(), c.want)
		}
	}
}
