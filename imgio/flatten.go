package imgio

import (
	"image"
	"image/draw"
)

// flatten converts any decoded image into a fresh opaque NRGBA at origin,
// applying the orientation in the same pass so the full-size result is
// allocated once (for a 100 MP photo a second copy would be 400 MB). It
// reports whether any pixel was not opaque (and was composited over
// black).
func flatten(src image.Image, orientation int) (*image.NRGBA, bool) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	// Drawing with draw.Src into an *image.RGBA stores alpha-premultiplied
	// colour, i.e. the pixel composited over black; image/draw has fast paths
	// for the types decoders return (YCbCr, RGBA, NRGBA, Gray, CMYK). Once
	// alpha is forced to 255 below, premultiplied and non-premultiplied
	// layouts coincide, so the same bytes are a valid NRGBA.
	asRGBA := &image.RGBA{Pix: dst.Pix, Stride: dst.Stride, Rect: dst.Rect}
	switch {
	case orientation == 1:
		parallelRanges(h, 64, func(y0, y1 int) {
			r := image.Rect(0, y0, w, y1)
			draw.Draw(asRGBA, r, src, b.Min.Add(r.Min), draw.Src)
		})
	case orientation <= 4:
		flattenFlipped(dst, src, orientation)
	default:
		flattenTransposed(dst, src, orientation)
	}
	// Decoders' opaque types (YCbCr, Gray, CMYK) answer Opaque in O(1)
	// and draw.Src already wrote alpha 255 for them: skip the scan.
	if o, ok := src.(interface{ Opaque() bool }); ok && o.Opaque() {
		return dst, false
	}
	return dst, forceOpaque(dst)
}

// flattenFlipped draws src into dst under a flip (orientations 2–4), which
// keeps rows as rows: it converts one source row into a scratch row, then
// writes it (possibly reversed) to its destination row.
func flattenFlipped(dst *image.NRGBA, src image.Image, orientation int) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	parallelRanges(h, 64, func(y0, y1 int) {
		row := image.NewRGBA(image.Rect(0, 0, w, 1))
		for y := y0; y < y1; y++ {
			draw.Draw(row, row.Rect, src, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
			dx, dy, sx, _ := orientedRow(orientation, w, h, y)
			d := dst.Pix[dy*dst.Stride:]
			if sx > 0 {
				copy(d[:w*4], row.Pix)
				continue
			}
			for x := 0; x < w; x++ {
				copy(d[(dx-x)*4:(dx-x)*4+4], row.Pix[x*4:x*4+4])
			}
		}
	})
}

// rotBlock is how many source rows flattenTransposed converts at a time.
const rotBlock = 64

// flattenTransposed draws src into dst under a transposing orientation
// (5–8), which turns source rows into destination columns. Writing a
// column pixel by pixel strides a whole row per write and took about 3×
// the JPEG decode time of a 48 MP photo, so it converts a block of
// rotBlock source rows, then emits for every source column a contiguous
// run of rotBlock destination pixels.
func flattenTransposed(dst *image.NRGBA, src image.Image, orientation int) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	nblocks := (h + rotBlock - 1) / rotBlock
	parallelRanges(nblocks, 1, func(b0, b1 int) {
		tmp := image.NewRGBA(image.Rect(0, 0, w, rotBlock))
		for blk := b0; blk < b1; blk++ {
			y0, y1 := blk*rotBlock, min((blk+1)*rotBlock, h)
			draw.Draw(tmp, image.Rect(0, 0, w, y1-y0), src, image.Pt(b.Min.X, b.Min.Y+y0), draw.Src)
			transposeBlock(dst, tmp, orientation, w, h, y0, y1-y0)
		}
	})
}

// transposeBlock writes the n converted source rows from y0 held in tmp
// to their destination columns.
func transposeBlock(dst *image.NRGBA, tmp *image.RGBA, orientation, w, h, y0, n int) {
	// Source (x, y) lands at destination row dy0 + x·sy and column dx(y),
	// which runs right (o 5, 8) or left (6, 7) from dx(y0) as y grows.
	dx0, dy0, _, sy := orientedRow(orientation, w, h, y0)
	rightward := orientation == 5 || orientation == 8
	left := dx0
	if !rightward {
		left = dx0 - (n - 1)
	}
	for x := 0; x < w; x++ {
		dy := dy0 + x*sy
		run := dst.Pix[dy*dst.Stride+left*4 : dy*dst.Stride+(left+n)*4]
		s := tmp.Pix[x*4:]
		if rightward {
			for i := 0; i < len(run); i += 4 {
				copy(run[i:i+4], s[:4])
				s = s[min(tmp.Stride, len(s)):]
			}
		} else {
			for i := len(run) - 4; i >= 0; i -= 4 {
				copy(run[i:i+4], s[:4])
				s = s[min(tmp.Stride, len(s)):]
			}
		}
	}
}

// forceOpaque sets every pixel's alpha to 255 and reports whether any
// was not.
func forceOpaque(dst *image.NRGBA) bool {
	b := dst.Bounds()
	composited := false
	for y := 0; y < b.Dy(); y++ {
		p := dst.Pix[y*dst.Stride : y*dst.Stride+b.Dx()*4]
		for i := 3; i < len(p); i += 4 {
			if p[i] != 0xff {
				composited = true
				p[i] = 0xff
			}
		}
	}
	return composited
}
