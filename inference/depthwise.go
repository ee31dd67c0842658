package inference

// Depthwise convolution (MobileNet, EfficientNet, ShuffleNet, ConvNeXt):
// one input channel per group, m = cout/group output channels each,
//
//	y[o, oy, ox] = bias[o] + Σ_{ky,kx} w[o, ky, kx] · x[o/m, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw]
//
// computed directly: per output row, each tap adds a scaled (strided) run
// of one input row, so the loops vectorise and nothing is copied.

func (c *conv) depthwise() bool { return c.group > 1 && c.cin == 1 }

// tapRange is the range of output columns whose tap kx reads inside the
// input row, and the input column of the first.
func (c *conv) tapRange(kx, w, wo int, p [4]int) (lo, hi, ix0 int) {
	off := kx*c.dw - p[1]
	lo = 0
	if off < 0 {
		lo = (-off + c.sw - 1) / c.sw
	}
	hi = wo
	if last := (w - 1 - off); last < 0 {
		hi = 0
	} else {
		hi = min(wo, last/c.sw+1)
	}
	return lo, hi, lo*c.sw + off
}

func (c *conv) depthwiseForward(x []float32, n, h, w, ho, wo int, p [4]int, out []float32) {
	m := c.cout / c.group
	taps := c.kh * c.kw
	parallel(n*c.cout, 8, func(lo, hi int) {
		for bo := lo; bo < hi; bo++ {
			b, o := bo/c.cout, bo%c.cout
			src := x[(b*c.group+o/m)*h*w:][:h*w]
			dst := out[bo*ho*wo:][:ho*wo]
			bias := float32(0)
			if c.bias != nil {
				bias = c.bias[o]
			}
			for i := range dst {
				dst[i] = bias
			}
			wk := c.w[o*taps:][:taps]
			for oy := 0; oy < ho; oy++ {
				row := dst[oy*wo:][:wo]
				for ky := 0; ky < c.kh; ky++ {
					iy := oy*c.sh - p[0] + ky*c.dh
					if iy < 0 || iy >= h {
						continue
					}
					in := src[iy*w:][:w]
					for kx := 0; kx < c.kw; kx++ {
						wt := wk[ky*c.kw+kx]
						l, r, ix := c.tapRange(kx, w, wo, p)
						if r <= l {
							continue
						}
						if c.sw == 1 {
							seg := in[ix:][:r-l]
							for j, v := range seg {
								row[l+j] += wt * v
							}
							continue
						}
						for ox := l; ox < r; ox, ix = ox+1, ix+c.sw {
							row[ox] += wt * in[ix]
						}
					}
				}
			}
		}
	})
}

// depthwiseBackward is the adjoint: each output gradient flows back along
// the taps it was computed from. Output channels of one input channel
// are summed by one goroutine, so writes never race.
func (c *conv) depthwiseBackward(dout []float32, n, h, w, ho, wo int, p [4]int, dx []float32) {
	m := c.cout / c.group
	taps := c.kh * c.kw
	parallel(n*c.group, 4, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			b, g := bg/c.group, bg%c.group
			dst := dx[bg*h*w:][:h*w]
			for o := g * m; o < (g+1)*m; o++ {
				src := dout[(b*c.cout+o)*ho*wo:][:ho*wo]
				wk := c.w[o*taps:][:taps]
				for oy := 0; oy < ho; oy++ {
					row := src[oy*wo:][:wo]
					for ky := 0; ky < c.kh; ky++ {
						iy := oy*c.sh - p[0] + ky*c.dh
						if iy < 0 || iy >= h {
							continue
						}
						in := dst[iy*w:][:w]
						for kx := 0; kx < c.kw; kx++ {
							wt := wk[ky*c.kw+kx]
							l, r, ix := c.tapRange(kx, w, wo, p)
							for ox := l; ox < r; ox, ix = ox+1, ix+c.sw {
								in[ix] += wt * row[ox]
							}
						}
					}
				}
			}
		}
	})
}
