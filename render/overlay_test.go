package render_test

import (
	"image"
	"image/color"
	"math"
	"testing"

	"camviz/render"
)

func uniformField(w, h int, v float32) render.Field {
	f := render.Field{W: w, H: h, Data: make([]float32, w*h)}
	for i := range f.Data {
		f.Data[i] = v
	}
	return f
}

func grey(w, h int, v uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = v, v, v, 255
	}
	return img
}

// A field smaller than the image covers only its rectangle; the rest of
// the image is untouched, and the rectangle follows the formula.
func TestOverlayRegion(t *testing.T) {
	base := grey(10, 8, 100)
	base.Rect = image.Rect(5, 5, 15, 13) // non-zero origin
	f := uniformField(4, 3, 1)           // jet[255] = (128, 0, 0)
	out, err := render.Overlay(base, f, image.Pt(2, 1), render.DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	if out.Bounds() != base.Bounds() {
		t.Fatalf("bounds %v, want %v", out.Bounds(), base.Bounds())
	}
	// Inside: 0.5·128/255 + 0.5·100/255 = 0.447; 0.5·0 + 0.5·100/255 = 0.196;
	// divided by the max 0.447: red 255, green and blue 255·0.196/0.447.
	img, heat := 0.5*(100.0/255), float32(0.5)*(float32(128)/255)
	gb := uint8(255 * (img / (float64(heat) + img)))
	for y := 5; y < 13; y++ {
		for x := 5; x < 15; x++ {
			c := out.RGBAAt(x, y)
			inside := x >= 7 && x < 11 && y >= 6 && y < 9
			want := color.RGBA{100, 100, 100, 255}
			if inside {
				want = color.RGBA{255, gb, gb, 255}
			}
			if c != want {
				t.Fatalf("pixel (%d,%d) = %v, want %v (inside %v)", x, y, c, want, inside)
			}
		}
	}
	// A field partly outside the image is clipped, not an error.
	if _, err := render.Overlay(base, f, image.Pt(8, 6), render.DefaultStyle()); err != nil {
		t.Errorf("clipped overlay: %v", err)
	}
}

// Alpha 0 shows only the (renormalised) image, alpha 1 only the heat map.
func TestOverlayAlpha(t *testing.T) {
	base := grey(3, 2, 51)
	base.Pix[0] = 102 // one brighter red value sets the max
	f := uniformField(3, 2, 0.5)
	st := render.DefaultStyle()
	st.Alpha = 0
	out, err := render.Overlay(base, f, image.Point{}, st)
	if err != nil {
		t.Fatal(err)
	}
	if out.Pix[0] != 255 || out.Pix[1] != 127 { // 51/102 of 255 = 127.5, truncated
		t.Errorf("alpha 0: %v", out.Pix[:4])
	}
	st.Alpha = 1
	out, err = render.Overlay(base, f, image.Point{}, st)
	if err != nil {
		t.Fatal(err)
	}
	jet := render.Jet()
	c := jet[127]
	hi := max(c[0], c[1], c[2])
	for k := range 3 {
		want := uint8(255 * (float64(float32(c[k])/255) / float64(float32(hi)/255)))
		if out.Pix[k] != want {
			t.Errorf("alpha 1 channel %d = %d, want %d", k, out.Pix[k], want)
		}
	}
	for _, a := range []float64{-0.1, 1.1, math.NaN()} {
		st.Alpha = a
		if _, err := render.Overlay(base, f, image.Point{}, st); err == nil {
			t.Errorf("alpha %v accepted", a)
		}
	}
	if _, err := render.Overlay(base, render.Field{W: 2, H: 2, Data: make([]float32, 3)}, image.Point{}, render.DefaultStyle()); err == nil {
		t.Error("malformed field accepted")
	}
}

// Photos decode as YCbCr or Gray: they must work and give the same result
// as the same pixels in RGBA.
func TestOverlayImageTypes(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(16 * i)
	}
	rgba := image.NewRGBA(gray.Bounds())
	for i, v := range gray.Pix {
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v, v, 255
	}
	ycc := image.NewYCbCr(gray.Bounds(), image.YCbCrSubsampleRatio444)
	copy(ycc.Y, gray.Pix)
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	f := render.Field{W: 4, H: 4, Data: make([]float32, 16)}
	for i := range f.Data {
		f.Data[i] = float32(i) / 15
	}
	want, err := render.Overlay(rgba, f, image.Point{}, render.DefaultStyle())
	if err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]image.Image{"Gray": gray, "YCbCr": ycc} {
		got, err := render.Overlay(img, f, image.Point{}, render.DefaultStyle())
		if err != nil {
			t.Fatal(err)
		}
		for i := range got.Pix {
			if d := int(got.Pix[i]) - int(want.Pix[i]); d > 1 || d < -1 {
				t.Errorf("%s differs from RGBA at byte %d: %d vs %d", name, i, got.Pix[i], want.Pix[i])
				break
			}
		}
	}
}

// Signed maps: 0 is drawn with the diverging map's middle (grey), the
// limits with its ends.
func TestSignedStyle(t *testing.T) {
	f := render.Field{W: 3, H: 1, Data: []float32{-2, 0, 2}}
	st := render.SignedStyle(render.MaxAbs(f), 1)
	img, err := render.Colorize(f, st.Range, st.LUT)
	if err != nil {
		t.Fatal(err)
	}
	cw := render.Coolwarm()
	for x, want := range []color.RGBA{cw.RGBA(0), cw.RGBA(127), cw.RGBA(255)} {
		if got := img.RGBAAt(x, 0); got != want {
			t.Errorf("x=%d: %v, want %v", x, got, want)
		}
	}
	if mid := img.RGBAAt(1, 0); !greyish(mid) {
		t.Errorf("zero is not grey: %v", mid)
	}
}

func TestColorize(t *testing.T) {
	f := render.Field{W: 2, H: 1, Data: []float32{0, 1}}
	img, err := render.Colorize(f, render.Unit(), render.Jet())
	if err != nil {
		t.Fatal(err)
	}
	if img.RGBAAt(0, 0) != (color.RGBA{0, 0, 128, 255}) || img.RGBAAt(1, 0) != (color.RGBA{128, 0, 0, 255}) {
		t.Errorf("colorize: %v %v", img.RGBAAt(0, 0), img.RGBAAt(1, 0))
	}
	if _, err := render.Colorize(render.Field{W: 1, H: 1}, render.Unit(), render.Jet()); err == nil {
		t.Error("empty field accepted")
	}
}

func BenchmarkOverlay4000x3000(b *testing.B) {
	base := grey(4000, 3000, 90)
	f := render.Field{W: 4000, H: 3000, Data: make([]float32, 4000*3000)}
	for i := range f.Data {
		f.Data[i] = float32(i%4000) / 4000
	}
	st := render.DefaultStyle()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := render.Overlay(base, f, image.Point{}, st); err != nil {
			b.Fatal(err)
		}
	}
}
