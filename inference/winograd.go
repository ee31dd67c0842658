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

// winogradChunkFloats bounds each of the V and M scratch buffers.
var winogradChunkFloats = 1 << 20

// winograd runs the convolution of one image x [cin][h][w] into
// out [cout][ho][wo] (stride 1, 3×3, pads p), adding the bias.
func (c *conv) winograd(ar *arena, x []float32, h, w, ho, wo int, p [4]int, out []float32) {
	th, tw := (ho+1)/2, (wo+1)/2
	rows := max(1, min(th, winogradChunkFloats/(16*max(c.cin, c.cout)*tw)))
	v := ar.get(16 * c.cin * rows * tw)
	m := ar.get(16 * c.cout * rows * tw)
	defer ar.put(v)
	defer ar.put(m)
	for ty0 := 0; ty0 < th; ty0 += rows {
		ty1 := min(th, ty0+rows)
		nt := (ty1 - ty0) * tw
		parallel(c.cin, 4, func(lo, hi int) {
			wino.Input(x, h, w, p[0], p[1], ty0, ty1, tw, lo, hi, c.cin, v)
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
			wino.Output(m, ho, wo, ty0, ty1, tw, lo, hi, c.cout, c.bias, out)
		})
	}
}
