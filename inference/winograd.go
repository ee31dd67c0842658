package inference

import (
	"sync"

	"camviz/inference/blas"
	"camviz/inference/kern"
	"camviz/inference/wino"
)

// Winograd's F(m×m, 3×3) (Lavin & Gray, 2015) computes each m×m block of
// a 3×3 convolution's output from an (m+2)² input tile with (m+2)²
// products per (input, output) channel pair instead of 9m²: the tile
// positions ξ become (m+2)² matrix products U[ξ]·V[ξ] over channels, and
// there is no 9×-sized im2col copy.
//
//	V = Bᵀ d B (input tile),  U = G g Gᵀ (filter),  Y = Aᵀ (U ⊙ V) A
//
// F(2×2) does 16/36 of direct's multiplies and its transforms only add,
// subtract and halve; F(4×4) does 36/144 and reads fewer input values per
// output, at the price of a few more float32 rounding errors (wino.Filter4).

// winoForm is one Winograd algorithm: its place in winoWeights, its block
// side m, the filter transform and the two tile transforms (package wino).
type winoForm struct {
	id, m  int
	filter func(w []float32, cout, cin int) []float32
	input  func(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int)
	output func(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int)
}

var (
	winoF2 = &winoForm{0, 2, wino.Filter, wino.Input, wino.Output}
	winoF4 = &winoForm{1, wino.Tile4, wino.Filter4, wino.Input4, wino.Output4}
)

// winoFor picks the form for n images of an output plane, or nil for
// im2col, by a cost model measured on this machine's OpenBLAS: a form's
// time goes as its products times (tiles + 16), the 16 standing for the
// products' fixed cost, which narrow products (few tiles) cannot spread.
// F(4×4) has 36 products of fewer, wider tiles, F(2×2) 16 of more: F(4×4)
// wins from planes of 28² alone and from 7² in batches of 4, F(2×2) keeps
// one image of 14²; below 32 tiles of F(2×2) in all (one image of 7²)
// im2col's single product, 9·cin deep, beats both. Measured: CPU ms per
// image (BenchmarkConv3x3's cpu-ms/image, 2 threads, OpenBLAS on Zen 3,
// a machine shared with other jobs; wall times scatter by ±30% there):
//
//	layer         n   im2col  F(2×2)  F(4×4)
//	64→64 @224    1    81.6    81.0    38.3
//	128→128 @112  1    64.5    62.9    31.4
//	256→256 @56   1    61.5    48.9    26.8
//	512→512 @28   1    58.9    45.6    28.3
//	512→512 @14   1    20.1    10.5    10.8
//	512→512 @14   4    14.8    10.1     8.7
//	512→512 @7    1     5.5     7.5     8.8
//	512→512 @7    4     5.5     4.5     4.0
//	512→512 @7   16     5.0     3.7     2.8
//
// An image alone and in a batch may thus take different forms; they agree
// to float32 rounding (a few 1e-6 of the outputs' scale).
func winoFor(n, ho, wo int) *winoForm {
	t4 := n * ((ho + 3) / 4) * ((wo + 3) / 4)
	t2 := n * ((ho + 1) / 2) * ((wo + 1) / 2)
	switch {
	case t2 < 32:
		return nil
	case 36*(t4+16) < 16*(t2+16):
		return winoF4
	}
	return winoF2
}

// formFor is the Winograd form the layer runs on input shape x, nil for
// im2col (and for a shape geometry refuses: run reports that).
func (c *conv) formFor(x []int) *winoForm {
	if c.wino == nil {
		return nil
	}
	ho, wo, _, err := c.geometry(x)
	if err != nil {
		return nil
	}
	return winoFor(x[0], ho, wo)
}

// winoWeights holds a layer's weights transformed for each form, made on
// first use: a layer sees one plane size, so it needs one of them. Where
// kern's product is available each U[ξ] is kept packed for it instead
// (kern.Pack, then U itself is dropped): OpenBLAS packs A again on every
// call, and these products are narrow (≤ 113 tiles for 512 channels).
type winoWeights struct {
	once [2]sync.Once
	u    [2][]float32
	kp   [2][]*kern.Weights
}

// get returns U for f, [(m+2)²][cout][cin], or its products packed by kern
// (u nil).
func (ww *winoWeights) get(f *winoForm, w []float32, cout, cin int) (u []float32, kp []*kern.Weights) {
	ww.once[f.id].Do(func() {
		u := f.filter(w, cout, cin)
		ww.kp[f.id] = packProducts(u, f.products(), cout, cin)
		if ww.kp[f.id] == nil {
			ww.u[f.id] = u
		}
	})
	return ww.u[f.id], ww.kp[f.id]
}

// packProducts packs each of the np matrices of u [np][cout][cin] for
// kern, or returns nil where kern's product is off or unavailable.
func packProducts(u []float32, np, cout, cin int) []*kern.Weights {
	if !usePacked {
		return nil
	}
	kp := make([]*kern.Weights, np)
	for xi := range kp {
		kp[xi] = kern.NewWeights(u[xi*cout*cin:(xi+1)*cout*cin], cout, cin, cin)
		if kp[xi] == nil {
			return nil
		}
		kp[xi].Pack()
	}
	return kp
}

// products is the number of matrix products, one per tile position.
func (f *winoForm) products() int { return (f.m + 2) * (f.m + 2) }

// winogradChunkFloats bounds each of the V and M scratch buffers (8 MB).
const winogradChunkFloats = 1 << 21

// tileSpan is a run of tile rows of one image inside a chunk's V and M.
type tileSpan struct{ b, ty0, ty1, t0 int }

// winogradRun is run by Winograd's form f, then Relu when relu.
func (c *conv) winogradRun(ar *arena, x *tval, f *winoForm, relu bool) (*tval, error) {
	ho, wo, p, err := c.geometry(x.shape)
	if err != nil {
		return nil, err
	}
	n, h, w := x.shape[0], x.shape[2], x.shape[3]
	out := ar.newT(n, c.cout, ho, wo)
	c.winograd(ar, x.f, n, h, w, ho, wo, p, out.f, f, relu)
	return out, nil
}

// winograd runs the convolution of the batch x [n][cin][h][w] into
// out [n][cout][ho][wo] (stride 1, 3×3, pads p) with f, adding the
// bias, then Relu when relu: on each chunk's rows as they are written,
// while they are in cache, not in a pass of its own over the whole output
// (VGG16's first layers: 51 MB a batch of four). Tiles are processed in
// chunks that fit the scratch buffers; a chunk holds the tiles of several
// images when they are small, so deep layers (7×7 tiles per image on
// VGG16's conv5 with F(2×2)) still make wide matrix products.
func (c *conv) winograd(ar *arena, x []float32, n, h, w, ho, wo int, p [4]int, out []float32, f *winoForm, relu bool) {
	u, kp := c.wino.get(f, c.w, c.cout, c.cin)
	th, tw := (ho+f.m-1)/f.m, (wo+f.m-1)/f.m
	np := f.products()
	budget := max(tw, winogradChunkFloats/(np*max(c.cin, c.cout)))
	v := ar.get(np * c.cin * budget)
	m := ar.get(np * c.cout * budget)
	defer ar.put(v)
	defer ar.put(m)
	var spans []tileSpan
	nt := 0
	for b := 0; b < n; b++ {
		for ty0 := 0; ty0 < th; {
			rows := min(th-ty0, (budget-nt)/tw)
			if rows == 0 {
				c.winogradChunk(f, u, kp, x, h, w, ho, wo, p, out, spans, nt, v, m, relu)
				spans, nt = spans[:0], 0
				continue
			}
			spans = append(spans, tileSpan{b, ty0, ty0 + rows, nt})
			nt += rows * tw
			ty0 += rows
		}
	}
	if nt > 0 {
		c.winogradChunk(f, u, kp, x, h, w, ho, wo, p, out, spans, nt, v, m, relu)
	}
}

// winogradChunk transforms the spans' tiles into V, multiplies (by kp
// when it is not nil, else by u with OpenBLAS), and transforms M back
// into the output.
func (c *conv) winogradChunk(f *winoForm, u []float32, kp []*kern.Weights, x []float32, h, w, ho, wo int, p [4]int, out []float32, spans []tileSpan, nt int, v, m []float32, relu bool) {
	np := f.products()
	tw := (wo + f.m - 1) / f.m
	in, outPlane := c.cin*h*w, c.cout*ho*wo
	v, m = v[:np*c.cin*nt], m[:np*c.cout*nt]
	parallel(c.cin, 4, func(lo, hi int) {
		for _, s := range spans {
			f.input(x[s.b*in:(s.b+1)*in], h, w, p[0], p[1], s.ty0, s.ty1, tw, lo, hi, c.cin, v, nt, s.t0)
		}
	})
	parallel(np, 1, func(lo, hi int) { // independent products
		for xi := lo; xi < hi; xi++ {
			if kp != nil {
				kp[xi].MulSerial(v[xi*c.cin*nt:(xi+1)*c.cin*nt], nt, nt, m[xi*c.cout*nt:(xi+1)*c.cout*nt], nt, kern.Epilogue{})
				continue
			}
			blas.GemmSerial(false, false, c.cout, nt, c.cin, 1,
				u[xi*c.cout*c.cin:(xi+1)*c.cout*c.cin], c.cin,
				v[xi*c.cin*nt:(xi+1)*c.cin*nt], nt, 0,
				m[xi*c.cout*nt:(xi+1)*c.cout*nt], nt)
		}
	})
	parallel(c.cout, 4, func(lo, hi int) {
		for _, s := range spans {
			o := out[s.b*outPlane : (s.b+1)*outPlane]
			f.output(m, ho, wo, s.ty0, s.ty1, tw, lo, hi, c.cout, c.bias, o, nt, s.t0)
			if relu {
				reluRows(o, lo, hi, ho*wo, s.ty0*f.m*wo, min(s.ty1*f.m, ho)*wo)
			}
		}
	})
}

// reluRows applies kern.Relu to planes [k0, k1) of out (planes of hw
// values), over the values [i0, i1) of each.
func reluRows(out []float32, k0, k1, hw, i0, i1 int) {
	for k := k0; k < k1; k++ {
		kern.Relu(out[k*hw+i0 : k*hw+i1])
	}
}
