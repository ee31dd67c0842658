package inference

import (
	"fmt"
	"math"
)

// lrn is ONNX LRN (AlexNet, GoogLeNet's ONNX zoo file): across channels,
//
//	s[c] = bias + α/size · Σ_{c' ∈ [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉]} x[c']²,  y[c] = x[c] · s[c]^−β
//
// and its adjoint dx[c] = dy[c]·s[c]^−β − 2αβ/size · x[c] · Σ_{c': c ∈ win(c')} dy[c']·x[c']·s[c']^(−β−1).
type lrn struct {
	size              int
	alpha, beta, bias float64
}

func init() {
	register("LRN", opDef{build: func(a attrs, _ []*tval, _ int64) (any, error) {
		size, err := a.int("size", 0)
		if err != nil {
			return nil, err
		}
		if size < 1 {
			return nil, fmt.Errorf("LRN size %d must be positive", size)
		}
		l := &lrn{size: size}
		for _, p := range []struct {
			name string
			def  float32
			dst  *float64
		}{{"alpha", 1e-4, &l.alpha}, {"beta", 0.75, &l.beta}, {"bias", 1, &l.bias}} {
			v, err := a.float(p.name, p.def)
			if err != nil {
				return nil, err
			}
			*p.dst = float64(v)
		}
		return l, nil
	}})
}

func (l *lrn) infer(in []*tval) ([]int, error) {
	if len(in[0].shape) < 3 {
		return nil, fmt.Errorf("LRN input %s, want [N,C,…]", shapeStr(in[0].shape))
	}
	return in[0].shape, nil
}

func (l *lrn) window(c, channels int) (lo, hi int) {
	return max(0, c-(l.size-1)/2), min(channels-1, c+l.size/2)
}

// scales computes s for every position.
func (l *lrn) scales(x *tval) []float64 {
	n, ch, plane := x.shape[0], x.shape[1], numel(x.shape[2:])
	s := make([]float64, len(x.f))
	for b := 0; b < n; b++ {
		for c := 0; c < ch; c++ {
			lo, hi := l.window(c, ch)
			dst := s[(b*ch+c)*plane : (b*ch+c+1)*plane]
			for cc := lo; cc <= hi; cc++ {
				src := x.f[(b*ch+cc)*plane : (b*ch+cc+1)*plane]
				for i, v := range src {
					dst[i] += float64(v) * float64(v)
				}
			}
			for i := range dst {
				dst[i] = l.bias + l.alpha/float64(l.size)*dst[i]
			}
		}
	}
	return s
}

func (l *lrn) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	if _, err := l.infer(in); err != nil {
		return nil, nil, err
	}
	x := in[0]
	s := l.scales(x)
	out := ar.newT(x.shape...)
	for i, v := range x.f {
		out.f[i] = float32(float64(v) * math.Pow(s[i], -l.beta))
	}
	return out, nil, nil
}

func (l *lrn) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	x := in[0]
	s := l.scales(x)
	n, ch, plane := x.shape[0], x.shape[1], numel(x.shape[2:])
	// t[c'] = dy[c']·x[c']·s[c']^(−β−1), then each c sums t over the c'
	// whose window holds c.
	t := make([]float64, len(x.f))
	for i := range t {
		t[i] = float64(dout[i]) * float64(x.f[i]) * math.Pow(s[i], -l.beta-1)
	}
	k := 2 * l.alpha * l.beta / float64(l.size)
	dx := make([]float32, len(x.f))
	for b := 0; b < n; b++ {
		for c := 0; c < ch; c++ {
			for cc := 0; cc < ch; cc++ {
				if lo, hi := l.window(cc, ch); c < lo || c > hi {
					continue
				}
				for i := 0; i < plane; i++ {
					p := (b*ch+c)*plane + i
					dx[p] -= float32(k * float64(x.f[p]) * t[(b*ch+cc)*plane+i])
				}
			}
			for i := 0; i < plane; i++ {
				p := (b*ch+c)*plane + i
				dx[p] += float32(float64(dout[p]) * math.Pow(s[p], -l.beta))
			}
		}
	}
	return dx, nil
}
