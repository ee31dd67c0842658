package cam

import (
	"fmt"
	"math"
)

// Resizer resizes srcW×srcH maps to dstW×dstH by bilinear interpolation
// with OpenCV's INTER_LINEAR conventions (the cv2.resize of
// pytorch-grad-cam): pixel centres at half-integers, source coordinate
// (d+0.5)·src/dst − 0.5, coordinates outside the image clamped to the edge,
// weights and arithmetic in float32.
//
// The work is separable. Column and row indices and weights are computed
// once by NewResizer; Resize first interpolates every source row that is
// needed along x into a cache, then blends two cached rows per output row,
// so a call costs about two multiply-adds per output pixel and allocates
// nothing. A Resizer keeps that cache, so it must not be used by several
// goroutines at once; make one per goroutine (they are cheap).
type Resizer struct {
	srcW, srcH, dstW, dstH int
	x, y                   axis
	rows                   []float32 // srcH rows of dstW values
	needed                 []bool    // source rows some output row reads
	tmp                    []float32 // srcW×srcH scratch for PostprocessTo
}

// axis holds, per output index, the first source index and the weight of
// the next one (clamped to the last index at the border).
type axis struct {
	i0, i1 []int32
	w      []float32
}

// NewResizer prepares the resize of srcW×srcH maps to dstW×dstH.
func NewResizer(srcW, srcH, dstW, dstH int) (*Resizer, error) {
	if srcW <= 0 || srcH <= 0 || dstW <= 0 || dstH <= 0 {
		return nil, fmt.Errorf("cam: invalid resize %d×%d → %d×%d", srcW, srcH, dstW, dstH)
	}
	r := &Resizer{
		srcW: srcW, srcH: srcH, dstW: dstW, dstH: dstH,
		x:      linearAxis(srcW, dstW),
		y:      linearAxis(srcH, dstH),
		rows:   make([]float32, srcH*dstW),
		needed: make([]bool, srcH),
	}
	for d := range dstH {
		r.needed[r.y.i0[d]] = true
		r.needed[r.y.i1[d]] = true
	}
	return r, nil
}

// linearAxis reproduces the coefficient loop of OpenCV's resize for
// INTER_LINEAR: fx = (float)((d+0.5)*scale − 0.5) with scale computed as
// 1/(dst/src) in double, sx = floor(fx), fx −= sx; left of the first centre
// and right of the last one the weight is 0 on the clamped index.
func linearAxis(src, dst int) axis {
	a := axis{i0: make([]int32, dst), i1: make([]int32, dst), w: make([]float32, dst)}
	scale := 1 / (float64(dst) / float64(src))
	for d := range dst {
		fx := float32((float64(d)+0.5)*scale - 0.5)
		sx := int(math.Floor(float64(fx)))
		fx -= float32(sx)
		if sx < 0 {
			sx, fx = 0, 0
		}
		if sx >= src-1 {
			sx, fx = src-1, 0
		}
		a.i0[d] = int32(sx)
		a.i1[d] = int32(min(sx+1, src-1))
		a.w[d] = fx
	}
	return a
}

// Size returns the source and destination sizes.
func (r *Resizer) Size() (srcW, srcH, dstW, dstH int) {
	return r.srcW, r.srcH, r.dstW, r.dstH
}

// Resize writes the resized src (srcW×srcH, row-major) into dst
// (dstW×dstH). It panics if the lengths do not match the Resizer's sizes,
// as copying into a wrong-sized buffer is a programming error.
func (r *Resizer) Resize(dst, src []float32) {
	if len(src) != r.srcW*r.srcH || len(dst) != r.dstW*r.dstH {
		panic(fmt.Sprintf("cam: Resize of %d values into %d, want %d into %d",
			len(src), len(dst), r.srcW*r.srcH, r.dstW*r.dstH))
	}
	for sy, ok := range r.needed {
		if ok {
			r.resizeRow(r.rows[sy*r.dstW:(sy+1)*r.dstW], src[sy*r.srcW:(sy+1)*r.srcW])
		}
	}
	for dy := range r.dstH {
		out := dst[dy*r.dstW : (dy+1)*r.dstW]
		r0 := r.rows[int(r.y.i0[dy])*r.dstW : (int(r.y.i0[dy])+1)*r.dstW]
		b1 := r.y.w[dy]
		if b1 == 0 {
			copy(out, r0)
			continue
		}
		r1 := r.rows[int(r.y.i1[dy])*r.dstW : (int(r.y.i1[dy])+1)*r.dstW]
		b0 := 1 - b1
		for x := range out {
			out[x] = r0[x]*b0 + r1[x]*b1
		}
	}
}

// resizeRow interpolates one source row along x.
func (r *Resizer) resizeRow(out, in []float32) {
	i0, i1, w := r.x.i0, r.x.i1, r.x.w
	for x := range out {
		a1 := w[x]
		out[x] = in[i0[x]]*(1-a1) + in[i1[x]]*a1
	}
}

// Resize returns src resized to w×h (see Resizer). For repeated resizes of
// the same sizes, keep a Resizer instead.
func Resize(src Map, w, h int) (Map, error) {
	if err := src.Validate(); err != nil {
		return Map{}, err
	}
	r, err := NewResizer(src.W, src.H, w, h)
	if err != nil {
		return Map{}, err
	}
	out := NewMap(w, h)
	r.Resize(out.Data, src.Data)
	return out, nil
}
