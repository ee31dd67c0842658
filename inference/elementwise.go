package inference

import (
	"fmt"
	"math"
)

// relu is ONNX Relu; its backward needs only its own output.
type relu struct{}

func init() {
	register("Relu", opDef{build: fixed(relu{}), perChannel: true, flat: true})
	register("BatchNormalization", opDef{perChannel: true, flat: true, build: func(a attrs, in []*tval, _ int64) (any, error) {
		return newBatchNorm(a, in)
	}})
}

func (relu) infer(in []*tval) ([]int, error) { return in[0].shape, nil }

func (relu) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	x := in[0]
	out := ar.newT(x.shape...)
	parallel(len(x.f), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.f[i] = max(x.f[i], 0)
		}
	})
	return out, nil, nil
}

func (relu) backward(_ *arena, _ []*tval, out *tval, _ any, dout []float32) ([]float32, error) {
	dx := make([]float32, len(dout))
	for i, g := range dout {
		if out.f[i] > 0 {
			dx[i] = g
		}
	}
	return dx, nil
}

// batchNorm is inference-mode BatchNormalization folded into one scale
// and shift per channel.
type batchNorm struct {
	scale, shift []float32
}

func newBatchNorm(a attrs, in []*tval) (kernel, error) {
	if len(in) < 5 {
		return nil, fmt.Errorf("BatchNormalization needs 5 inputs, has %d", len(in))
	}
	for i := 1; i < 5; i++ {
		if in[i] == nil || in[i].f == nil {
			return nil, fmt.Errorf("BatchNormalization needs constant scale, bias, mean and variance")
		}
	}
	eps, err := a.float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	c := len(in[1].f)
	for i := 2; i < 5; i++ {
		if len(in[i].f) != c {
			return nil, fmt.Errorf("BatchNormalization parameters have %d and %d values", c, len(in[i].f))
		}
	}
	bn := &batchNorm{scale: make([]float32, c), shift: make([]float32, c)}
	for k := 0; k < c; k++ {
		s := in[1].f[k] / float32(math.Sqrt(float64(in[4].f[k])+float64(eps)))
		bn.scale[k] = s
		bn.shift[k] = in[2].f[k] - s*in[3].f[k]
	}
	return bn, nil
}

func (b *batchNorm) infer(in []*tval) ([]int, error) {
	x := in[0].shape
	if len(x) < 2 || x[1] != len(b.scale) {
		return nil, fmt.Errorf("BatchNormalization input %s does not have %d channels", shapeStr(x), len(b.scale))
	}
	return x, nil
}

func (b *batchNorm) planes(shape []int) (n, c, plane int) {
	return shape[0], shape[1], numel(shape[2:])
}

func (b *batchNorm) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	if _, err := b.infer(in); err != nil {
		return nil, nil, err
	}
	x := in[0]
	out := ar.newT(x.shape...)
	n, c, plane := b.planes(x.shape)
	parallel(n*c, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			s, t := b.scale[p%c], b.shift[p%c]
			src, dst := x.f[p*plane:(p+1)*plane], out.f[p*plane:(p+1)*plane]
			for i, v := range src {
				dst[i] = s*v + t
			}
		}
	})
	return out, nil, nil
}

func (b *batchNorm) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	n, c, plane := b.planes(in[0].shape)
	dx := make([]float32, len(dout))
	for p := 0; p < n*c; p++ {
		s := b.scale[p%c]
		for i := p * plane; i < (p+1)*plane; i++ {
			dx[i] = s * dout[i]
		}
	}
	return dx, nil
}

// softmaxRows turns each row of scores into probabilities, stably.
func softmaxRows(scores []float32, rows int) []float32 {
	out := make([]float32, len(scores))
	if rows == 0 {
		return out
	}
	cols := len(scores) / rows
	for r := 0; r < rows; r++ {
		row, dst := scores[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols]
		m := float32(math.Inf(-1))
		for _, v := range row {
			m = max(m, v)
		}
		var sum float64
		for i, v := range row {
			e := math.Exp(float64(v - m))
			dst[i] = float32(e)
			sum += e
		}
		for i := range dst {
			dst[i] = float32(float64(dst[i]) / sum)
		}
	}
	return out
}
