package render_test

import (
	"image"
	"image/color"
	"math"
	"testing"

	"camviz/render"

	"golang.org/x/image/math/fixed"
)

func fixedPoint(x, y int) fixed.Point26_6 { return fixed.P(x, y) }

// ink counts pixels within r that differ from bg: text and ticks.
func ink(img *image.RGBA, r image.Rectangle, bg color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) != bg {
				n++
			}
		}
	}
	return n
}

var white = color.RGBA{255, 255, 255, 255}

func TestNewFace(t *testing.T) {
	face, err := render.NewFace(20)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	m := face.Metrics()
	if h := (m.Ascent + m.Descent).Ceil(); h < 18 || h > 30 {
		t.Errorf("20 px face has line height %d", h)
	}
	adv, ok := face.GlyphAdvance('M')
	if !ok || adv.Ceil() < 10 || adv.Ceil() > 20 {
		t.Errorf("advance of M = %v, %v", adv, ok)
	}
	// A glyph mask has ink, and "I" is a tall thin stroke.
	dr, mask, mp, _, ok := face.Glyph(fixedPoint(10, 30), 'I')
	if !ok {
		t.Fatal("no glyph for I")
	}
	var sum int
	for y := dr.Min.Y; y < dr.Max.Y; y++ {
		for x := dr.Min.X; x < dr.Max.X; x++ {
			_, _, _, a := mask.At(mp.X+x-dr.Min.X, mp.Y+y-dr.Min.Y).RGBA()
			sum += int(a >> 8)
		}
	}
	if dr.Dy() < 12 || dr.Dx() > 8 || sum < 255*dr.Dy() {
		t.Errorf("glyph I: rect %v, ink %d", dr, sum)
	}
	for _, s := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := render.NewFace(s); err == nil {
			t.Errorf("size %v accepted", s)
		}
	}
}

func TestColorBar(t *testing.T) {
	for _, o := range []render.BarOptions{
		{Range: render.Unit(), Length: 200, Thickness: 20},
		{Range: render.Symmetric(0.8), LUT: render.Coolwarm(), Length: 300, Orientation: render.Horizontal},
	} {
		img, err := render.ColorBar(o)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		lut := o.LUT
		if lut == nil {
			lut = render.Jet()
		}
		if o.Orientation == render.Vertical {
			if b.Dy() < o.Length || b.Dx() <= o.Thickness {
				t.Errorf("vertical bar %v for length %d", b, o.Length)
			}
			// Top of the strip shows Hi, bottom Lo (pixel centres: the
			// top one is at 199.5/200 of the range, entry 254).
			margin := (b.Dy() - o.Length) / 2
			if img.RGBAAt(1, margin) != lut.RGBA(254) || img.RGBAAt(1, margin+o.Length-1) != lut.RGBA(0) {
				t.Errorf("strip ends %v %v", img.RGBAAt(1, margin), img.RGBAAt(1, margin+o.Length-1))
			}
			// Labels right of the strip.
			if n := ink(img, image.Rect(o.Thickness+5, 0, b.Dx(), b.Dy()), white); n < 50 {
				t.Errorf("vertical bar labels: %d ink pixels", n)
			}
		} else {
			if b.Dx() < o.Length {
				t.Errorf("horizontal bar %v for length %d", b, o.Length)
			}
			thick := max(8, o.Length/12)
			if n := ink(img, image.Rect(0, thick+5, b.Dx(), b.Dy()), white); n < 50 {
				t.Errorf("horizontal bar labels: %d ink pixels", n)
			}
			margin := (b.Dx() - o.Length) / 2
			if mid := img.RGBAAt(margin+o.Length/2, 1); !greyish(mid) {
				t.Errorf("middle of a symmetric coolwarm bar is not grey: %v", mid)
			}
		}
	}
	for _, o := range []render.BarOptions{
		{Range: render.Unit(), Length: 0},
		{Range: render.Range{Lo: 1, Hi: 1}, Length: 10},
	} {
		if _, err := render.ColorBar(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestCaption(t *testing.T) {
	img := grey(120, 80, 50)
	for _, above := range []bool{false, true} {
		out, err := render.Caption(img, []string{"Grad-CAM f29", "class 7 (tabby)"}, render.CaptionOptions{Above: above})
		if err != nil {
			t.Fatal(err)
		}
		b := out.Bounds()
		band := b.Dy() - 80
		if b.Dx() != 120 || band < 24 {
			t.Fatalf("captioned size %v", b)
		}
		imgTop, bandTop := 0, 80
		if above {
			imgTop, bandTop = band, 0
		}
		if out.RGBAAt(60, imgTop+40) != (color.RGBA{50, 50, 50, 255}) {
			t.Error("image not where expected")
		}
		if n := ink(out, image.Rect(0, bandTop, 120, bandTop+band), white); n < 100 {
			t.Errorf("caption has %d ink pixels", n)
		}
	}
	if out, err := render.Caption(img, nil, render.CaptionOptions{}); err != nil || out.Bounds().Dy() != 80 {
		t.Errorf("no lines: %v, %v", out.Bounds(), err)
	}
}

func TestCompose(t *testing.T) {
	overlay := grey(224, 224, 80)
	out, err := render.Compose(overlay, render.ComposeOptions{
		Bar:     &render.BarOptions{Range: render.Unit()},
		Caption: []string{"Grad-CAM — features.29 — class 7"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := out.Bounds()
	if b.Dx() <= 224+10 || b.Dy() <= 224+10 {
		t.Fatalf("composite %v has no room for bar and caption", b)
	}
	// The overlay is at the top-left, unchanged.
	if out.RGBAAt(100, 100) != (color.RGBA{80, 80, 80, 255}) {
		t.Error("overlay missing")
	}
	// The bar: jet colours right of the overlay.
	jet := render.Jet()
	found := false
	for x := 224; x < b.Dx() && !found; x++ {
		found = out.RGBAAt(x, 112) == jet.RGBA(127) || out.RGBAAt(x, 112) == jet.RGBA(128)
	}
	if !found {
		t.Error("no colour bar right of the overlay")
	}
	// The caption: ink under the overlay.
	if n := ink(out, image.Rect(0, 225, 224, b.Dy()), white); n < 100 {
		t.Errorf("caption has %d ink pixels", n)
	}
	// Without bar and caption the composite is the overlay.
	plain, err := render.Compose(overlay, render.ComposeOptions{})
	if err != nil || plain.Bounds() != overlay.Bounds() {
		t.Errorf("plain composite %v, %v", plain.Bounds(), err)
	}
	// Big exports get big text: the caption band grows with the image.
	big, err := render.Compose(grey(2000, 100, 80), render.ComposeOptions{Caption: []string{"x"}})
	if err != nil || big.Bounds().Dy()-100 < 50 {
		t.Errorf("caption band of a 2000 px export: %v, %v", big.Bounds(), err)
	}
}

func TestBlendContrast(t *testing.T) {
	a := render.Field{W: 2, H: 1, Data: []float32{1, 0}}
	b := render.Field{W: 2, H: 1, Data: []float32{0, 0.5}}
	for _, c := range []struct {
		t    float32
		want []float32
	}{{0, []float32{1, 0}}, {1, []float32{0, 0.5}}, {0.25, []float32{0.75, 0.125}}} {
		got, err := render.Blend(a, b, c.t)
		if err != nil {
			t.Fatal(err)
		}
		if got.Data[0] != c.want[0] || got.Data[1] != c.want[1] {
			t.Errorf("Blend(t=%v) = %v, want %v", c.t, got.Data, c.want)
		}
	}
	d, err := render.Contrast(a, b)
	if err != nil || d.Data[0] != 1 || d.Data[1] != -0.5 {
		t.Errorf("Contrast = %v, %v", d.Data, err)
	}
	if m := render.MaxAbs(d, render.Field{W: 1, H: 1, Data: []float32{float32(math.NaN())}}); m != 1 {
		t.Errorf("MaxAbs = %v", m)
	}
	if _, err := render.Blend(a, b, 1.5); err == nil {
		t.Error("t = 1.5 accepted")
	}
	c := render.Field{W: 1, H: 2, Data: []float32{0, 0}}
	if _, err := render.Blend(a, c, 0.5); err == nil {
		t.Error("fields of different sizes blended")
	}
	if _, err := render.Contrast(a, c); err == nil {
		t.Error("fields of different sizes contrasted")
	}
}

// greyish reports whether c is within 2 levels of a grey.
func greyish(c color.RGBA) bool {
	hi, lo := max(c.R, c.G, c.B), min(c.R, c.G, c.B)
	return hi-lo <= 2
}
