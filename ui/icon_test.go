package ui

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"

	"camviz/internal/goldenpng"
)

const iconPath = "../assets/icon.png"

// TestIconAsset checks that assets/icon.png (FyneApp.toml's icon, used by
// `fyne package`) is the icon the window uses. CAMVIZ_WRITE_ICON=1
// redraws it after a change to drawIcon.
func TestIconAsset(t *testing.T) {
	want := drawIcon()
	if os.Getenv("CAMVIZ_WRITE_ICON") == "1" {
		var b bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&b, want); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(iconPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := goldenpng.Read(t, iconPath)
	if got.Bounds() != image.Rect(0, 0, IconSize, IconSize) {
		t.Fatalf("icon is %v", got.Bounds())
	}
	for y := 0; y < IconSize; y++ {
		for x := 0; x < IconSize; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			// One level of slack: fused multiply-adds on some CPUs may
			// round the odd pixel the other way.
			if far(r1, r2) || far(g1, g2) || far(b1, b2) || far(a1, a2) {
				t.Fatalf("assets/icon.png differs from drawIcon at (%d,%d): run with CAMVIZ_WRITE_ICON=1", x, y)
			}
		}
	}
	// Transparent corners, an opaque white frame, jet colours inside.
	if _, _, _, a := want.At(0, 0).RGBA(); a != 0 {
		t.Error("corner not transparent")
	}
	if c := want.NRGBAAt(IconSize/2, 14); c.A != 255 || c.R < 240 || c.G < 240 || c.B < 240 {
		t.Errorf("frame at top centre is %v", c)
	}
	if c := want.NRGBAAt(IconSize*40/100, IconSize*42/100); !(c.R > 150 && c.G < 100 && c.B < 60) {
		t.Errorf("hot spot is %v, want red", c)
	}
	if len(Icon().Content()) == 0 {
		t.Error("empty icon resource")
	}
}

func far(a, b uint32) bool { return max(a, b)-min(a, b) > 257 }
