// Package wino holds the tile transforms of Winograd's F(2×2, 3×3) and
// F(4×4, 3×3) convolutions (Lavin & Gray, 2015): V = Bᵀ d B for the input
// tiles (4×4, 6×6) and Y = Aᵀ M A for the output blocks (2×2, 4×4; see
// wino4.go for F(4×4)). The matrix products between them belong to BLAS;
// these transforms are the part BLAS cannot do, and in plain Go they cost
// more than the arithmetic Winograd saves. On amd64 with cgo they are SSE
// code on four tiles at a time (F(4×4): AVX on eight when the CPU has
// it); the Go versions give bit-identical results and are what the
// purego build uses.
//
// Layouts: an image plane is [h][w]; tiles are numbered row-major over
// tile rows [ty0, ty1) and tw tile columns, nt = (ty1−ty0)·tw of them.
// V is [16][channels][ld] and M is [16][channels][ld] (36 for F(4×4)): a call reads or
// writes columns [t0, t0+nt) of them, so the tiles of several images can
// share one matrix product.
package wino

import (
	"runtime"
	"sync"
)

// Input writes V[ξ][c][t] for channels [c0, c1) of x ([cin][h][w]), for
// the tiles of rows [ty0, ty1): tile (ty, tx) reads the 4×4 patch at
// (2ty − pt, 2tx − pl), zero outside the image.
func Input(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	if inputFits(x, h, w, ty0, ty1, tw, c0, c1, cin, v, ld, t0, 16) {
		input(x, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin, v, ld, t0)
	}
}

// inputFits checks an input transform's arguments for a form of taps
// products (16 or 36) before native code runs on them: false when there is
// no work, a panic (as an index out of range would) when the slices are
// too short for it.
func inputFits(x []float32, h, w, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0, taps int) bool {
	nt := (ty1 - ty0) * tw
	if c1 <= c0 || nt == 0 {
		return false
	}
	if t0 < 0 || t0+nt > ld {
		panic("wino: tiles outside V")
	}
	_ = x[cin*h*w-1]
	_ = v[taps*cin*ld-1]
	return true
}

// Output writes Aᵀ M A + bias[k] (bias may be nil) into out ([cout][ho][wo])
// for channels [k0, k1) and the tiles of rows [ty0, ty1); blocks that
// stick out of the image are cut.
func Output(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	if outputFits(m, ho, wo, ty0, ty1, tw, k0, k1, cout, bias, out, ld, t0, 16) {
		output(m, ho, wo, ty0, ty1, tw, k0, k1, cout, bias, out, ld, t0)
	}
}

// outputFits is inputFits for an output transform.
func outputFits(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0, taps int) bool {
	nt := (ty1 - ty0) * tw
	if k1 <= k0 || nt == 0 {
		return false
	}
	if t0 < 0 || t0+nt > ld {
		panic("wino: tiles outside M")
	}
	_ = m[taps*cout*ld-1]
	_ = out[cout*ho*wo-1]
	if bias != nil {
		_ = bias[cout-1]
	}
	return true
}

// Filter transforms [cout][cin][3][3] weights into U = G g Gᵀ, [16][cout][cin].
func Filter(w []float32, cout, cin int) []float32 {
	u := make([]float32, 16*cout*cin)
	split(cout*cin, func(lo, hi int) { filter2(w, u, cout*cin, lo, hi) })
	return u
}

// filter2 writes U for the (cout, cin) pairs [lo, hi).
func filter2(w, u []float32, plane, lo, hi int) {
	for kc := lo; kc < hi; kc++ {
		g := w[kc*9 : kc*9+9]
		var gg [4][3]float32 // G·g
		for j := 0; j < 3; j++ {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			gg[0][j] = g0
			gg[1][j] = (g0 + g1 + g2) / 2
			gg[2][j] = (g0 - g1 + g2) / 2
			gg[3][j] = g2
		}
		for i := 0; i < 4; i++ { // (G·g)·Gᵀ
			g0, g1, g2 := gg[i][0], gg[i][1], gg[i][2]
			u[(i*4+0)*plane+kc] = g0
			u[(i*4+1)*plane+kc] = (g0 + g1 + g2) / 2
			u[(i*4+2)*plane+kc] = (g0 - g1 + g2) / 2
			u[(i*4+3)*plane+kc] = g2
		}
	}
}

// split runs fn over [0, n) in one contiguous range per CPU: the filter
// transforms of a wide layer take tens of milliseconds, and a layer's U
// is made when it first runs.
func split(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/4096))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(i*n/workers, (i+1)*n/workers)
	}
	wg.Wait()
}

// inputGo is Input in Go, one tile at a time.
func inputGo(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	stride := cin * ld
	var d [4][4]float32
	for ch := c0; ch < c1; ch++ {
		plane := x[ch*h*w : (ch+1)*h*w]
		t := ch*ld + t0
		for ty := ty0; ty < ty1; ty++ {
			iy := 2*ty - pt
			for tx := 0; tx < tw; tx++ {
				loadTile(&d, plane, h, w, iy, 2*tx-pl)
				var b [4][4]float32 // Bᵀ·d
				for j := 0; j < 4; j++ {
					b[0][j] = d[0][j] - d[2][j]
					b[1][j] = d[1][j] + d[2][j]
					b[2][j] = d[2][j] - d[1][j]
					b[3][j] = d[1][j] - d[3][j]
				}
				for i := 0; i < 4; i++ { // (Bᵀ·d)·B
					r := &b[i]
					o := t + i*4*stride
					v[o] = r[0] - r[2]
					v[o+stride] = r[1] + r[2]
					v[o+2*stride] = r[2] - r[1]
					v[o+3*stride] = r[1] - r[3]
				}
				t++
			}
		}
	}
}

// loadTile copies the 4×4 patch at (iy, ix), zero outside the plane.
func loadTile(d *[4][4]float32, plane []float32, h, w, iy, ix int) {
	for r := 0; r < 4; r++ {
		y := iy + r
		for q := 0; q < 4; q++ {
			xx := ix + q
			if y < 0 || y >= h || xx < 0 || xx >= w {
				d[r][q] = 0
			} else {
				d[r][q] = plane[y*w+xx]
			}
		}
	}
}

// outputGo is Output in Go, one tile at a time.
func outputGo(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	stride := cout * ld
	var s [16]float32
	for k := k0; k < k1; k++ {
		var b float32
		if bias != nil {
			b = bias[k]
		}
		plane := out[k*ho*wo : (k+1)*ho*wo]
		t := k*ld + t0
		for ty := ty0; ty < ty1; ty++ {
			for tx := 0; tx < tw; tx++ {
				for xi := range s {
					s[xi] = m[t+xi*stride]
				}
				t++
				var a [2][4]float32 // Aᵀ·M
				for j := 0; j < 4; j++ {
					a[0][j] = s[j] + s[4+j] + s[8+j]
					a[1][j] = s[4+j] - s[8+j] - s[12+j]
				}
				oy, ox := 2*ty, 2*tx
				for i := 0; i < 2 && oy+i < ho; i++ {
					row := plane[(oy+i)*wo:]
					row[ox] = a[i][0] + a[i][1] + a[i][2] + b
					if ox+1 < wo {
						row[ox+1] = a[i][1] - a[i][2] - a[i][3] + b
					}
				}
			}
		}
	}
}
