package inference

// im2col lays each (channel, ky, kx) tap out as one row of ho·wo values.
func (c *conv) im2col(x []float32, h, w, ho, wo int, p [4]int, col []float32) {
	c.im2colTo(x, h, w, ho, wo, p, col, ho*wo, 0)
}

// im2colTo is im2col into rows ld apart, starting at column off of each.
func (c *conv) im2colTo(x []float32, h, w, ho, wo int, p [4]int, col []float32, ld, off int) {
	taps := c.kh * c.kw
	parallel(c.cin*taps, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ch, t := r/taps, r%taps
			ky, kx := t/c.kw, t%c.kw
			plane := x[ch*h*w : (ch+1)*h*w]
			dst := col[r*ld+off : r*ld+off+ho*wo]
			for oy := 0; oy < ho; oy++ {
				iy := oy*c.sh - p[0] + ky*c.dh
				row := dst[oy*wo : (oy+1)*wo]
				if iy < 0 || iy >= h {
					clear(row)
					continue
				}
				c.gatherRow(row, plane[iy*w:(iy+1)*w], kx*c.dw-p[1], w)
			}
		}
	})
}

// gatherRow fills row[ox] = src[ox·sw + off], zero outside the source.
func (c *conv) gatherRow(row, src []float32, off, w int) {
	if c.sw == 1 {
		lo := max(0, -off)
		hi := min(len(row), w-off)
		if hi <= lo {
			clear(row)
			return
		}
		clear(row[:lo])
		copy(row[lo:hi], src[lo+off:hi+off])
		clear(row[hi:])
		return
	}
	for ox := range row {
		ix := ox*c.sw + off
		if ix < 0 || ix >= w {
			row[ox] = 0
		} else {
			row[ox] = src[ix]
		}
	}
}

// col2im adds each row of col back onto the input positions it was read from.
func (c *conv) col2im(col []float32, h, w, ho, wo int, p [4]int, dx []float32) {
	taps := c.kh * c.kw
	// One goroutine per channel range: a channel's rows touch only its plane.
	parallel(c.cin, 4, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			plane := dx[ch*h*w : (ch+1)*h*w]
			for t := 0; t < taps; t++ {
				ky, kx := t/c.kw, t%c.kw
				src := col[(ch*taps+t)*ho*wo : (ch*taps+t+1)*ho*wo]
				for oy := 0; oy < ho; oy++ {
					iy := oy*c.sh - p[0] + ky*c.dh
					if iy < 0 || iy >= h {
						continue
					}
					drow := plane[iy*w : (iy+1)*w]
					srow := src[oy*wo : (oy+1)*wo]
					off := kx*c.dw - p[1]
					for ox, v := range srow {
						ix := ox*c.sw + off
						if ix >= 0 && ix < w {
							drow[ix] += v
						}
					}
				}
			}
		}
	})
}
