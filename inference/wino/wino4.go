package wino

// F(4×4, 3×3) computes each 4×4 block of the output from a 6×6 input
// tile with 36 products per channel pair instead of 144 (direct: 1/4 of
// the multiplies; F(2×2) saves only 5/9) and reads 36/16 = 2.25 input
// values per output instead of 4. Its matrices (Lavin & Gray, 2015,
// points 0, ±1, ±2, ∞):
//
//	Bᵀ = [4  0 −5  0 1 0]   G = [ 1/4     0    0 ]   Aᵀ = [1 1  1 1  1 0]
//	     [0 −4 −4  1 1 0]       [−1/6 −1/6 −1/6 ]        [0 1 −1 2 −2 0]
//	     [0  4 −4 −1 1 0]       [−1/6  1/6 −1/6 ]        [0 1  1 4  4 0]
//	     [0 −2 −1  2 1 0]       [1/24 1/12  1/6 ]        [0 1 −1 8 −8 1]
//	     [0  2 −1 −2 1 0]       [1/24 −1/12 1/6 ]
//	     [0  4  0 −5 0 1]       [   0    0    1 ]
//
// Unlike F(2×2) the transforms scale by 4, 5 and 8, so the result carries
// a few more float32 rounding errors than the direct sum (about 1e-6 of
// the outputs' scale on random data; see TestF4Convolves).
//
// Layouts as for F(2×2), with 36 products: V is [36][cin][ld], M is
// [36][cout][ld], U is [36][cout][cin], ξ = 6·row + column of the tile.
// Both transforms go down the columns first, then along the rows; the
// native code does the same operations in the same order, so the Go
// versions give bit-identical results.

// Tile4 is the output block of F(4×4, 3×3); its input tiles are Tile4+2.
const Tile4 = 4

// Input4 writes V[ξ][c][t] for channels [c0, c1) of x ([cin][h][w]), for
// the tiles of rows [ty0, ty1): tile (ty, tx) reads the 6×6 patch at
// (4ty − pt, 4tx − pl), zero outside the image.
func Input4(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	if inputFits(x, h, w, ty0, ty1, tw, c0, c1, cin, v, ld, t0, 36) {
		input4(x, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin, v, ld, t0)
	}
}

// Output4 writes Aᵀ M A + bias[k] (bias may be nil) into out
// ([cout][ho][wo]) for channels [k0, k1) and the tiles of rows
// [ty0, ty1); blocks that stick out of the image are cut.
func Output4(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	if outputFits(m, ho, wo, ty0, ty1, tw, k0, k1, cout, bias, out, ld, t0, 36) {
		output4(m, ho, wo, ty0, ty1, tw, k0, k1, cout, bias, out, ld, t0)
	}
}

// Filter4 transforms [cout][cin][3][3] weights into U = G g Gᵀ,
// [36][cout][cin], in float64 so that U is rounded once.
func Filter4(w []float32, cout, cin int) []float32 {
	u := make([]float32, 36*cout*cin)
	split(cout*cin, func(lo, hi int) { filter4(w, u, cout*cin, lo, hi) })
	return u
}

// filter4 writes U for the (cout, cin) pairs [lo, hi).
func filter4(w, u []float32, plane, lo, hi int) {
	for kc := lo; kc < hi; kc++ {
		g := w[kc*9 : kc*9+9]
		var gg [3][6]float64 // (G·g)ᵀ: column j of g transformed
		for j := 0; j < 3; j++ {
			gg[j] = g6(float64(g[j]), float64(g[3+j]), float64(g[6+j]))
		}
		for i := 0; i < 6; i++ { // row i of G·g, transformed by G
			r := g6(gg[0][i], gg[1][i], gg[2][i])
			for j, v := range r {
				u[(i*6+j)*plane+kc] = float32(v)
			}
		}
	}
}

// g6 is G·(g0, g1, g2).
func g6(g0, g1, g2 float64) [6]float64 {
	s, d := g0+g2, g1
	return [6]float64{
		g0 / 4,
		-(s + d) / 6,
		-(s - d) / 6,
		g0/24 + g1/12 + g2/6,
		g0/24 - g1/12 + g2/6,
		g2,
	}
}

// in6 is Bᵀ·d for one column of six values. The conversions keep the
// compiler from fusing 5·d into the next addition (the native code does
// not fuse either); the other products are by powers of two, exact.
func in6(d0, d1, d2, d3, d4, d5 float32) (v0, v1, v2, v3, v4, v5 float32) {
	v0 = 4*d0 - float32(5*d2) + d4
	v1 = (d3 + d4) - 4*(d1+d2)
	v2 = (d4 - d3) + 4*(d1-d2)
	a, b := d4-d2, 2*(d3-d1)
	v3 = a + b
	v4 = a - b
	v5 = 4*d1 - float32(5*d3) + d5
	return
}

// out6 is Aᵀ·m for one column of six values.
func out6(m0, m1, m2, m3, m4, m5 float32) (y0, y1, y2, y3 float32) {
	s12, s34 := m1+m2, m3+m4
	d12, d34 := m1-m2, m3-m4
	y0 = m0 + s12 + s34
	y1 = d12 + 2*d34
	y2 = s12 + 4*s34
	y3 = d12 + 8*d34 + m5
	return
}

// rowsWidth is the width of the column-transformed rows of a tile row:
// its tiles read 4·tw+2 columns; the native code's blocks of four and
// eight tiles read up to 4·tw+16 (zeros past the image).
func rowsWidth(tw int) int { return 4*tw + 16 }

// columns4 writes Bᵀ applied down the six rows from iy of plane into e
// ([6][width], column X = image column X − pl); e's columns outside the
// image must be zero and stay so.
func columns4(plane []float32, h, w, iy, pl int, e []float32, width int) {
	var rows [6][]float32
	zero := e[6*width:] // w zeros after the six rows
	for r := range rows {
		if y := iy + r; y >= 0 && y < h {
			rows[r] = plane[y*w : (y+1)*w]
		} else {
			rows[r] = zero[:w]
		}
	}
	lo, hi := max(0, -pl), min(w, width-pl)
	for x := lo; x < hi; x++ {
		v0, v1, v2, v3, v4, v5 := in6(rows[0][x], rows[1][x], rows[2][x], rows[3][x], rows[4][x], rows[5][x])
		X := x + pl
		e[X], e[width+X], e[2*width+X], e[3*width+X], e[4*width+X], e[5*width+X] = v0, v1, v2, v3, v4, v5
	}
}

// input4Go is Input4 in Go: per tile row, the column transform of its six
// input rows, then Bᵀ along each row tile by tile.
func input4Go(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	stride := cin * ld
	width := rowsWidth(tw)
	e := make([]float32, 6*width+w)
	for ch := c0; ch < c1; ch++ {
		plane := x[ch*h*w : (ch+1)*h*w]
		t := ch*ld + t0
		for ty := ty0; ty < ty1; ty++ {
			columns4(plane, h, w, 4*ty-pt, pl, e, width)
			for tx := 0; tx < tw; tx++ {
				for i := 0; i < 6; i++ {
					r := e[i*width+4*tx : i*width+4*tx+6]
					v0, v1, v2, v3, v4, v5 := in6(r[0], r[1], r[2], r[3], r[4], r[5])
					o := t + 6*i*stride
					v[o], v[o+stride], v[o+2*stride], v[o+3*stride], v[o+4*stride], v[o+5*stride] = v0, v1, v2, v3, v4, v5
				}
				t++
			}
		}
	}
}

// output4Go is Output4 in Go, one tile at a time: Aᵀ down the columns of
// M, then along the rows, then the bias.
func output4Go(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	stride := cout * ld
	var s [36]float32
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
				var a [4][6]float32 // Aᵀ·M
				for j := 0; j < 6; j++ {
					a[0][j], a[1][j], a[2][j], a[3][j] = out6(s[j], s[6+j], s[12+j], s[18+j], s[24+j], s[30+j])
				}
				oy, ox := 4*ty, 4*tx
				for i := 0; i < 4 && oy+i < ho; i++ {
					var y [4]float32
					y[0], y[1], y[2], y[3] = out6(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4], a[i][5])
					row := plane[(oy+i)*wo:]
					for q := 0; q < 4 && ox+q < wo; q++ {
						row[ox+q] = y[q] + b
					}
				}
			}
		}
	}
}
