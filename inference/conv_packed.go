package inference

import (
	"fmt"

	"camviz/inference/kern"
)

// Convolutions on kern's packed product: every one that Winograd and the
// depthwise kernel do not take. OpenBLAS ran products deeper than 256
// (ResNet-50's K = 512…4608 with 49 or 196 columns) at 42–63 GF/s on the
// two cores where kern, splitting them in C over B packed once, ran
// 84–114 (BenchmarkMul, BENCHMARKS.md "Session 6"). The cost is a packed
// copy of those weights (~70 MB for ResNet-50), made on a layer's first
// use: a Winograd layer packs only if some input size falls back to its
// product.

// pack gives each group's weights to kern's product, or returns nil
// where the build or CPU has none.
func (c *conv) pack() []*kern.Weights {
	cog, k := c.cout/c.group, c.cin*c.kh*c.kw
	var ps []*kern.Weights
	for g := 0; g < c.group; g++ {
		p := kern.NewWeights(c.w[g*cog*k:], cog, k, k)
		if p == nil {
			return nil
		}
		ps = append(ps, p)
	}
	return ps
}

// usePacked switches kern's product on where it is available; tests turn
// it off to compare with the BLAS path.
var usePacked = true

// onKern says whether the layer's products run on kern's: it has the
// weights and tests have not turned it off.
func (c *conv) onKern() bool { return c.packed != nil && usePacked }

// packs says whether a convolution of x runs image by image on kern's
// product: wherever kern has the weights and Winograd does not take it
// (batches too: see wide).
func (c *conv) packs(x []int) bool {
	if !c.onKern() || len(x) != 4 || c.formFor(x) != nil {
		return false
	}
	_, _, _, err := c.geometry(x)
	return err == nil
}

// packedRun computes relu?(conv(x) + bias + skip) (bias and skip may be
// nil) image by image and group by group, each a product by kern with
// the epilogue in its stores, so the output is written once; B is the
// input itself for a pointwise convolution, else its im2col matrix read
// from the image as kern packs it (no im2col copy).
func (c *conv) packedRun(ar *arena, x *tval, bias []float32, skip *tval, relu bool) (*tval, error) {
	ho, wo, p, err := c.geometry(x.shape)
	if err != nil {
		return nil, err
	}
	n, h, w := x.shape[0], x.shape[2], x.shape[3]
	hw, cog := ho*wo, c.cout/c.group
	if skip != nil && len(skip.f) != n*c.cout*hw {
		return nil, fmt.Errorf("Conv output %s and the added tensor %s differ", shapeStr([]int{n, c.cout, ho, wo}), shapeStr(skip.shape))
	}
	out := ar.newT(n, c.cout, ho, wo)
	for b := 0; b < n; b++ {
		for g := 0; g < c.group; g++ {
			src := x.f[(b*c.group+g)*c.cin*h*w : (b*c.group+g+1)*c.cin*h*w]
			o := (b*c.cout + g*cog) * hw
			e := kern.Epilogue{Relu: relu}
			if bias != nil {
				e.Bias = bias[g*cog : (g+1)*cog]
			}
			if skip != nil {
				e.Skip = skip.f[o : o+cog*hw]
			}
			if c.pointwise(p) {
				c.packed[g].Mul(src, hw, hw, out.f[o:o+cog*hw], hw, e)
				continue
			}
			im := kern.Image{X: src, C: c.cin, H: h, W: w, KH: c.kh, KW: c.kw, SH: c.sh, SW: c.sw, DH: c.dh, DW: c.dw,
				PadTop: p[0], PadLeft: p[1], HO: ho, WO: wo}
			c.packed[g].MulImage(im, out.f[o:o+cog*hw], hw, e)
		}
	}
	return out, nil
}
