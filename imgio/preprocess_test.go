package imgio

import (
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"camviz/internal/npytest"
)

const goldenDir = "../testdata/golden/tinyvgg16"

func loadChelsea(t testing.TB) *image.NRGBA {
	t.Helper()
	img, meta, err := DecodeFile("../testdata/images/chelsea.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Width != 451 || meta.Height != 300 {
		t.Fatalf("chelsea is %d×%d, want 451×300", meta.Width, meta.Height)
	}
	return img
}

// TestGoldenModelView compares our Resize(256)+CenterCrop(224) with the
// uint8 crop torchvision/PIL produced (base_rgb_u8.npy, HWC).
func TestGoldenModelView(t *testing.T) {
	want, _ := npytest.Uint8(t, filepath.Join(goldenDir, "base_rgb_u8.npy"))
	if len(want) != 224*224*3 {
		t.Fatalf("golden has %d values", len(want))
	}
	view, g, err := ModelView(loadChelsea(t), ImageNetSpec())
	if err != nil {
		t.Fatal(err)
	}
	maxDiff, nDiff := 0, 0
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			for c := 0; c < 3; c++ {
				d := int(view.Pix[y*view.Stride+x*4+c]) - int(want[(y*224+x)*3+c])
				if d < 0 {
					d = -d
				}
				if d > 0 {
					nDiff++
				}
				maxDiff = max(maxDiff, d)
			}
		}
	}
	t.Logf("uint8 crop vs PIL: max |diff| = %d levels, %d of %d samples differ", maxDiff, nDiff, len(want))
	if maxDiff > 0 {
		t.Errorf("uint8 crop differs from PIL by up to %d levels (%d samples); the resampler should be bit-exact", maxDiff, nDiff)
	}
	// 451×300 → short side 256 → 384×256 (int(256·451/300) = 384), crop
	// at (80, 16).
	if g.ResizedW != 384 || g.ResizedH != 256 || g.Crop != image.Rect(80, 16, 304, 240) {
		t.Errorf("geometry %+v", g)
	}
	sx := 451.0 / 384
	if wantSrc := (RectF{80 * sx, 16 * 300.0 / 256, 304 * sx, 240 * 300.0 / 256}); g.Src != wantSrc {
		t.Errorf("Src = %+v, want %+v", g.Src, wantSrc)
	}
}

// TestGoldenTensor compares the full preprocessing with input.npy.
func TestGoldenTensor(t *testing.T) {
	want, shape, err := ReadInputNPYFile(filepath.Join(goldenDir, "input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if shape != [4]int{1, 3, 224, 224} {
		t.Fatalf("golden shape %v", shape)
	}
	got, _, err := Preprocess(loadChelsea(t), ImageNetSpec())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("len %d, want %d", len(got), len(want))
	}
	maxAbs := 0.0
	for i := range got {
		maxAbs = math.Max(maxAbs, math.Abs(float64(got[i]-want[i])))
	}
	t.Logf("tensor vs input.npy: max |diff| = %.3g (normalised units)", maxAbs)
	// Bit-exact pixels leave only float32 rounding (x·(1/255) vs x/255).
	if maxAbs > 1e-5 {
		t.Errorf("max |diff| = %g, want ≤ 1e-5", maxAbs)
	}
}

func solidImage(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func TestGeometry(t *testing.T) {
	crop := ImageNetSpec()
	whole := ImageNetSpec()
	whole.Mode = ModeWhole
	pad := ImageNetSpec()
	pad.ResizeShort = 200
	tests := []struct {
		name     string
		w, h     int
		spec     Spec
		rw, rh   int
		crop     image.Rectangle
		wantSrc0 [2]float64 // Src.X0, Src.Y0
	}{
		{"landscape", 451, 300, crop, 384, 256, image.Rect(80, 16, 304, 240), [2]float64{80 * 451.0 / 384, 16 * 300.0 / 256}},
		{"portrait", 300, 451, crop, 256, 384, image.Rect(16, 80, 240, 304), [2]float64{16 * 300.0 / 256, 80 * 451.0 / 384}},
		// int(256·300/225) = 341; (341−224)/2 = 58.5 rounds half to even: 58.
		{"half to even down", 225, 300, crop, 256, 341, image.Rect(16, 58, 240, 282), [2]float64{16 * 225.0 / 256, 58 * 300.0 / 341}},
		// (259−224)/2 = 17.5 → 18.
		{"half to even up", 259, 256, crop, 259, 256, image.Rect(18, 16, 242, 240), [2]float64{18, 16}},
		{"square", 1000, 1000, crop, 256, 256, image.Rect(16, 16, 240, 240), [2]float64{62.5, 62.5}},
		{"tiny", 1, 1, crop, 256, 256, image.Rect(16, 16, 240, 240), [2]float64{16.0 / 256, 16.0 / 256}},
		// Resized short side 200 < 224: torchvision pads (224−200)//2 = 12 on top.
		{"padded", 400, 300, pad, 266, 200, image.Rect(21, -12, 245, 212), [2]float64{21 * 400.0 / 266, -12 * 300.0 / 200}},
		{"whole", 451, 300, whole, 224, 224, image.Rect(0, 0, 224, 224), [2]float64{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view, g, err := ModelView(solidImage(tc.w, tc.h, color.NRGBA{9, 99, 199, 255}), tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if g.ResizedW != tc.rw || g.ResizedH != tc.rh || g.Crop != tc.crop || g.SrcW != tc.w || g.SrcH != tc.h || g.InW != 224 || g.InH != 224 {
				t.Errorf("geometry %+v, want resized %dx%d crop %v", g, tc.rw, tc.rh, tc.crop)
			}
			if math.Abs(g.Src.X0-tc.wantSrc0[0]) > 1e-9 || math.Abs(g.Src.Y0-tc.wantSrc0[1]) > 1e-9 {
				t.Errorf("Src %+v, want origin %v", g.Src, tc.wantSrc0)
			}
			// The tensor's corners map onto Src's corners.
			x0, y0 := g.ToSource(0, 0)
			x1, y1 := g.ToSource(224, 224)
			if math.Abs(x0-g.Src.X0) > 1e-9 || math.Abs(y0-g.Src.Y0) > 1e-9 || math.Abs(x1-g.Src.X1) > 1e-9 || math.Abs(y1-g.Src.Y1) > 1e-9 {
				t.Errorf("ToSource corners (%v,%v)-(%v,%v), Src %+v", x0, y0, x1, y1, g.Src)
			}
			if tc.name == "whole" && g.Src != (RectF{0, 0, 451, 300}) {
				t.Errorf("whole mode Src %+v", g.Src)
			}
			if view.Rect != image.Rect(0, 0, 224, 224) {
				t.Fatalf("view %v", view.Rect)
			}
			// A solid image stays solid, except torchvision's black padding.
			for y := 0; y < 224; y++ {
				want := color.NRGBA{9, 99, 199, 255}
				if ry := tc.crop.Min.Y + y; ry < 0 || ry >= tc.rh {
					want = color.NRGBA{0, 0, 0, 255}
				}
				for _, x := range []int{0, 111, 223} {
					if got := view.NRGBAAt(x, y); got != want {
						t.Fatalf("view (%d,%d) = %v, want %v", x, y, got, want)
					}
				}
			}
		})
	}
}

func TestToTensorValues(t *testing.T) {
	spec := ImageNetSpec()
	img := solidImage(300, 260, color.NRGBA{124, 116, 104, 255})
	img.SetNRGBA(150, 130, color.NRGBA{255, 0, 0, 255}) // the centre pixel, after 260→256 it blurs
	tensor, _, err := Preprocess(img, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(tensor) != 3*224*224 {
		t.Fatalf("len %d", len(tensor))
	}
	// Corner pixel: untouched by the red dot.
	for c, v := range []float32{124, 116, 104} {
		want := (v/255 - spec.Mean[c]) / spec.Std[c]
		if got := tensor[c*224*224]; math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("channel %d = %v, want %v", c, got, want)
		}
	}
	// NCHW: the red dot raises R and lowers G near the middle, plane by plane.
	mid := 112*224 + 112
	if !(tensor[mid] > tensor[0] && tensor[224*224+mid] < tensor[224*224]) {
		t.Errorf("planes are not in R, G, B order: R %v/%v G %v/%v", tensor[mid], tensor[0], tensor[224*224+mid], tensor[224*224])
	}

	// Custom scale/mean/std and Gray.
	custom := Spec{Width: 4, Height: 2, Mode: ModeWhole, Mean: [3]float32{1, 2, 3}, Std: [3]float32{2, 2, 2}, Scale: 1, Gray: true}
	got, _, err := Preprocess(solidImage(8, 8, color.NRGBA{255, 0, 0, 255}), custom)
	if err != nil {
		t.Fatal(err)
	}
	// Pillow L of pure red: (255·19595 + 32768) >> 16 = 76.
	for c := 0; c < 3; c++ {
		if want := (76 - float32(c+1)) / 2; got[c*8] != want {
			t.Errorf("gray channel %d = %v, want %v", c, got[c*8], want)
		}
	}

	if _, err := ToTensor(solidImage(10, 10, color.NRGBA{}), spec); err == nil {
		t.Error("wrong view size accepted")
	}
}

func TestSpecErrors(t *testing.T) {
	base := ImageNetSpec()
	mod := func(f func(*Spec)) Spec { s := base; f(&s); return s }
	tests := []struct {
		name string
		spec Spec
		want string // "" = valid
	}{
		{"imagenet", base, ""},
		{"empty mode means crop", mod(func(s *Spec) { s.Mode = "" }), ""},
		{"zero scale means 1/255", mod(func(s *Spec) { s.Scale = 0 }), ""},
		{"zero width", mod(func(s *Spec) { s.Width = 0 }), "model input size"},
		{"huge height", mod(func(s *Spec) { s.Height = 100000 }), "model input size"},
		{"mode", mod(func(s *Spec) { s.Mode = "letterbox" }), "unknown preprocessing mode"},
		{"resize", mod(func(s *Spec) { s.ResizeShort = -3 }), "resize size"},
		{"std", mod(func(s *Spec) { s.Std[1] = 0 }), "std[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Preprocess(solidImage(30, 20, color.NRGBA{A: 255}), tc.spec)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	if s, _ := base.resolve(); s.ResizeShort != 256 {
		t.Errorf("default ResizeShort for 224 = %d, want 256", s.ResizeShort)
	}
	if s, _ := (Spec{Width: 320, Height: 288, Std: [3]float32{1, 1, 1}}).resolve(); s.ResizeShort != 365 {
		t.Errorf("default ResizeShort for 320 = %d, want floor(320/0.875) = 365", s.ResizeShort)
	}
	if _, _, err := ModelView(image.NewNRGBA(image.Rect(0, 0, 0, 5)), base); err == nil {
		t.Error("empty image accepted")
	}
}

// BenchmarkPreprocess8000x6000 is a 48-megapixel photo to a 224 input.
//
//	go test -run x -bench Preprocess -benchtime 10x ./imgio/
func BenchmarkPreprocess8000x6000(b *testing.B) {
	img := noiseImage(8000, 6000, 3)
	spec := ImageNetSpec()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Preprocess(img, spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPreprocessChelsea(b *testing.B) {
	img := loadChelsea(b)
	spec := ImageNetSpec()
	for b.Loop() {
		if _, _, err := Preprocess(img, spec); err != nil {
			b.Fatal(err)
		}
	}
}
