package inference

import (
	"fmt"
	"math"
)

// layerNorm is ONNX LayerNormalization (opset 17; torch exports
// ConvNeXt's and ViT's LayerNorm as it there): over the axes from axis on,
//
//	x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = x̂·scale + bias
//
// with scale and bias broadcast over the normalised shape. Its adjoint,
// with g = dy·scale and means over the normalised group:
//
//	dx = r·(g − mean(g) − x̂·mean(g·x̂))
type layerNorm struct {
	axis        int
	eps         float64
	scale, bias []float32
}

func init() {
	register("LayerNormalization", opDef{build: func(a attrs, in []*tval, _ int64) (any, error) {
		ax, err := a.int("axis", -1)
		if err != nil {
			return nil, err
		}
		eps, err := a.float("epsilon", 1e-5)
		if err != nil {
			return nil, err
		}
		l := &layerNorm{axis: ax, eps: float64(eps)}
		if len(in) < 2 || in[1] == nil || in[1].f == nil {
			return nil, fmt.Errorf("LayerNormalization needs a constant scale")
		}
		l.scale = in[1].f
		if len(in) > 2 && in[2] != nil {
			if in[2].f == nil || len(in[2].f) != len(l.scale) {
				return nil, fmt.Errorf("LayerNormalization bias does not match its scale")
			}
			l.bias = in[2].f
		}
		return l, nil
	}})
}

// groups returns the number of normalised groups and their size.
func (l *layerNorm) groups(x []int) (int, int, error) {
	ax := l.axis
	if ax < 0 {
		ax += len(x)
	}
	if ax < 0 || ax >= len(x) {
		return 0, 0, fmt.Errorf("LayerNormalization axis %d out of range for %s", l.axis, shapeStr(x))
	}
	size := numel(x[ax:])
	if size%len(l.scale) != 0 {
		return 0, 0, fmt.Errorf("LayerNormalization scale of %d values does not fit %s from axis %d", len(l.scale), shapeStr(x), l.axis)
	}
	return numel(x[:ax]), size, nil
}

func (l *layerNorm) infer(in []*tval) ([]int, error) {
	_, _, err := l.groups(in[0].shape)
	return in[0].shape, err
}

// stats returns each group's mean and r = 1/√(σ²+ε).
func (l *layerNorm) stats(x []float32, g, size int) (mean, r []float64) {
	mean, r = make([]float64, g), make([]float64, g)
	for k := 0; k < g; k++ {
		row := x[k*size : (k+1)*size]
		var s, ss float64
		for _, v := range row {
			s += float64(v)
		}
		m := s / float64(size)
		for _, v := range row {
			d := float64(v) - m
			ss += d * d
		}
		mean[k], r[k] = m, 1/math.Sqrt(ss/float64(size)+l.eps)
	}
	return mean, r
}

func (l *layerNorm) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	x := in[0]
	g, size, err := l.groups(x.shape)
	if err != nil {
		return nil, nil, err
	}
	mean, r := l.stats(x.f, g, size)
	out := ar.newT(x.shape...)
	c := len(l.scale)
	for k := 0; k < g; k++ {
		for i := k * size; i < (k+1)*size; i++ {
			y := float32((float64(x.f[i])-mean[k])*r[k]) * l.scale[i%c]
			if l.bias != nil {
				y += l.bias[i%c]
			}
			out.f[i] = y
		}
	}
	return out, nil, nil
}

func (l *layerNorm) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	x := in[0]
	g, size, err := l.groups(x.shape)
	if err != nil {
		return nil, err
	}
	mean, r := l.stats(x.f, g, size)
	c := len(l.scale)
	dx := make([]float32, len(x.f))
	for k := 0; k < g; k++ {
		var mg, mgx float64
		for i := k * size; i < (k+1)*size; i++ {
			gi := float64(dout[i] * l.scale[i%c])
			mg += gi
			mgx += gi * (float64(x.f[i]) - mean[k]) * r[k]
		}
		mg /= float64(size)
		mgx /= float64(size)
		for i := k * size; i < (k+1)*size; i++ {
			gi := float64(dout[i] * l.scale[i%c])
			xh := (float64(x.f[i]) - mean[k]) * r[k]
			dx[i] = float32(r[k] * (gi - mg - xh*mgx))
		}
	}
	return dx, nil
}
