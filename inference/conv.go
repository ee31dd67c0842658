package inference

import (
	"fmt"

	"camviz/inference/blas"
	"camviz/inference/kern"
)

// conv is ONNX Conv: per image and group, im2col + one matrix product
// (Winograd for wide 3×3 layers); depthwise convolutions (one input
// channel per group) run a direct kernel instead, since a per-channel
// product of one row would waste the matrix routine on a 1×k×hw problem.
type conv struct {
	w                 []float32       // [cout, cin·kh·kw], as stored in ONNX
	packed            []*kern.Weights // w per group for kern's product; nil if unused
	bias              []float32       // nil or [cout]
	cout, cin, kh, kw int             // cin: input channels per group
	group             int
	sh, sw, dh, dw    int
	pads              [4]int // top, left, bottom, right
	autoPad           string

	wino *winoWeights // nil: no Winograd (see winogradPays)
}

func init() {
	register("Conv", opDef{flat: true, build: func(a attrs, in []*tval, _ int64) (any, error) { return newConv(a, in) }})
}

func newConv(a attrs, in []*tval) (kernel, error) {
	if len(in) < 2 || in[1] == nil || in[1].f == nil {
		return nil, fmt.Errorf("Conv needs constant weights")
	}
	w := in[1]
	if len(w.shape) != 4 {
		return nil, fmt.Errorf("Conv weight is %s, want 4-D (only 2-D convolutions are supported)", shapeStr(w.shape))
	}
	g, err := a.int("group", 1)
	if err != nil {
		return nil, err
	}
	if g < 1 || w.shape[0]%g != 0 {
		return nil, fmt.Errorf("Conv group=%d does not divide its %d output channels", g, w.shape[0])
	}
	c := &conv{w: w.f, cout: w.shape[0], cin: w.shape[1], kh: w.shape[2], kw: w.shape[3], group: g, sh: 1, sw: 1, dh: 1, dw: 1}
	if len(in) > 2 && in[2] != nil {
		if in[2].f == nil || len(in[2].f) != c.cout {
			return nil, fmt.Errorf("Conv bias has %d values for %d output channels", len(in[2].f), c.cout)
		}
		c.bias = in[2].f
	}
	if err := c.readAttrs(a); err != nil {
		return nil, err
	}
	if c.winogradPays() {
		c.wino = &winoWeights{}
	}
	if !c.depthwise() {
		c.packed = c.pack() // packed on first use, so only if used
	}
	return c, nil
}

// winogradPays says whether Winograd beats im2col for this layer (which
// form, F(2×2) or F(4×4), is winoFor's choice per plane size). Its
// tile transforms cost in proportion to cin+cout and save in proportion to
// cin·cout, so thin layers stay with im2col (measured with OpenBLAS on one
// core: 64→64 at 224 gains ~15%, 128→128 at 112 and wider ~40%).
func (c *conv) winogradPays() bool {
	return c.group == 1 && c.kh == 3 && c.kw == 3 && c.sh == 1 && c.sw == 1 && c.dh == 1 && c.dw == 1 &&
		c.cin*c.cout >= 16*(c.cin+c.cout)
}

func (c *conv) readAttrs(a attrs) error {
	if ks, err := a.ints("kernel_shape"); err != nil {
		return err
	} else if ks != nil && (len(ks) != 2 || ks[0] != c.kh || ks[1] != c.kw) {
		return fmt.Errorf("Conv kernel_shape %v does not match weights %d×%d", ks, c.kh, c.kw)
	}
	if s, err := a.ints("strides"); err != nil {
		return err
	} else if len(s) == 2 {
		c.sh, c.sw = s[0], s[1]
	}
	if d, err := a.ints("dilations"); err != nil {
		return err
	} else if len(d) == 2 {
		c.dh, c.dw = d[0], d[1]
	}
	if p, err := a.ints("pads"); err != nil {
		return err
	} else if len(p) == 4 {
		c.pads = [4]int{p[0], p[1], p[2], p[3]}
	}
	var err error
	c.autoPad, err = a.str("auto_pad", "NOTSET")
	if c.sh < 1 || c.sw < 1 || c.dh < 1 || c.dw < 1 {
		return fmt.Errorf("Conv strides and dilations must be positive")
	}
	return err
}

// padsFor resolves auto_pad for an input size.
func (c *conv) padsFor(h, w int) [4]int {
	switch c.autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		ph := max(0, ((h+c.sh-1)/c.sh-1)*c.sh+(c.kh-1)*c.dh+1-h)
		pw := max(0, ((w+c.sw-1)/c.sw-1)*c.sw+(c.kw-1)*c.dw+1-w)
		if c.autoPad == "SAME_UPPER" {
			return [4]int{ph / 2, pw / 2, ph - ph/2, pw - pw/2}
		}
		return [4]int{ph - ph/2, pw - pw/2, ph / 2, pw / 2}
	case "VALID":
		return [4]int{}
	}
	return c.pads
}

func (c *conv) geometry(x []int) (ho, wo int, p [4]int, err error) {
	if len(x) != 4 {
		return 0, 0, p, fmt.Errorf("Conv input is %s, want [N,C,H,W]", shapeStr(x))
	}
	if x[1] != c.cin*c.group {
		return 0, 0, p, fmt.Errorf("Conv input has %d channels, weights expect %d", x[1], c.cin*c.group)
	}
	p = c.padsFor(x[2], x[3])
	ho = (x[2]+p[0]+p[2]-(c.kh-1)*c.dh-1)/c.sh + 1
	wo = (x[3]+p[1]+p[3]-(c.kw-1)*c.dw-1)/c.sw + 1
	if ho < 1 || wo < 1 {
		return 0, 0, p, fmt.Errorf("Conv input %s is smaller than its %d×%d kernel", shapeStr(x), c.kh, c.kw)
	}
	return ho, wo, p, nil
}

func (c *conv) infer(in []*tval) ([]int, error) {
	ho, wo, _, err := c.geometry(in[0].shape)
	if err != nil {
		return nil, err
	}
	return []int{in[0].shape[0], c.cout, ho, wo}, nil
}

// pointwise is true for 1×1 convolutions that read the input as it lies,
// which need no im2col copy.
func (c *conv) pointwise(p [4]int) bool {
	return c.kh == 1 && c.kw == 1 && c.sh == 1 && c.sw == 1 && p == [4]int{}
}

func (c *conv) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	out, err := c.run(ar, in[0], true)
	return out, nil, err
}

// forwardFused computes relu?(conv(x) + bias + skip) (skip may be nil):
// the product first, then one epilogue pass over its output (see fuse.go).
func (c *conv) forwardFused(ar *arena, in []*tval, skip *tval, relu bool) (*tval, error) {
	if c.packs(in[0].shape) {
		return c.packedRun(ar, in[0], c.bias, skip, relu)
	}
	f := c.formFor(in[0].shape)
	if f != nil && skip == nil {
		return c.winogradRun(ar, in[0], f, relu)
	}
	// Winograd and depthwise add the bias as they write; the product does
	// not, so the epilogue adds it there instead of a pass before.
	products := f == nil && !c.depthwise()
	out, err := c.run(ar, in[0], !products)
	if err != nil {
		return nil, err
	}
	if skip != nil && len(skip.f) != len(out.f) {
		ar.put(out.f)
		return nil, fmt.Errorf("Conv output %s and the added tensor %s differ", shapeStr(out.shape), shapeStr(skip.shape))
	}
	var bias, sk []float32
	if products {
		bias = c.bias
	}
	if skip != nil {
		sk = skip.f
	}
	epilogue(out.f, bias, sk, relu, out.shape[0], c.cout, out.shape[2]*out.shape[3])
	return out, nil
}

// run computes the convolution of x, with the bias when withBias is set
// (Winograd and depthwise always add it).
func (c *conv) run(ar *arena, x *tval, withBias bool) (*tval, error) {
	ho, wo, p, err := c.geometry(x.shape)
	if err != nil {
		return nil, err
	}
	if c.packs(x.shape) {
		var bias []float32
		if withBias {
			bias = c.bias
		}
		return c.packedRun(ar, x, bias, nil, false)
	}
	if f := c.formFor(x.shape); f != nil {
		return c.winogradRun(ar, x, f, false)
	}
	n, h, w := x.shape[0], x.shape[2], x.shape[3]
	out := ar.newT(n, c.cout, ho, wo)
	k := c.cin * c.kh * c.kw
	hw := ho * wo
	if c.depthwise() {
		c.depthwiseForward(x.f, n, h, w, ho, wo, p, out.f)
		return out, nil
	}
	if c.wide(x.shape, hw) {
		c.wideProduct(ar, x.f, n, h, w, ho, wo, p, withBias, out.f)
		return out, nil
	}
	var col []float32
	if !c.pointwise(p) {
		col = ar.get(k * hw)
		defer ar.put(col)
	}
	cog := c.cout / c.group
	for b := 0; b < n; b++ {
		ob := out.f[b*c.cout*hw : (b+1)*c.cout*hw]
		beta := float32(0)
		if c.bias != nil && withBias {
			fillBias(ob, c.bias, hw)
			beta = 1
		}
		for g := 0; g < c.group; g++ {
			xg := x.f[(b*c.group+g)*c.cin*h*w : (b*c.group+g+1)*c.cin*h*w]
			src := xg
			if col != nil {
				c.im2col(xg, h, w, ho, wo, p, col)
				src = col
			}
			blas.Gemm(false, false, cog, hw, k, 1, c.w[g*cog*k:], k, src, hw, beta, ob[g*cog*hw:], hw)
		}
	}
	return out, nil
}

// wide says whether the batch x goes through wideProduct: not where
// kern's product takes the convolution, which runs narrow products near
// its full speed (A's panels reused over B's pairs) while wideProduct's
// copies and separate epilogue cost ResNet-50 at batch 4 53.3 against
// 45.9 ms an image (BenchmarkForwardBatch, session 8).
func (c *conv) wide(x []int, hw int) bool {
	return x[0] > 1 && c.group == 1 && hw <= wideBatchPlane && !c.onKern()
}

// wideBatchPlane is the largest output plane (28×28) whose images in a
// batch share one matrix product: a plane this small makes a narrow
// product per image (7×7: 49 columns), which runs far below the machine's
// speed, while the copies in and out of the wide layout are cheap.
const wideBatchPlane = 28 * 28

// wideProduct convolves the batch x [n][cin][h][w] as one product of the
// weights with all images' columns side by side, B = [k][n·hw] (the
// input's planes for a pointwise convolution, else im2col), into
// C = [cout][n·hw], then lays C out as out [n][cout][hw], adding the bias
// when withBias is set.
func (c *conv) wideProduct(ar *arena, x []float32, n, h, w, ho, wo int, p [4]int, withBias bool, out []float32) {
	k, hw, nhw := c.cin*c.kh*c.kw, ho*wo, n*ho*wo
	cols := ar.get(k * nhw)
	defer ar.put(cols)
	prod := ar.get(c.cout * nhw)
	defer ar.put(prod)
	for b := 0; b < n; b++ {
		xb := x[b*c.cin*h*w : (b+1)*c.cin*h*w]
		if c.pointwise(p) {
			for ch := 0; ch < c.cin; ch++ {
				copy(cols[ch*nhw+b*hw:ch*nhw+(b+1)*hw], xb[ch*hw:(ch+1)*hw])
			}
			continue
		}
		c.im2colTo(xb, h, w, ho, wo, p, cols, nhw, b*hw)
	}
	if c.packed != nil && usePacked {
		c.packed[0].Mul(cols, nhw, nhw, prod, nhw, kern.Epilogue{})
	} else {
		blas.Gemm(false, false, c.cout, nhw, k, 1, c.w, k, cols, nhw, 0, prod, nhw)
	}
	parallel(c.cout, 16, func(lo, hi int) {
		for co := lo; co < hi; co++ {
			var bias float32
			if withBias && c.bias != nil {
				bias = c.bias[co]
			}
			for b := 0; b < n; b++ {
				src := prod[co*nhw+b*hw : co*nhw+(b+1)*hw]
				dst := out[(b*c.cout+co)*hw : (b*c.cout+co+1)*hw]
				for i, v := range src {
					dst[i] = v + bias
				}
			}
		}
	})
}

func fillBias(dst, bias []float32, plane int) {
	parallel(len(bias), 16, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			row := dst[ch*plane : (ch+1)*plane]
			v := bias[ch]
			for i := range row {
				row[i] = v
			}
		}
	})
}

func (c *conv) backward(ar *arena, in []*tval, out *tval, _ any, dout []float32) ([]float32, error) {
	x := in[0]
	n, h, w := x.shape[0], x.shape[2], x.shape[3]
	ho, wo := out.shape[2], out.shape[3]
	_, _, p, _ := c.geometry(x.shape)
	k := c.cin * c.kh * c.kw
	hw := ho * wo
	dx := make([]float32, numel(x.shape))
	if c.depthwise() {
		c.depthwiseBackward(dout, n, h, w, ho, wo, p, dx)
		return dx, nil
	}
	var col []float32
	if !c.pointwise(p) {
		col = ar.get(k * hw)
		defer ar.put(col)
	}
	cog := c.cout / c.group
	for b := 0; b < n; b++ {
		for g := 0; g < c.group; g++ {
			db := dout[(b*c.cout+g*cog)*hw : (b*c.cout+(g+1)*cog)*hw]
			dxg := dx[(b*c.group+g)*c.cin*h*w : (b*c.group+g+1)*c.cin*h*w]
			wg := c.w[g*cog*k:]
			if col == nil {
				blas.Gemm(true, false, k, hw, cog, 1, wg, k, db, hw, 0, dxg, hw)
				continue
			}
			blas.Gemm(true, false, k, hw, cog, 1, wg, k, db, hw, 0, col, hw)
			c.col2im(col, h, w, ho, wo, p, dxg)
		}
	}
	return dx, nil
}
