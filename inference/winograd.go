package inference

import (
	"camviz/inference/blas"
	"camviz/inference/wino"
)

// Winograd's F(2×2, 3×3) (Lavin & Gray, 2015) computes each 2×2 block of
// a 3×3 convolution's output from a 4×4 input tile with 16 products per
// (input, output) channel pair instead of 36: the 16 tile positions ξ
// become 16 matrix products U[ξ]·V[ξ] over channels, 4/9 of im2col's
// arithmetic, and no 9×-sized im2col copy.
//
//	V = Bᵀ d B (input tile),  U = G g Gᵀ (filter),  Y = Aᵀ (U ⊙ V) A
//
// The transforms only add, subtract and halve, so the result differs from
// the direct sum by float32 rounding alone.

// winogradChunkFloats bounds each of the V and M scratch buffers (8 MB).
const winogradChunkFloats = 1 << 21

// tileSpan is a run of tile rows of one image inside a chunk's V and M.
type tileSpan struct{ b, ty0, ty1, t0 int }

// winograd runs the convolution of the batch x [n][cin][h][w] into
// out [n][cout][ho][wo] (stride 1, 3×3, pads p), adding the bias. Tiles
// are processed in chunks that fit the scratch buffers; a chunk holds the
// tiles of several images when they are small, so deep layers (7×7 tiles
// per image on VGG16's conv5) still make wide matrix products.
func (c *conv) winograd(ar *arena, x []float32, n, h, w, ho, wo int, p [4]int, out []float32) {
	th, tw := (ho+1)/2, (wo+1)/2
	budget := max(tw, winogradChunkFloats/(16*max(c.cin, c.cout)))
	v := ar.get(16 * c.cin * budget)
	m := ar.get(16 * c.cout * budget)
	defer ar.put(v)
	defer ar.put(m)
	var spans []tileSpan
	nt := 0
	for b := 0; b < n; b++ {
		for ty0 := 0; ty0 < th; {
			rows := min(th-ty0, (budget-nt)/tw)
			if rows == 0 {
				c.winogradChunk(x, h, w, ho, wo, p, out, spans, nt, v, m)
				spans, nt = spans[:0], 0
				continue
			}
			spans = append(spans, tileSpan{b, ty0, ty0 + rows, nt})
			nt += rows * tw
			ty0 += rows
		}
	}
	if nt > 0 {
		c.winogradChunk(x, h, w, ho, wo, p, out, spans, nt, v, m)
	}
}

// winogradChunk transforms the spans' tiles into V, multiplies, and
// transforms M back into the output.
func (c *conv) winogradChunk(x []float32, h, w, ho, wo int, p [4]int, out []float32, spans []tileSpan, nt int, v, m []float32) {
	tw := (wo + 1) / 2
	in, outPlane := c.cin*h*w, c.cout*ho*wo
	v, m = v[:16*c.cin*nt], m[:16*c.cout*nt]
	parallel(c.cin, 4, func(lo, hi int) {
		for _, s := range spans {
			wino.Input(x[s.b*in:(s.b+1)*in], h, w, p[0], p[1], s.ty0, s.ty1, tw, lo, hi, c.cin, v, nt, s.t0)
		}
	})
	parallel(16, 1, func(lo, hi int) { // 16 independent products
		for xi := lo; xi < hi; xi++ {
			blas.GemmSerial(false, false, c.cout, nt, c.cin, 1,
				c.wino[xi*c.cout*c.cin:(xi+1)*c.cout*c.cin], c.cin,
				v[xi*c.cin*nt:(xi+1)*c.cin*nt], nt, 0,
				m[xi*c.cout*nt:(xi+1)*c.cout*nt], nt)
		}
	})
	parallel(c.cout, 4, func(lo, hi int) {
		for _, s := range spans {
			wino.Output(m, ho, wo, s.ty0, s.ty1, tw, lo, hi, c.cout, c.bias, out[s.b*outPlane:(s.b+1)*outPlane], nt, s.t0)
		}
	})
}
