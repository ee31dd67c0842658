package inference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// directConv is the stride-1 3×3 convolution of x [n][cin][h][w] by its
// definition, in float64, with pads top/left pt, pl (the output size says
// the rest).
func directConv(x, w, bias []float32, n, cin, cout, h, wd, pt, pl, ho, wo int) []float64 {
	out := make([]float64, n*cout*ho*wo)
	for b := 0; b < n; b++ {
		for k := 0; k < cout; k++ {
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					s := float64(bias[k])
					for c := 0; c < cin; c++ {
						for ky := 0; ky < 3; ky++ {
							iy := oy - pt + ky
							if iy < 0 || iy >= h {
								continue
							}
							for kx := 0; kx < 3; kx++ {
								if ix := ox - pl + kx; ix >= 0 && ix < wd {
									s += float64(x[((b*cin+c)*h+iy)*wd+ix]) * float64(w[((k*cin+c)*3+ky)*3+kx])
								}
							}
						}
					}
					out[((b*cout+k)*ho+oy)*wo+ox] = s
				}
			}
		}
	}
	return out
}

// TestWinogradMatchesDirect runs both forms through the layer (chunking,
// several images per product, bias) on random weights and odd sizes, and
// compares with the direct sum. The 512-channel case makes chunks of 113
// tiles, so they split images and tile rows. Tolerance: 1e-4 of the
// outputs' scale 3√cin (F(4×4) rounds to ~1e-5 of it); a wrong transform,
// a tile in the wrong place or a lost bias is off by O(1) of it.
func TestWinogradMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	randv := func(n int) []float32 { return normals(r, n) }
	cases := []struct{ n, cin, cout, h, w, pad int }{
		{3, 32, 32, 9, 11, 1}, {2, 16, 24, 17, 13, 0}, {1, 40, 40, 30, 30, 1},
		{4, 8, 12, 7, 7, 1}, {3, 512, 8, 40, 38, 1}, {2, 24, 16, 22, 53, 0},
	}
	for _, tc := range cases {
		w := &tval{shape: []int{tc.cout, tc.cin, 3, 3}, f: randv(tc.cout * tc.cin * 9)}
		bias := randv(tc.cout)
		pd := int64(tc.pad)
		k, err := newConv(attrs{"pads": []int64{pd, pd, pd, pd}}, []*tval{nil, w, {shape: []int{tc.cout}, f: bias}})
		if err != nil {
			t.Fatal(err)
		}
		c := k.(*conv)
		if c.wino == nil { // thin layers run im2col; test the algorithm anyway
			c.wino = &winoWeights{}
		}
		x := randv(tc.n * tc.cin * tc.h * tc.w)
		ho, wo := tc.h+2*tc.pad-2, tc.w+2*tc.pad-2
		want := directConv(x, w.f, bias, tc.n, tc.cin, tc.cout, tc.h, tc.w, tc.pad, tc.pad, ho, wo)
		scale := 3 * math.Sqrt(float64(tc.cin))
		p := [4]int{tc.pad, tc.pad, tc.pad, tc.pad}
		for _, f := range []*winoForm{winoF2, winoF4} {
			for _, relu := range []bool{false, true} {
				t.Run(fmt.Sprintf("%+v/F%d/relu=%v", tc, f.m, relu), func(t *testing.T) {
					got := make([]float32, len(want))
					c.winograd(nil, x, tc.n, tc.h, tc.w, ho, wo, p, got, f, relu)
					for i, v := range want {
						if relu {
							v = max(v, 0)
						}
						if d := math.Abs(float64(got[i]) - v); d > 1e-4*scale {
							t.Fatalf("output %d = %v, direct convolution %v (off by %.3g of %.3g)", i, got[i], v, d, scale)
						}
					}
				})
			}
		}
	}
}

// TestWinoForPlanes pins the choice of form (nil: im2col) per batch and
// output plane.
func TestWinoForPlanes(t *testing.T) {
	cases := []struct {
		n, ho, wo int
		want      *winoForm
	}{
		{1, 224, 224, winoF4}, {1, 56, 56, winoF4}, {1, 28, 28, winoF4}, {1, 14, 14, winoF2},
		{4, 14, 14, winoF4}, {1, 7, 7, nil}, {2, 7, 7, winoF2}, {4, 7, 7, winoF4},
		{32, 7, 7, winoF4}, {1, 9, 11, nil}, {1, 11, 11, winoF2}, {3, 9, 11, winoF4},
		{1, 3, 200, winoF4}, {1, 3, 3, nil},
	}
	for _, tc := range cases {
		if got := winoFor(tc.n, tc.ho, tc.wo); got != tc.want {
			t.Errorf("winoFor(%d, %d, %d) = %s, want %s", tc.n, tc.ho, tc.wo, formName(got), formName(tc.want))
		}
	}
}

func formName(f *winoForm) string {
	if f == nil {
		return "im2col"
	}
	return fmt.Sprintf("F(%d×%d)", f.m, f.m)
}
