package kern

// MaxRows3x3 writes, for each output row oy in [0, rows) and column i in
// [0, len) of dst (row stride wo), the maximum of the 3×3 window whose
// top-left input is src[(oy·sh)·w + x0 + i·sw], every window inside src.
// The window is read in row-major order with best = (v > best) ? v : best,
// the order and comparison of the engine's general pooling loop, so the
// result is the same bit for bit, NaN and signed zeros included.
func MaxRows3x3(src []float32, w, sh, sw, x0 int, dst []float32, wo, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	last := (rows-1)*sh*w + 2*w + x0 + (n-1)*sw + 2
	_ = src[last]
	_ = dst[(rows-1)*wo+n-1]
	maxRows3x3(src, w, sh, sw, x0, dst, wo, rows, n)
}

// maxRows3x3Go is MaxRows3x3 in Go.
func maxRows3x3Go(src []float32, w, sh, sw, x0 int, dst []float32, wo, rows, n int) {
	for oy := 0; oy < rows; oy++ {
		r := src[oy*sh*w:]
		r0, r1, r2 := r[:w], r[w:2*w], r[2*w:3*w]
		out := dst[oy*wo : oy*wo+n]
		for i := range out {
			x := x0 + i*sw
			a, b, c := r0[x:x+3], r1[x:x+3], r2[x:x+3]
			best := a[0]
			for _, v := range [8]float32{a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]} {
				if v > best {
					best = v
				}
			}
			out[i] = best
		}
	}
}

// MaxRows2x2 writes, for each output row oy in [0, rows) and column i in
// [0, n) of dst (row stride wo), the maximum of the 2×2 window whose
// top-left input is src[2oy·w + 2i], every window inside src; read in
// row-major order with best = (v > best) ? v : best, as MaxRows3x3.
func MaxRows2x2(src []float32, w int, dst []float32, wo, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	_ = src[(2*rows-1)*w+2*n-1]
	_ = dst[(rows-1)*wo+n-1]
	maxRows2x2(src, w, dst, wo, rows, n)
}

// maxRows2x2Go is MaxRows2x2 in Go.
func maxRows2x2Go(src []float32, w int, dst []float32, wo, rows, n int) {
	for oy := 0; oy < rows; oy++ {
		r0, r1 := src[2*oy*w:(2*oy+1)*w], src[(2*oy+1)*w:(2*oy+2)*w]
		out := dst[oy*wo : oy*wo+n]
		for i := range out {
			best := r0[2*i]
			for _, v := range [3]float32{r0[2*i+1], r1[2*i], r1[2*i+1]} {
				if v > best {
					best = v
				}
			}
			out[i] = best
		}
	}
}
