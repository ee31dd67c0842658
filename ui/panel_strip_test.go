package ui

import (
	"camviz/internal/goldenpng"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveStrip: the layer strip's save writes the strip of the picture
// on screen — six cells of the tiny VGG16's stages — and its sidecar.
func TestSaveStrip(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	path := filepath.Join(t.TempDir(), "strip.png")
	u.exportStripTo(path)
	h.settled()
	img := goldenpng.Read(t, path)
	// chelsea (451×300) is not enlarged: twice 451 exceeds the 512-pixel cell.
	if w := img.Bounds().Dx(); w != 6*451+7*8 {
		t.Fatalf("strip is %d wide, want six 451-pixel cells", w)
	}
	side, err := os.ReadFile(filepath.Join(filepath.Dir(path), "strip.json"))
	if err != nil || !strings.Contains(string(side), `"layer": "/avgpool/AveragePool_output_0"`) {
		t.Fatalf("sidecar %s (%v)", side, err)
	}
	if !strings.Contains(u.w.status.Text, "Saved") {
		t.Fatalf("status %q", u.w.status.Text)
	}
}
