package inference

import (
	"fmt"
	"math"

	"camviz/inference/kern"
)

// pool is ONNX MaxPool and AveragePool over the last two axes.
type pool struct {
	max            bool
	kh, kw, sh, sw int
	dh, dw         int
	pads           [4]int
	ceil           bool
	countPad       bool
}

func init() {
	register("MaxPool", opDef{perChannel: true, flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) { return newPool(true, a) }})
	register("AveragePool", opDef{perChannel: true, flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) { return newPool(false, a) }})
	register("GlobalAveragePool", opDef{perChannel: true, flat: true, build: fixed(globalAvg{})})
}

func newPool(isMax bool, a attrs) (kernel, error) {
	ks, err := a.ints("kernel_shape")
	if err != nil {
		return nil, err
	}
	if len(ks) != 2 {
		return nil, fmt.Errorf("only 2-D pooling is supported (kernel_shape %v)", ks)
	}
	p := &pool{max: isMax, kh: ks[0], kw: ks[1], sh: 1, sw: 1, dh: 1, dw: 1}
	if s, err := a.ints("strides"); err != nil {
		return nil, err
	} else if len(s) == 2 {
		p.sh, p.sw = s[0], s[1]
	}
	if d, err := a.ints("dilations"); err != nil {
		return nil, err
	} else if len(d) == 2 {
		p.dh, p.dw = d[0], d[1]
	}
	if pd, err := a.ints("pads"); err != nil {
		return nil, err
	} else if len(pd) == 4 {
		p.pads = [4]int{pd[0], pd[1], pd[2], pd[3]}
	}
	ceil, err := a.int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	cp, err := a.int("count_include_pad", 0)
	if err != nil {
		return nil, err
	}
	ap, err := a.str("auto_pad", "NOTSET")
	if err != nil {
		return nil, err
	}
	if ap != "NOTSET" && ap != "VALID" {
		return nil, fmt.Errorf("pooling with auto_pad=%s is not supported", ap)
	}
	if p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1 || p.dh < 1 || p.dw < 1 {
		return nil, fmt.Errorf("pooling kernel, strides and dilations must be positive")
	}
	p.ceil, p.countPad = ceil == 1, cp == 1
	return p, nil
}

func (p *pool) outSize(in, k, s, d, p0, p1 int) int {
	span := in + p0 + p1 - (k-1)*d - 1
	if span < 0 {
		return 0
	}
	o := span/s + 1
	if p.ceil && span%s != 0 {
		o++
		// PyTorch and ONNX Runtime drop a last window that would start in
		// the end padding.
		if (o-1)*s >= in+p0 {
			o--
		}
	}
	return o
}

func (p *pool) infer(in []*tval) ([]int, error) {
	x := in[0].shape
	if len(x) != 4 {
		return nil, fmt.Errorf("pooling input is %s, want [N,C,H,W]", shapeStr(x))
	}
	ho := p.outSize(x[2], p.kh, p.sh, p.dh, p.pads[0], p.pads[2])
	wo := p.outSize(x[3], p.kw, p.sw, p.dw, p.pads[1], p.pads[3])
	if ho < 1 || wo < 1 {
		return nil, fmt.Errorf("pooling input %s is smaller than its %d×%d window", shapeStr(x), p.kh, p.kw)
	}
	return []int{x[0], x[1], ho, wo}, nil
}

// window visits the input positions of output (oy, ox); it reports the
// count of positions a count_include_pad average divides by.
func (p *pool) window(h, w, oy, ox int, visit func(i int)) (padCount int) {
	y0, x0 := oy*p.sh-p.pads[0], ox*p.sw-p.pads[1]
	for ky := 0; ky < p.kh; ky++ {
		iy := y0 + ky*p.dh
		if iy >= h+p.pads[2] {
			break
		}
		for kx := 0; kx < p.kw; kx++ {
			ix := x0 + kx*p.dw
			if ix >= w+p.pads[3] {
				break
			}
			padCount++
			if iy >= 0 && iy < h && ix >= 0 && ix < w {
				visit(iy*w + ix)
			}
		}
	}
	return padCount
}

func (p *pool) forward(ar *arena, in []*tval, keep bool) (*tval, any, error) {
	shape, err := p.infer(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	p.run(in[0], shape, out.f, nil)
	return out, nil, nil
}

// run pools x into out; for MaxPool with arg, it also records where each
// maximum came from. The forward pass does not keep arg, even for a kept
// pass: 6 MB per VGG16 pass of fresh memory cost more to fault in (~30 ms
// here) than backward spends finding the maxima again with this same code.
func (p *pool) run(x *tval, shape []int, outF []float32, arg []int32) {
	out := &tval{shape: shape, f: outF}
	h, w, ho, wo := x.shape[2], x.shape[3], shape[2], shape[3]
	planes := shape[0] * shape[1]
	if p.max && p.isPlain2x2() {
		parallel(planes, 4, func(lo, hi int) {
			for pl := lo; pl < hi; pl++ {
				var a []int32
				if arg != nil {
					a = arg[pl*ho*wo : (pl+1)*ho*wo]
				}
				maxPool2x2(x.f[pl*h*w:(pl+1)*h*w], w, out.f[pl*ho*wo:(pl+1)*ho*wo], ho, wo, a)
			}
		})
		return
	}
	if p.max && arg == nil && p.dh == 1 && p.dw == 1 {
		parallel(planes, 4, func(lo, hi int) {
			for pl := lo; pl < hi; pl++ {
				p.maxPlane(x.f[pl*h*w:(pl+1)*h*w], h, w, out.f[pl*ho*wo:(pl+1)*ho*wo], ho, wo)
			}
		})
		return
	}
	parallel(planes, 4, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			src := x.f[pl*h*w : (pl+1)*h*w]
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					o := pl*ho*wo + oy*wo + ox
					if p.max {
						best, bi := float32(math.Inf(-1)), int32(-1)
						p.window(h, w, oy, ox, func(i int) {
							if v := src[i]; v > best || bi < 0 {
								best, bi = v, int32(i)
							}
						})
						out.f[o] = best
						if arg != nil {
							arg[o] = bi
						}
						continue
					}
					var sum float32
					n := 0
					pc := p.window(h, w, oy, ox, func(i int) { sum += src[i]; n++ })
					if p.countPad {
						n = pc
					}
					out.f[o] = 0
					if n > 0 {
						out.f[o] = sum / float32(n)
					}
				}
			}
		}
	})
}

func (p *pool) backward(_ *arena, in []*tval, out *tval, _ any, dout []float32) ([]float32, error) {
	x := in[0]
	h, w, ho, wo := x.shape[2], x.shape[3], out.shape[2], out.shape[3]
	dx := make([]float32, numel(x.shape))
	var arg []int32
	if p.max {
		arg = make([]int32, len(out.f))
		p.run(x, out.shape, make([]float32, len(out.f)), arg)
	}
	planes := x.shape[0] * x.shape[1]
	parallel(planes, 4, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			dst := dx[pl*h*w : (pl+1)*h*w]
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					o := pl*ho*wo + oy*wo + ox
					g := dout[o]
					if p.max {
						if arg[o] >= 0 {
							dst[arg[o]] += g
						}
						continue
					}
					n := 0
					pc := p.window(h, w, oy, ox, func(int) { n++ })
					if p.countPad {
						n = pc
					}
					if n == 0 {
						continue
					}
					share := g / float32(n)
					p.window(h, w, oy, ox, func(i int) { dst[i] += share })
				}
			}
		}
	})
	return dx, nil
}

// globalAvg is ONNX GlobalAveragePool: the mean of each channel plane.
type globalAvg struct{}

func (globalAvg) infer(in []*tval) ([]int, error) {
	x := in[0].shape
	if len(x) != 4 {
		return nil, fmt.Errorf("GlobalAveragePool input is %s, want [N,C,H,W]", shapeStr(x))
	}
	return []int{x[0], x[1], 1, 1}, nil
}

func (g globalAvg) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := g.infer(in)
	if err != nil {
		return nil, nil, err
	}
	x := in[0]
	hw := x.shape[2] * x.shape[3]
	out := ar.newT(shape...)
	for pl := range out.f {
		var s float32
		for _, v := range x.f[pl*hw : (pl+1)*hw] {
			s += v
		}
		out.f[pl] = s / float32(hw)
	}
	return out, nil, nil
}

func (globalAvg) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	x := in[0]
	hw := x.shape[2] * x.shape[3]
	dx := make([]float32, numel(x.shape))
	for pl, g := range dout {
		share := g / float32(hw)
		for i := pl * hw; i < (pl+1)*hw; i++ {
			dx[i] = share
		}
	}
	return dx, nil
}

// maxPlane is MaxPool of one plane without dilation and without recording
// the winners (ResNet's 3×3 stride-2 stem pooling). For a 3×3 kernel the
// windows wholly inside the plane go to kern.MaxRows3x3; the rest, and
// other kernels, are clipped to the plane. Both visit the window in
// window's order with its comparison, so the value is the one the general
// loop gives.
func (p *pool) maxPlane(src []float32, h, w int, dst []float32, ho, wo int) {
	if p.kh != 3 || p.kw != 3 {
		for oy := 0; oy < ho; oy++ {
			p.maxRange(src, h, w, oy*p.sh-p.pads[0], dst[oy*wo:(oy+1)*wo], 0, wo)
		}
		return
	}
	// Outputs [oya, oyb) × [oxa, oxb) have windows inside the plane.
	oya, oyb := p.inside(h, ho, p.sh, p.pads[0])
	oxa, oxb := p.inside(w, wo, p.sw, p.pads[1])
	for oy := 0; oy < ho; oy++ {
		row := dst[oy*wo : (oy+1)*wo]
		y0 := oy*p.sh - p.pads[0]
		if oy < oya || oy >= oyb {
			p.maxRange(src, h, w, y0, row, 0, wo)
			continue
		}
		p.maxRange(src, h, w, y0, row, 0, oxa)
		p.maxRange(src, h, w, y0, row, oxb, wo)
	}
	if oya < oyb && oxa < oxb {
		kern.MaxRows3x3(src[(oya*p.sh-p.pads[0])*w:], w, p.sh, p.sw, oxa*p.sw-p.pads[1], dst[oya*wo+oxa:], wo, oyb-oya, oxb-oxa)
	}
}

// inside gives the outputs [a, b) along one axis whose 3-wide windows
// (stride s, leading pad pad) lie wholly inside an input of size n.
func (p *pool) inside(n, outs, s, pad int) (a, b int) {
	a = min(outs, (pad+s-1)/s)
	if n-3+pad < 0 {
		return a, a
	}
	return a, max(a, min(outs, (n-3+pad)/s+1))
}

// maxRange pools outputs [oxa, oxb) of the row whose windows start at
// input row y0, clipping each window to the plane.
func (p *pool) maxRange(src []float32, h, w, y0 int, row []float32, oxa, oxb int) {
	ya, yb := max(y0, 0), min(y0+p.kh, h)
	for ox := oxa; ox < oxb; ox++ {
		x0 := ox*p.sw - p.pads[1]
		xa, xb := max(x0, 0), min(x0+p.kw, w)
		best, first := float32(math.Inf(-1)), true
		for iy := ya; iy < yb; iy++ {
			for _, v := range src[iy*w+xa : iy*w+xb] {
				if v > best || first {
					best, first = v, false
				}
			}
		}
		row[ox] = best
	}
}

// isPlain2x2 is VGG's pooling: 2×2 windows, stride 2, no padding or
// dilation. It gets a loop without per-position closures.
func (p *pool) isPlain2x2() bool {
	return p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.dh == 1 && p.dw == 1 && p.pads == [4]int{}
}

// maxPool2x2 pools one plane; with ceil_mode the last row or column may
// hang over the edge, so positions are clamped (and, being duplicates,
// never win over the first). arg, if not nil, records the winner. Ties go
// to the first position in row-major order, as in the general loop.
func maxPool2x2(src []float32, w int, dst []float32, ho, wo int, arg []int32) {
	h := len(src) / w
	if arg == nil {
		// The windows inside the plane in C (the Go loop ran at 6% of a
		// Score-CAM run), the clamped edge that ceil_mode adds below.
		inH, inW := min(ho, h/2), min(wo, w/2)
		kern.MaxRows2x2(src, w, dst, wo, inH, inW)
		maxPool2x2Loop(src, w, h, dst, wo, arg, 0, inH, inW, wo)
		maxPool2x2Loop(src, w, h, dst, wo, arg, inH, ho, 0, wo)
		return
	}
	maxPool2x2Loop(src, w, h, dst, wo, arg, 0, ho, 0, wo)
}

// maxPool2x2Loop is maxPool2x2 for the outputs in rows [oy0, oy1) and
// columns [ox0, ox1).
func maxPool2x2Loop(src []float32, w, h int, dst []float32, wo int, arg []int32, oy0, oy1, ox0, ox1 int) {
	for oy := oy0; oy < oy1; oy++ {
		y0 := 2 * oy
		y1 := min(y0+1, h-1)
		r0, r1 := src[y0*w:(y0+1)*w], src[y1*w:(y1+1)*w]
		for ox := ox0; ox < ox1; ox++ {
			x0 := 2 * ox
			x1 := min(x0+1, w-1)
			best, bi := r0[x0], y0*w+x0
			if v := r0[x1]; v > best {
				best, bi = v, y0*w+x1
			}
			if v := r1[x0]; v > best {
				best, bi = v, y1*w+x0
			}
			if v := r1[x1]; v > best {
				best, bi = v, y1*w+x1
			}
			dst[oy*wo+ox] = best
			if arg != nil {
				arg[oy*wo+ox] = int32(bi)
			}
		}
	}
}
