package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSanityCascade runs the cascade on the golden tiny VGG16: 16 steps
// from classifier.6 down to features.0; the Sobel control never moves,
// Grad-CAM ends far from its original map.
func TestSanityCascade(t *testing.T) {
	png := filepath.Join(t.TempDir(), "s.png")
	out, errOut, st := run("sanity", "-model", tinyModel, "-methods", "gradcam,sobelcam", "-plot", png, "-json", photo)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines, want one per method", len(lines))
	}
	var rows []sanityJSON
	for _, l := range lines {
		var r sanityJSON
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Layers) != 16 || len(r.Similarity) != 16 || len(r.SSIM) != 16 {
			t.Fatalf("%s: %d layers, %d similarities, %d SSIMs; want 16 each", r.Method, len(r.Layers), len(r.Similarity), len(r.SSIM))
		}
		if !strings.Contains(r.Layers[0], "classifier.6") || !strings.Contains(r.Layers[15], "features.0/") {
			t.Errorf("%s: layers %v, want classifier.6 first and features.0 last", r.Method, r.Layers)
		}
		rows = append(rows, r)
	}
	g, s := rows[0], rows[1]
	if g.Method != "gradcam" || s.Method != "sobelcam" || g.Class != 7 {
		t.Fatalf("rows %s, %s for class %d; want gradcam, sobelcam for the top class 7", g.Method, s.Method, g.Class)
	}
	for i := range s.Similarity {
		if s.Similarity[i] != 1 || s.SSIM[i] != 1 {
			t.Fatalf("sobelcam step %d: %v / %v, want exactly 1 (it ignores the model)", i, s.Similarity[i], s.SSIM[i])
		}
	}
	if last := g.Similarity[15]; !(last < 0.5) {
		t.Errorf("gradcam after full randomisation: rank correlation %v, want < 0.5", last)
	}
	if fi, err := os.Stat(png); err != nil || fi.Size() < 5000 {
		t.Errorf("plot: %v, %v", fi, err)
	}
}

func TestSanityErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-plot", "x.svg", photo}, "-plot must name a .png"},
		{[]string{"-methods", "nope", photo}, `unknown method "nope"`},
		{[]string{photo, photo}, "exactly one INPUT"},
		{[]string{"-class", "99", photo}, "99"},
	} {
		_, errOut, st := run(append([]string{"sanity", "-model", tinyModel}, c.args...)...)
		if st != 1 || !strings.Contains(errOut, c.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: status %d, stderr %q; want one line with %q", c.args, st, errOut, c.msg)
		}
	}
}
