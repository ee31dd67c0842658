package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"camviz/analysis"
	"camviz/compose"
	"camviz/imgio"
)

// encodeXWD writes img as xwd does for a 24-bit TrueColor screen.
func encodeXWD(img *image.RGBA, lsb bool, name string) []byte {
	b := img.Bounds()
	name += "\x00"
	h := xwdHeader{
		HeaderSize: uint32(100 + len(name)), FileVersion: 7, PixmapFormat: zPixmap, PixmapDepth: 24,
		PixmapWidth: uint32(b.Dx()), PixmapHeight: uint32(b.Dy()), BitmapUnit: 32, BitmapPad: 32,
		BitsPerPixel: 32, BytesPerLine: uint32(4*b.Dx() + 8), VisualClass: 4,
		RedMask: 0xff0000, GreenMask: 0xff00, BlueMask: 0xff, BitsPerRGB: 8, ColormapEntries: 256, NColors: 2,
		WindowWidth: uint32(b.Dx()), WindowHeight: uint32(b.Dy()),
	}
	if !lsb {
		h.ByteOrder = 1
	}
	var out bytes.Buffer
	binary.Write(&out, binary.BigEndian, h)
	out.WriteString(name)
	out.Write(make([]byte, 24)) // two colormap entries
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := make([]byte, h.BytesPerLine)
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.RGBAAt(x, y)
			v := uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B)
			p := row[4*(x-b.Min.X):]
			if lsb {
				binary.LittleEndian.PutUint32(p, v)
			} else {
				binary.BigEndian.PutUint32(p, v)
			}
		}
		out.Write(row)
	}
	return out.Bytes()
}

func TestDecodeXWD(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	for _, lsb := range []bool{true, false} {
		got, err := decodeXWD(bytes.NewReader(encodeXWD(img, lsb, "camviz")))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Pix, img.Pix) {
			t.Fatalf("lsb=%v: pixels differ", lsb)
		}
	}
	data := encodeXWD(img, true, "x")
	if _, err := decodeXWD(bytes.NewReader(data[:len(data)-10])); err == nil {
		t.Fatal("a truncated file decoded")
	}
	if _, err := decodeXWD(bytes.NewReader([]byte("not an xwd file at all, but long enough to hold a header of a hundred bytes.........."))); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestChannel(t *testing.T) {
	if channel(0xf800, 0xf800) != 255 || channel(0x1f, 0x1f) != 255 || channel(0x3ff<<20, 0x3ff<<20) != 255 || channel(0, 0xff) != 0 {
		t.Fatal("channel scaling")
	}
}

// TestVerdict: a real Grad-CAM overlay passes; the same photo without its
// heat map, a black screen and a flat window fail.
func TestVerdict(t *testing.T) {
	m, err := analysis.LoadModel("../../../testdata/golden/tinyvgg16/model.onnx", "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.OpenInput("../../../testdata/images/chelsea.png", imgio.ModeWhole)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := a.Map(context.Background(), analysis.MapRequest{Method: "gradcam", Class: a.Top(1)[0].Class})
	if err != nil {
		t.Fatal(err)
	}
	over, err := compose.Export(a, lm, 0, 0, compose.OverlayOptions{Colormap: "jet", Alpha: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	photo := image.NewRGBA(in.Source.Bounds())
	draw.Draw(photo, photo.Bounds(), in.Source, image.Point{}, draw.Src)
	black := image.NewRGBA(photo.Bounds())
	flat := image.NewRGBA(photo.Bounds())
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.RGBA{40, 44, 52, 255}), image.Point{}, draw.Src)

	round := func(img *image.RGBA) report {
		got, err := decodeXWD(bytes.NewReader(encodeXWD(img, true, "camviz")))
		if err != nil {
			t.Fatal(err)
		}
		return measure(got, got.Bounds())
	}
	if v := round(over).verdict(); v != "" {
		t.Fatalf("a real overlay failed: %s (%+v)", v, round(over))
	}
	t.Logf("overlay %+v; photo %+v", round(over), round(photo))
	for name, img := range map[string]*image.RGBA{"photo alone": photo, "black": black, "flat": flat} {
		if r := round(img); r.verdict() == "" {
			t.Errorf("%s passed: %+v", name, r)
		}
	}
}

func TestQuantize(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), uint8(2 * (x + y)), 255})
		}
	}
	q := quantize(img, 16, false)
	if len(q.Palette) != 16 {
		t.Fatalf("%d colours", len(q.Palette))
	}
	// Every pixel lands on a palette colour close to its own.
	worst := 0
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			a := img.RGBAAt(x, y)
			b := q.Palette[q.ColorIndexAt(x, y)].(color.RGBA)
			d := abs(int(a.R)-int(b.R)) + abs(int(a.G)-int(b.G)) + abs(int(a.B)-int(b.B))
			worst = max(worst, d)
		}
	}
	if worst > 140 {
		t.Fatalf("worst error %d", worst)
	}
	two := image.NewRGBA(image.Rect(0, 0, 4, 4))
	two.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	if q := quantize(two, 256, true); len(q.Palette) != 2 || q.ColorIndexAt(0, 0) == q.ColorIndexAt(1, 1) {
		t.Fatalf("two colours → %d", len(q.Palette))
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// The text check passes a line of ink as wide as the text measures, and
// fails a blank area, a shorter line and an area off the screen.
func TestCheckText(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 40))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	blank := image.NewRGBA(img.Bounds())
	draw.Draw(blank, blank.Bounds(), img, image.Point{}, draw.Src)
	// "Glyphs": 2-pixel stems every 5 pixels from x = 20 to 119, with a
	// grey anti-aliased fringe that is not ink.
	for x := 20; x < 120; x++ {
		for y := 12; y < 26; y++ {
			switch {
			case x%5 < 2:
				img.SetRGBA(x, y, color.RGBA{30, 30, 30, 255})
			case x%5 == 2:
				img.SetRGBA(x, y, color.RGBA{200, 200, 200, 255})
			}
		}
	}
	first, last, _ := inkExtent(img, img.Bounds())
	if first != 20 || last != 116 {
		t.Fatalf("ink from %d to %d, want 20 to 116", first, last)
	}
	spot := func(tw int) textSpot { return textSpot{Area: image.Rect(10, 5, 190, 35), Width: tw} }
	if err := checkText(img, spot(100)); err != nil {
		t.Fatalf("a drawn line failed: %v", err)
	}
	if err := checkText(blank, spot(100)); err == nil {
		t.Error("a blank area passed")
	}
	if err := checkText(img, spot(160)); err == nil {
		t.Error("a line 60 px short of its text passed")
	}
	if err := checkText(img, textSpot{Area: image.Rect(150, 5, 260, 35), Width: 50}); err == nil {
		t.Error("an area off the screen passed")
	}
	if _, err := parseTextSpot("1,2,3"); err == nil {
		t.Error("a short -text value parsed")
	}
}
