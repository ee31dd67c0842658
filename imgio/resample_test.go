package imgio

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// noiseImage is a deterministic w×h image with random pixels (the worst
// case for rounding agreement).
func noiseImage(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// refResize is an independent, deliberately naive float64 version of
// Pillow's two-pass bilinear: full-size intermediate, round-half-up at each
// pass. It must agree with the fixed-point implementation to ±1 level
// (fixed point and float round differently only on near-ties).
func refResize(src *image.NRGBA, ow, oh int) [][3]float64 {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	weights := func(in, out int) (starts []int, ws [][]float64) {
		scale := float64(in) / float64(out)
		fs := math.Max(scale, 1)
		for o := 0; o < out; o++ {
			c := (float64(o) + 0.5) * scale
			lo := max(0, int(c-fs+0.5))
			hi := min(in, int(c+fs+0.5))
			var w []float64
			sum := 0.0
			for i := lo; i < hi; i++ {
				v := math.Max(0, 1-math.Abs((float64(i)-c+0.5)/fs))
				w = append(w, v)
				sum += v
			}
			for i := range w {
				w[i] /= sum
			}
			starts, ws = append(starts, lo), append(ws, w)
		}
		return
	}
	hs, hw := weights(sw, ow)
	vs, vw := weights(sh, oh)
	tmp := make([][3]float64, ow*sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < ow; x++ {
			var acc [3]float64
			for i, w := range hw[x] {
				p := src.NRGBAAt(src.Rect.Min.X+hs[x]+i, src.Rect.Min.Y+y)
				acc[0] += w * float64(p.R)
				acc[1] += w * float64(p.G)
				acc[2] += w * float64(p.B)
			}
			for c := range acc {
				tmp[y*ow+x][c] = math.Min(255, math.Floor(acc[c]+0.5))
			}
		}
	}
	out := make([][3]float64, ow*oh)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var acc [3]float64
			for i, w := range vw[y] {
				for c := 0; c < 3; c++ {
					acc[c] += w * tmp[(vs[y]+i)*ow+x][c]
				}
			}
			for c := range acc {
				out[y*ow+x][c] = math.Min(255, math.Floor(acc[c]+0.5))
			}
		}
	}
	return out
}

func TestResizeAgainstReference(t *testing.T) {
	tests := []struct{ sw, sh, ow, oh int }{
		{451, 300, 384, 256}, // the ImageNet resize of chelsea
		{97, 61, 13, 7},      // strong odd-factor shrink
		{640, 480, 224, 224}, // aspect change
		{13, 9, 40, 31},      // upscale (support stays 1)
		{50, 50, 50, 50},     // identity
		{1, 1, 5, 3},         // 1×1 source
		{300, 2, 7, 1},       // degenerate height
	}
	for _, tc := range tests {
		src := noiseImage(tc.sw+3, tc.sh+2, uint64(tc.sw*tc.sh))
		// A sub-image with a non-zero origin exercises PixOffset handling.
		sub := src.SubImage(image.Rect(3, 2, 3+tc.sw, 2+tc.sh)).(*image.NRGBA)
		got := Resize(sub, tc.ow, tc.oh)
		want := refResize(sub, tc.ow, tc.oh)
		maxD := 0.0
		for y := 0; y < tc.oh; y++ {
			for x := 0; x < tc.ow; x++ {
				p := got.NRGBAAt(x, y)
				for c, v := range [3]uint8{p.R, p.G, p.B} {
					maxD = math.Max(maxD, math.Abs(float64(v)-want[y*tc.ow+x][c]))
				}
				if p.A != 255 {
					t.Fatalf("alpha %d", p.A)
				}
			}
		}
		if maxD > 1 {
			t.Errorf("%dx%d→%dx%d: max diff %v levels vs float reference", tc.sw, tc.sh, tc.ow, tc.oh, maxD)
		}
		if tc.sw == tc.ow && tc.sh == tc.oh {
			for y := 0; y < tc.sh; y++ {
				for x := 0; x < tc.sw; x++ {
					if got.NRGBAAt(x, y) != sub.NRGBAAt(3+x, 2+y) {
						t.Fatalf("identity resize changed pixel (%d,%d)", x, y)
					}
				}
			}
		}
	}
}

// TestResampleWindowMatchesFullResize: computing only a window must give
// exactly the pixels of a full resize followed by a crop, across band
// boundaries.
func TestResampleWindowMatchesFullResize(t *testing.T) {
	src := noiseImage(700, 530, 7)
	full := Resize(src, 301, 229)
	for _, win := range []image.Rectangle{
		image.Rect(0, 0, 301, 229), image.Rect(38, 2, 262, 226), image.Rect(300, 228, 301, 229), image.Rect(5, 31, 6, 97),
	} {
		part := resampleWindow(src, 301, 229, win)
		for y := 0; y < win.Dy(); y++ {
			for x := 0; x < win.Dx(); x++ {
				if part.NRGBAAt(x, y) != full.NRGBAAt(win.Min.X+x, win.Min.Y+y) {
					t.Fatalf("window %v differs at (%d,%d)", win, x, y)
				}
			}
		}
	}
}

func TestResizeConstantAndBadSizes(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 333, 77))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{17, 130, 255, 255})
	}
	out := Resize(img, 31, 200)
	for i := 0; i < len(out.Pix); i += 4 {
		if out.Pix[i] != 17 || out.Pix[i+1] != 130 || out.Pix[i+2] != 255 {
			t.Fatalf("constant image changed: %v", out.Pix[i:i+4])
		}
	}
	if Resize(img, 0, 5) != nil || Resize(img, 5, -1) != nil || Resize(image.NewNRGBA(image.Rect(0, 0, 0, 0)), 3, 3) != nil {
		t.Error("bad sizes must give nil")
	}
}

func TestDownscale(t *testing.T) {
	tests := []struct{ w, h, max, ww, wh int }{
		{2000, 1500, 1024, 1024, 768},
		{1500, 2000, 1024, 768, 1024},
		{5000, 10, 1000, 1000, 2},
		{10, 5000, 1000, 2, 1000},
		{5000, 2, 1000, 1000, 1}, // never rounds a side to 0
		{4096, 100, 4096, 4096, 100},
		{300, 200, 0, 300, 200},
	}
	for _, tc := range tests {
		// Only the size matters here; a constant image keeps it cheap to check.
		img := image.NewNRGBA(image.Rect(0, 0, tc.w, tc.h))
		got := Downscale(img, tc.max)
		if got.Rect.Dx() != tc.ww || got.Rect.Dy() != tc.wh {
			t.Errorf("%dx%d max %d → %v, want %dx%d", tc.w, tc.h, tc.max, got.Rect, tc.ww, tc.wh)
		}
		if tc.ww == tc.w && tc.wh == tc.h && got != img {
			t.Errorf("image that fits must be returned as is")
		}
	}
}

// Benchmarks for the working-copy filter choice (see Downscale):
//
//	go test -run x -bench Downscale -benchtime 3x ./imgio/
func BenchmarkDownscale(b *testing.B) {
	src := noiseImage(8000, 6000, 1)
	const ow, oh = 4096, 3072
	b.Run("pillow-bilinear", func(b *testing.B) {
		for b.Loop() {
			Downscale(src, 4096)
		}
	})
	for _, k := range []struct {
		name string
		s    xdraw.Scaler
	}{{"xdraw-ApproxBiLinear", xdraw.ApproxBiLinear}, {"xdraw-BiLinear", xdraw.BiLinear}, {"xdraw-CatmullRom", xdraw.CatmullRom}} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				// *image.RGBA is the destination x/image/draw has fast paths for.
				dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
				k.s.Scale(dst, dst.Rect, src, src.Rect, xdraw.Src, nil)
			}
		})
	}
}

// TestDownscaleAliasing shows why ApproxBiLinear is not used: on a
// one-pixel checkerboard an antialiased 8000→4096-like reduction gives a
// flat grey, a 4-tap filter keeps strong stripes (moiré).
func TestDownscaleAliasing(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			src.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	spread := func(img *image.NRGBA) int {
		lo, hi := 255, 0
		for i := 0; i < len(img.Pix); i += 4 {
			lo, hi = min(lo, int(img.Pix[i])), max(hi, int(img.Pix[i]))
		}
		return hi - lo
	}
	ours := Downscale(src, 410)
	approx := image.NewNRGBA(ours.Rect)
	xdraw.ApproxBiLinear.Scale(approx, approx.Rect, src, src.Rect, xdraw.Src, nil)
	t.Logf("grey-level spread after 800→410: pillow-bilinear %d, ApproxBiLinear %d", spread(ours), spread(approx))
	if spread(ours) > 40 {
		t.Errorf("antialiased downscale leaves a %d-level pattern", spread(ours))
	}
}
