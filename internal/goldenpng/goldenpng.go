// Package goldenpng compares a picture with a golden PNG for the tests of
// every package that draws (the composer, the report, the layer strip).
//
// The maps under a picture come from a model: another BLAS kernel set or
// product shape rounds them differently, and a value on a colour map's
// step lands one or two levels away. A drawing bug — a shifted map, a
// wrong colour map or scale, a lost caption — moves many pixels far. So
// Check allows at most MaxShare of the pixels to differ, each by at most
// MaxLevels in any channel.
package goldenpng

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"camviz/internal/files"
)

// The tolerance: how far one pixel may move, and how many may.
const (
	MaxLevels = 6
	MaxShare  = 0.005
)

// Check compares img with the PNG at path; with update it writes img
// there instead (creating the folder).
func Check(t testing.TB, path string, img image.Image, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := files.WriteAtomic(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := Read(t, path)
	if err := Diff(img, want); err != "" {
		t.Errorf("%s: %s", filepath.Base(path), err)
	}
}

// Diff says how got differs from want beyond the tolerance, "" when it
// does not.
func Diff(got, want image.Image) string {
	if want.Bounds() != got.Bounds() {
		return fmt.Sprintf("%v, golden %v", got.Bounds(), want.Bounds())
	}
	b := got.Bounds()
	differ := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g, w := RGBA(got, x, y), RGBA(want, x, y)
			if g == w {
				continue
			}
			differ++
			if d := levels(g, w); d > MaxLevels {
				return fmt.Sprintf("at (%d,%d): %v, golden %v (%d levels apart)", x, y, g, w, d)
			}
		}
	}
	if share := float64(differ) / float64(b.Dx()*b.Dy()); share > MaxShare {
		return fmt.Sprintf("%d pixels (%.2f%%) differ from the golden picture", differ, 100*share)
	}
	return ""
}

// Read decodes the PNG at path.
func Read(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// Pixel is a colour as 8-bit alpha-premultiplied channels: color.RGBA, so
// that it compares with what an *image.RGBA holds.
type Pixel = color.RGBA

// RGBA is img's colour at (x, y).
func RGBA(img image.Image, x, y int) Pixel {
	r, g, b, a := img.At(x, y).RGBA()
	return Pixel{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}

// levels is the largest difference between two colours' channels.
func levels(a, b Pixel) int {
	d := 0
	for _, c := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}, {a.A, b.A}} {
		d = max(d, int(c[0])-int(c[1]), int(c[1])-int(c[0]))
	}
	return d
}
