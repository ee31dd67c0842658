package imgio

import (
	"image"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// This file reimplements Pillow's Image.resize(..., BILINEAR) for 8-bit RGB
// (libImaging/Resample.c, unchanged since Pillow 4): a separable filter
// whose triangle kernel is widened by the downscale factor (antialiasing),
// coefficients precomputed per output column/row in double precision and
// then quantised to 22-bit fixed point, horizontal pass first, each pass
// rounded to uint8. torchvision's Resize on a PIL image is exactly this
// call, so matching it bit for bit means our tensors match the reference
// pipeline instead of merely resembling it.

// precisionBits is Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2.
const precisionBits = 22

// axisWeights holds the filter for outputs o0.. of one axis: output o0+i
// reads count[i] ≤ ksize inputs starting at start[i], with fixed-point
// weights k[i*ksize:].
type axisWeights struct {
	ksize int
	start []int
	count []int
	k     []int32
}

// pilBilinearWeights is Pillow's precompute_coeffs with the bilinear
// filter (support 1) followed by normalize_coeffs_8bpc, for the source
// interval [in0, in1) of an axis of inSize pixels mapped onto outSize, but
// only for outputs [o0, o1): a crop of a huge resize (a 30000×1 image
// resized to short side 256 is 7.7 M columns wide) must not pay for the
// columns it throws away.
func pilBilinearWeights(inSize int, in0, in1 float64, outSize, o0, o1 int) axisWeights {
	scale := (in1 - in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := 1.0 * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	aw := axisWeights{
		ksize: ksize,
		start: make([]int, o1-o0),
		count: make([]int, o1-o0),
		k:     make([]int32, (o1-o0)*ksize),
	}
	pre := make([]float64, ksize)
	ss := 1.0 / filterscale
	for xx := o0; xx < o1; xx++ {
		i := xx - o0
		center := in0 + (float64(xx)+0.5)*scale
		// Go's int() truncates toward zero like C's (int) cast; a
		// negative value is clamped right after, as in Pillow.
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w := triangle((float64(x+xmin) - center + 0.5) * ss)
			pre[x] = w
			ww += w
		}
		for x := 0; x < xmax; x++ {
			if ww != 0 {
				pre[x] /= ww
			}
		}
		for x := max(xmax, 0); x < ksize; x++ {
			pre[x] = 0
		}
		for x := 0; x < ksize; x++ {
			v := pre[x] * (1 << precisionBits)
			if v < 0 {
				aw.k[i*ksize+x] = int32(-0.5 + v)
			} else {
				aw.k[i*ksize+x] = int32(0.5 + v)
			}
		}
		aw.start[i] = xmin
		aw.count[i] = max(xmax, 0)
	}
	return aw
}

func triangle(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// clip8 is Pillow's clip8: drop the fraction bits and clamp.
func clip8(v int32) uint8 {
	v >>= precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// bandRows is how many output rows one unit of parallel work produces.
// Each band runs the horizontal pass over just the source rows it needs,
// so adjacent bands recompute the ~2×support rows they share: about 2/32
// extra work when downscaling, in exchange for no full-height intermediate
// (which for an 8000×6000 source is 4096×6000×3 bytes = 74 MB) and
// trivially parallel bands.
const bandRows = 32

// resampleWindow resizes src (RGB; alpha is ignored) to outW×outH with
// Pillow's bilinear filter, but computes only the output pixels inside win,
// which must lie within [0,outW)×[0,outH). The result is win.Dx()×win.Dy()
// with opaque alpha. Each output pixel depends only on its own row and
// column weights, so cropping first gives exactly the pixels a full resize
// followed by a crop gives, for a fraction of the work.
func resampleWindow(src *image.NRGBA, outW, outH int, win image.Rectangle) *image.NRGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	ww, wh := win.Dx(), win.Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, ww, wh))
	if ww <= 0 || wh <= 0 {
		return dst
	}
	hw := pilBilinearWeights(sw, 0, float64(sw), outW, win.Min.X, win.Max.X)
	vw := pilBilinearWeights(sh, 0, float64(sh), outH, win.Min.Y, win.Max.Y)

	// Source rows needed by a band: starts and ends are non-decreasing in
	// the output index, so the first row's start and last row's end bound it.
	rowsFor := func(r0, r1 int) (int, int) {
		return vw.start[r0], vw.start[r1-1] + vw.count[r1-1]
	}
	nbands := (wh + bandRows - 1) / bandRows
	maxRows := 0
	for b := 0; b < nbands; b++ {
		lo, hi := rowsFor(b*bandRows, min((b+1)*bandRows, wh))
		maxRows = max(maxRows, hi-lo)
	}

	workers := min(runtime.GOMAXPROCS(0), nbands)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tmp := make([]uint8, maxRows*ww*3)
			acc := make([]int32, ww*3)
			for {
				b := int(next.Add(1)) - 1
				if b >= nbands {
					return
				}
				r0, r1 := b*bandRows, min((b+1)*bandRows, wh)
				y0, y1 := rowsFor(r0, r1)
				horizontalPass(tmp, src, &hw, ww, y0, y1)
				verticalPass(dst, tmp, &vw, ww, r0, r1, y0, acc)
			}
		}()
	}
	wg.Wait()
	return dst
}

// horizontalPass fills tmp (packed RGB rows of ww pixels) with the ww
// output columns hw describes, for source rows y0..y1.
func horizontalPass(tmp []uint8, src *image.NRGBA, hw *axisWeights, ww, y0, y1 int) {
	ks := hw.ksize
	for y := y0; y < y1; y++ {
		srow := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):]
		trow := tmp[(y-y0)*ww*3 : (y-y0+1)*ww*3]
		for x := 0; x < ww; x++ {
			n := hw.count[x]
			k := hw.k[x*ks : x*ks+n]
			p := srow[hw.start[x]*4 : (hw.start[x]+n)*4]
			r, g, b := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			// This loop is nearly all the time of a large preprocess.
			for i, c := range k {
				q := p[i*4 : i*4+3]
				r += int32(q[0]) * c
				g += int32(q[1]) * c
				b += int32(q[2]) * c
			}
			trow[x*3] = clip8(r)
			trow[x*3+1] = clip8(g)
			trow[x*3+2] = clip8(b)
		}
	}
}

// verticalPass produces dst rows r0..r1 (the rows vw describes) from tmp,
// whose first row is source row tmpY0.
func verticalPass(dst *image.NRGBA, tmp []uint8, vw *axisWeights, ww, r0, r1, tmpY0 int, acc []int32) {
	ks := vw.ksize
	n3 := ww * 3
	for r := r0; r < r1; r++ {
		n := vw.count[r]
		k := vw.k[r*ks : r*ks+n]
		for i := range acc {
			acc[i] = 1 << (precisionBits - 1)
		}
		// Row-at-a-time accumulation keeps every access sequential.
		for t, c := range k {
			off := (vw.start[r] + t - tmpY0) * n3
			trow := tmp[off : off+n3]
			for i, v := range trow {
				acc[i] += int32(v) * c
			}
		}
		drow := dst.Pix[r*dst.Stride : r*dst.Stride+ww*4]
		for x := 0; x < ww; x++ {
			drow[x*4] = clip8(acc[x*3])
			drow[x*4+1] = clip8(acc[x*3+1])
			drow[x*4+2] = clip8(acc[x*3+2])
			drow[x*4+3] = 0xff
		}
	}
}

// Resize returns img resized to w×h exactly as Pillow's
// Image.resize((w, h), Image.BILINEAR) does for an RGB image (antialiased
// when shrinking). Alpha is ignored and the result is opaque. It returns
// nil if w or h is not positive or img is empty.
func Resize(img *image.NRGBA, w, h int) *image.NRGBA {
	if w <= 0 || h <= 0 || img.Rect.Empty() {
		return nil
	}
	return resampleWindow(img, w, h, image.Rect(0, 0, w, h))
}

// Downscale returns a working copy of img whose longer side is at most
// maxSide, keeping the aspect ratio, or img itself when it already fits
// (or maxSide is not positive). It is meant for display and drawing on
// very large photos; run Preprocess on the full-resolution image so the
// tensor matches the reference pipeline (downscaling twice shifts pixels by
// a level or two).
//
// The filter is the same antialiased bilinear as Resize. Measured on
// 8000×6000 → 4096×3072 (BenchmarkDownscale, 2 busy cores): this 0.6 s;
// x/image/draw ApproxBiLinear about the same but it reads only 4 source
// pixels per output pixel, so large reductions alias (moiré on fine
// texture, see TestDownscaleAliasing); x/image/draw BiLinear and
// CatmullRom antialias too but took 4-8 s and allocated 840 MB of float
// intermediates.
//
// Memory: the result (4·w'·h' bytes, 48 MB for 4096×3072) plus, per CPU, a
// scratch band of about w'·(32·h/h' + 4)·3 bytes (under 1 MB here).
func Downscale(img *image.NRGBA, maxSide int) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if maxSide <= 0 || (w <= maxSide && h <= maxSide) {
		return img
	}
	nw, nh := maxSide, maxSide
	if w >= h {
		nh = max(1, int(math.Round(float64(h)*float64(maxSide)/float64(w))))
	} else {
		nw = max(1, int(math.Round(float64(w)*float64(maxSide)/float64(h))))
	}
	return Resize(img, nw, nh)
}
