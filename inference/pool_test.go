package inference

import (
	"math"
	"testing"
)

// naiveMaxPool is the definition: the largest value of each window
// (windows clipped at the edges), first position on ties.
func naiveMaxPool(x []float32, h, w, k, s, ho, wo int) ([]float32, []int32) {
	out := make([]float32, ho*wo)
	arg := make([]int32, ho*wo)
	for oy := 0; oy < ho; oy++ {
		for ox := 0; ox < wo; ox++ {
			best, bi := float32(math.Inf(-1)), -1
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					y, xx := oy*s+ky, ox*s+kx
					if y >= h || xx >= w {
						continue
					}
					if v := x[y*w+xx]; bi < 0 || v > best {
						best, bi = v, y*w+xx
					}
				}
			}
			out[oy*wo+ox], arg[oy*wo+ox] = best, int32(bi)
		}
	}
	return out, arg
}

func TestMaxPool2x2MatchesDefinition(t *testing.T) {
	for _, c := range []struct {
		h, w int
		ceil bool
	}{{8, 8, false}, {7, 9, false}, {7, 9, true}, {3, 3, true}, {14, 14, false}} {
		x := make([]float32, 3*c.h*c.w)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*1.7)) * float32(i%5) // ties included
		}
		ceil := int64(0)
		if c.ceil {
			ceil = 1
		}
		k, err := newPool(true, attrs{"kernel_shape": []int64{2, 2}, "strides": []int64{2, 2}, "ceil_mode": ceil})
		if err != nil {
			t.Fatal(err)
		}
		p := k.(*pool)
		in := &tval{shape: []int{1, 3, c.h, c.w}, f: x}
		out, _, err := p.forward(nil, []*tval{in}, true)
		if err != nil {
			t.Fatal(err)
		}
		ho, wo := out.shape[2], out.shape[3]
		arg := make([]int32, len(out.f))
		p.run(in, out.shape, make([]float32, len(out.f)), arg)
		for pl := 0; pl < 3; pl++ {
			want, wantArg := naiveMaxPool(x[pl*c.h*c.w:(pl+1)*c.h*c.w], c.h, c.w, 2, 2, ho, wo)
			for i := range want {
				if out.f[pl*ho*wo+i] != want[i] || arg[pl*ho*wo+i] != wantArg[i] {
					t.Fatalf("%+v plane %d [%d]: got %v@%d want %v@%d", c, pl, i, out.f[pl*ho*wo+i], arg[pl*ho*wo+i], want[i], wantArg[i])
				}
			}
		}
	}
}

// TestMaxPool3x3MatchesDefinition checks the unrolled 3×3 path of the
// stem pooling (and its clipped edges) against the definition, with pads,
// odd sizes, strides 1–3 and ceil_mode.
func TestMaxPool3x3MatchesDefinition(t *testing.T) {
	for _, c := range []struct {
		h, w, s, pad int
		ceil         bool
		right        int64 // extra padding at the bottom and right
	}{{112, 112, 2, 1, false, 0}, {9, 7, 2, 1, false, 0}, {9, 7, 2, 1, true, 0}, {8, 8, 1, 1, false, 0},
		{10, 11, 3, 0, true, 0}, {3, 3, 2, 1, false, 0}, {4, 5, 2, 0, false, 0}, {5, 2, 1, 0, false, 1}} {
		x := make([]float32, 2*c.h*c.w)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*1.3)) * float32(i%4) // ties included
		}
		k, err := newPool(true, attrs{"kernel_shape": []int64{3, 3}, "strides": []int64{int64(c.s), int64(c.s)},
			"pads": []int64{int64(c.pad), int64(c.pad), int64(c.pad) + c.right, int64(c.pad) + c.right}, "ceil_mode": map[bool]int64{true: 1}[c.ceil]})
		if err != nil {
			t.Fatal(err)
		}
		p := k.(*pool)
		out, _, err := p.forward(nil, []*tval{{shape: []int{1, 2, c.h, c.w}, f: x}}, false)
		if err != nil {
			t.Fatal(err)
		}
		ho, wo := out.shape[2], out.shape[3]
		for pl := 0; pl < 2; pl++ {
			want := naiveMaxPoolPadded(x[pl*c.h*c.w:(pl+1)*c.h*c.w], c.h, c.w, 3, c.s, c.pad, ho, wo)
			for i := range want {
				if got := out.f[pl*ho*wo+i]; got != want[i] {
					t.Fatalf("%+v plane %d [%d]: got %v want %v", c, pl, i, got, want[i])
				}
			}
		}
	}
}

// naiveMaxPoolPadded is the definition with pad positions left out.
func naiveMaxPoolPadded(x []float32, h, w, k, s, pad, ho, wo int) []float32 {
	out := make([]float32, ho*wo)
	for oy := 0; oy < ho; oy++ {
		for ox := 0; ox < wo; ox++ {
			best := float32(math.Inf(-1))
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					y, xx := oy*s+ky-pad, ox*s+kx-pad
					if y >= 0 && y < h && xx >= 0 && xx < w && x[y*w+xx] > best {
						best = x[y*w+xx]
					}
				}
			}
			out[oy*wo+ox] = best
		}
	}
	return out
}
