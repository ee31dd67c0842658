package imgio

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pixelCheck expects colour c (±tol per channel) at (x, y) of the result.
type pixelCheck struct {
	x, y int
	c    [3]uint8
	tol  int
}

type decodeWant struct {
	kind       ErrorKind // 0: must decode
	msg        string    // error substring; the file name is appended to the message
	format     string
	w, h       int // size of the returned (oriented) image
	orient     int
	composited bool
	pixels     []pixelCheck
}

// storedFromDisplayed is the EXIF definition of each orientation written as
// "displayed pixel (x, y) shows stored pixel (sx, sy)" for a stored w×h
// image — deliberately the inverse form of orientedRow, so the two are
// independent.
func storedFromDisplayed(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}

// quadChecks expects the quadImage(64, 48) pattern under orientation o at
// the four quadrant centres of the displayed image.
func quadChecks(o, tol int) []pixelCheck {
	const w, h = 64, 48
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	var out []pixelCheck
	for _, p := range []image.Point{{dw / 4, dh / 4}, {3 * dw / 4, dh / 4}, {dw / 4, 3 * dh / 4}, {3 * dw / 4, 3 * dh / 4}} {
		sx, sy := storedFromDisplayed(o, p.X, p.Y, w, h)
		c := quadColours[quadIndex(sx, sy, w, h)]
		out = append(out, pixelCheck{p.X, p.Y, [3]uint8{c.R, c.G, c.B}, tol})
	}
	return out
}

func okQuad(format string, o, tol int) decodeWant {
	w, h := 64, 48
	if o >= 5 {
		w, h = h, w
	}
	return decodeWant{format: format, w: w, h: h, orient: o, pixels: quadChecks(o, tol)}
}

func fails(kind ErrorKind, msg string) decodeWant { return decodeWant{kind: kind, msg: msg} }

// catalogueWant maps every file in testdata/ to its expected outcome.
func catalogueWant() map[string]decodeWant {
	const (
		notImage = "not an image (or an unsupported format): "
		tooEarly = "(the file ends too early)"
	)
	m := map[string]decodeWant{
		"empty.png":            fails(KindEmpty, "empty file: "),
		"text.png":             fails(KindNotImage, notImage),
		"fake.heic":            fails(KindUnsupported, "HEIC images are not supported"),
		"anim.webp":            fails(KindUnsupported, "animated WebP images are not supported"),
		"bomb_50000x50000.png": fails(KindTooLarge, "image is 50000×50000 pixels, larger than the 100-megapixel limit: "),
		"wide_40000x8.png":     fails(KindTooLarge, "image is 40000×8 pixels, wider or taller than the 30000-pixel limit: "),
		"badcrc.png":           fails(KindCorrupt, "truncated or corrupt PNG: "),
		// Cut inside the 8-byte signature: nothing identifies it any more.
		"trunc_png_4.png":    fails(KindNotImage, notImage),
		"trunc_png_8.png":    fails(KindCorrupt, "truncated or corrupt PNG: "),
		"trunc_png_20.png":   fails(KindCorrupt, "truncated or corrupt PNG: "),
		"trunc_png_33.png":   fails(KindCorrupt, "truncated or corrupt PNG: "),
		"trunc_png_78.png":   fails(KindCorrupt, "truncated or corrupt PNG: "),
		"trunc_jpeg_2.jpg":   fails(KindCorrupt, "truncated or corrupt JPEG: "),
		"trunc_jpeg_100.jpg": fails(KindCorrupt, "truncated or corrupt JPEG: "),
		"trunc_jpeg_391.jpg": fails(KindCorrupt, "truncated or corrupt JPEG: "),
		"trunc_gif.gif":      fails(KindCorrupt, "truncated or corrupt GIF: "),
		"trunc_webp.webp":    fails(KindCorrupt, "truncated or corrupt WebP: "),
		// Only the end marker is missing: decoded like Pillow does.
		"trunc_png_145.png":  okQuad("png", 1, 0),
		"trunc_jpeg_780.jpg": okQuad("jpeg", 1, 8),

		"quad.png":           okQuad("png", 1, 0),
		"quad.jpg":           okQuad("jpeg", 1, 8),
		"quad.gif":           okQuad("gif", 1, 0),
		"quad.bmp":           okQuad("bmp", 1, 0),
		"quad.tiff":          okQuad("tiff", 1, 0),
		"paletted.png":       okQuad("png", 1, 0),
		"quad_lossless.webp": okQuad("webp", 1, 0),
		"quad_lossy.webp":    okQuad("webp", 1, 40),
		// ImageMagick's CMYK (Adobe, inverted) through Go's naive conversion.
		"cmyk.jpg":      okQuad("jpeg", 1, 12),
		"orient_rt.tif": okQuad("tiff", 6, 0),

		"rgb16.png": {format: "png", w: 8, h: 8, orient: 1, pixels: []pixelCheck{{0, 0, [3]uint8{0x12, 0xab, 0xfe}, 0}}},
		"gray16.png": {format: "png", w: 8, h: 8, orient: 1, pixels: []pixelCheck{
			{3, 3, [3]uint8{0x80, 0x80, 0x80}, 0}}},
		"gray.png": {format: "png", w: 16, h: 8, orient: 1, pixels: []pixelCheck{
			{0, 0, [3]uint8{0, 0, 0}, 0}, {5, 7, [3]uint8{80, 80, 80}, 0}, {15, 2, [3]uint8{240, 240, 240}, 0}}},
		// Over black: transparent red → black; 50% white → mid grey.
		"alpha.png": {format: "png", w: 16, h: 8, orient: 1, composited: true, pixels: []pixelCheck{
			{0, 0, [3]uint8{0, 0, 0}, 0}, {12, 4, [3]uint8{128, 128, 128}, 0}}},
		// First frame only: red, not the second frame's blue.
		"anim.gif": {format: "gif", w: 16, h: 16, orient: 1, pixels: []pixelCheck{{8, 8, [3]uint8{255, 0, 0}, 0}}},
		"one.png":  {format: "png", w: 1, h: 1, orient: 1, pixels: []pixelCheck{{0, 0, [3]uint8{10, 200, 30}, 0}}},
		"one.jpg":  {format: "jpeg", w: 1, h: 1, orient: 1, pixels: []pixelCheck{{0, 0, [3]uint8{10, 200, 30}, 6}}},
	}
	for o := 1; o <= 8; o++ {
		m[nameCut("exif_o", o, ".jpg")] = okQuad("jpeg", o, 8)
	}
	return m
}

func TestDecodeCatalogue(t *testing.T) {
	want := catalogueWant()
	entries, err := os.ReadDir(catalogueDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Name() == "README.md" {
			continue
		}
		seen[e.Name()] = true
		if _, ok := want[e.Name()]; !ok {
			t.Errorf("%s has no expectation in catalogueWant", e.Name())
		}
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			if !seen[name] {
				t.Fatalf("missing from %s", catalogueDir)
			}
			path := filepath.Join(catalogueDir, name)
			img, meta, err := DecodeFile(path, Limits{})
			checkDecode(t, path, img, meta, err, w)
		})
	}
}

func checkDecode(t *testing.T, name string, img *image.NRGBA, meta Meta, err error, w decodeWant) {
	t.Helper()
	if w.kind != 0 {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got err %v (%T), want *Error kind %d", err, err, w.kind)
		}
		if e.Kind != w.kind {
			t.Errorf("kind %d, want %d (%v)", e.Kind, w.kind, err)
		}
		if !strings.Contains(err.Error(), w.msg) || !strings.HasSuffix(err.Error(), name) && !strings.Contains(err.Error(), name+" (") {
			t.Errorf("message %q; want it to contain %q and name %q", err, w.msg, name)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("message spans lines: %q", err)
		}
		if img != nil {
			t.Errorf("image returned with an error")
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if meta.Format != w.format || meta.Orientation != w.orient || meta.Composited != w.composited {
		t.Errorf("meta %+v, want format %s orientation %d composited %v", meta, w.format, w.orient, w.composited)
	}
	if img.Rect != image.Rect(0, 0, w.w, w.h) {
		t.Errorf("bounds %v, want %dx%d", img.Rect, w.w, w.h)
	}
	sw, sh := w.w, w.h
	if w.orient >= 5 {
		sw, sh = sh, sw
	}
	if meta.Width != sw || meta.Height != sh {
		t.Errorf("meta size %dx%d, want stored %dx%d", meta.Width, meta.Height, sw, sh)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 255 {
			t.Fatalf("pixel %d not opaque", i/4)
		}
	}
	for _, p := range w.pixels {
		got := img.NRGBAAt(p.x, p.y)
		for c, g := range [3]uint8{got.R, got.G, got.B} {
			if d := int(g) - int(p.c[c]); d > p.tol || -d > p.tol {
				t.Errorf("pixel (%d,%d) = %v, want %v ±%d", p.x, p.y, got, p.c, p.tol)
				break
			}
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	quad, err := os.ReadFile(filepath.Join(catalogueDir, "quad.png"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		lim  Limits
		want decodeWant
	}{
		{"defaults", Limits{}, okQuad("png", 1, 0)},
		{"exactly the budget", Limits{MaxPixels: 64 * 48, MaxSide: 64}, okQuad("png", 1, 0)},
		{"pixels", Limits{MaxPixels: 3071}, fails(KindTooLarge, "image is 64×48 pixels, larger than the 3071-pixel limit: ")},
		{"megapixels label", Limits{MaxPixels: 1_000_000, MaxSide: 63}, fails(KindTooLarge, "wider or taller than the 63-pixel limit")},
		{"file bytes", Limits{MaxFileBytes: 100}, fails(KindTooLarge, "file is larger than the 0 MB limit")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, meta, err := DecodeBytes("q.png", quad, tc.lim)
			checkDecode(t, "q.png", img, meta, err, tc.want)
		})
	}
	if got := pixelsLabel(100_000_000); got != "100-megapixel" {
		t.Errorf("pixelsLabel = %q", got)
	}
}

func TestDecodeEntryPoints(t *testing.T) {
	quad, err := os.ReadFile(filepath.Join(catalogueDir, "quad.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, meta, err := DecodeReader("", bytes.NewReader(quad), Limits{})
	checkDecode(t, "input", img, meta, err, okQuad("jpeg", 1, 8))

	// A reader longer than the file limit is cut off and refused.
	_, _, err = DecodeReader("big", bytes.NewReader(make([]byte, 2000)), Limits{MaxFileBytes: 1000})
	checkDecode(t, "big", nil, Meta{}, err, fails(KindTooLarge, "file is larger than"))

	_, _, err = DecodeBytes("", []byte("hello"), Limits{})
	checkDecode(t, "input", nil, Meta{}, err, fails(KindNotImage, "not an image (or an unsupported format): "))

	missing := filepath.Join(t.TempDir(), "nope.png")
	_, _, err = DecodeFile(missing, Limits{})
	checkDecode(t, missing, nil, Meta{}, err, fails(KindIO, "file not found: "))

	dir := t.TempDir()
	_, _, err = DecodeFile(dir, Limits{})
	checkDecode(t, dir, nil, Meta{}, err, fails(KindIO, "is a folder, not an image file: "))

	big := filepath.Join(t.TempDir(), "big.png")
	if err := os.WriteFile(big, make([]byte, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = DecodeFile(big, Limits{MaxFileBytes: 1000})
	checkDecode(t, big, nil, Meta{}, err, fails(KindTooLarge, "file is larger than"))
}

// TestFlattenOrientations checks every orientation pixel by pixel on a
// non-square image with unique pixels, against the EXIF definition.
func TestFlattenOrientations(t *testing.T) {
	// 70×131 spans several 64-row blocks of the transposing path, with a
	// short last block.
	for _, size := range []image.Point{{5, 3}, {70, 131}} {
		flattenOrientations(t, size.X, size.Y)
	}
}

func flattenOrientations(t *testing.T, w, h int) {
	src := image.NewNRGBA(image.Rect(10, 20, 10+w, 20+h)) // non-zero origin on purpose
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			src.SetNRGBA(10+x, 20+y, color.NRGBA{uint8(x), uint8(y), uint8(10*x + y), 255})
		}
	}
	for o := 1; o <= 8; o++ {
		got, composited := flatten(src, o)
		dw, dh := w, h
		if o >= 5 {
			dw, dh = h, w
		}
		if got.Rect != image.Rect(0, 0, dw, dh) || composited {
			t.Fatalf("o=%d: bounds %v composited %v", o, got.Rect, composited)
		}
		for y := 0; y < dh; y++ {
			for x := 0; x < dw; x++ {
				sx, sy := storedFromDisplayed(o, x, y, w, h)
				if g, want := got.NRGBAAt(x, y), src.NRGBAAt(10+sx, 20+sy); g != want {
					t.Fatalf("%dx%d o=%d (%d,%d) = %v, want %v", w, h, o, x, y, g, want)
				}
			}
		}
	}
}

// TestFlattenTypes covers the colour models decoders return, including the
// premultiplied/over-black rule for translucent pixels.
func TestFlattenTypes(t *testing.T) {
	r := image.Rect(0, 0, 2, 1)
	nrgba := image.NewNRGBA(r)
	nrgba.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 255})
	nrgba.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 51}) // 20%
	rgba64 := image.NewNRGBA64(r)
	rgba64.SetNRGBA64(0, 0, color.NRGBA64{0xffff, 0x8000, 0x0101, 0xffff})
	rgba64.SetNRGBA64(1, 0, color.NRGBA64{0xffff, 0xffff, 0xffff, 0})
	cmyk := image.NewCMYK(r)
	cmyk.SetCMYK(0, 0, color.CMYK{0, 255, 255, 0}) // red
	cmyk.SetCMYK(1, 0, color.CMYK{0, 0, 0, 255})   // black
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio444)
	ycc.Y[0], ycc.Cb[0], ycc.Cr[0] = 76, 85, 255 // ≈ red
	ycc.Y[1], ycc.Cb[1], ycc.Cr[1] = 255, 128, 128
	tests := []struct {
		name       string
		img        image.Image
		want       [2][3]uint8
		composited bool
	}{
		{"nrgba", nrgba, [2][3]uint8{{200, 100, 50}, {40, 20, 10}}, true},
		{"nrgba64", rgba64, [2][3]uint8{{255, 128, 1}, {0, 0, 0}}, true},
		{"cmyk", cmyk, [2][3]uint8{{255, 0, 0}, {0, 0, 0}}, false},
		{"ycbcr", ycc, [2][3]uint8{{254, 0, 0}, {255, 255, 255}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, composited := flatten(tc.img, 1)
			if composited != tc.composited {
				t.Errorf("composited %v", composited)
			}
			for x := 0; x < 2; x++ {
				g := got.NRGBAAt(x, 0)
				w := tc.want[x]
				if absDiff(g.R, w[0]) > 1 || absDiff(g.G, w[1]) > 1 || absDiff(g.B, w[2]) > 1 || g.A != 255 {
					t.Errorf("pixel %d = %v, want %v", x, g, w)
				}
			}
		})
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestErrorMessageOneLine(t *testing.T) {
	e := newErr(KindCorrupt, "a\nb\t c  "+strings.Repeat("é", 400))
	if strings.ContainsAny(e.Msg, "\n\t") || !strings.HasPrefix(e.Msg, "a b c é") {
		t.Errorf("msg %q", e.Msg)
	}
	if !strings.HasSuffix(e.Msg, "…") || len(e.Msg) > 310 || !strings.Contains(e.Msg, "é") {
		t.Errorf("not cut cleanly: %d bytes", len(e.Msg))
	}
	if strings.ContainsRune(e.Msg, '\uFFFD') {
		t.Errorf("split a UTF-8 sequence")
	}
}

// BenchmarkDecodeJPEG8000x6000 decodes a 48-megapixel baseline 4:2:0 JPEG
// (a smooth synthetic photo) to the oriented NRGBA.
//
//	go test -run x -bench DecodeJPEG -benchtime 3x -benchmem ./imgio/
func BenchmarkDecodeJPEG8000x6000(b *testing.B) {
	const w, h = 8000, 6000
	src := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			src.Y[y*src.YStride+x] = uint8((x/7 + y/5) % 256)
		}
	}
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = uint8(i%200+20), uint8(i/src.CStride%200+20)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := withAPP1(buf.Bytes(), exifAPP1(6)) // the rotating path, as from a phone
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := DecodeBytes("big.jpg", data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
