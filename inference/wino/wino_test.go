package wino

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// direct is the 3×3 convolution by its definition, in float64.
func direct(x, w, bias []float32, cin, cout, h, wd, pt, pl, ho, wo int) []float64 {
	out := make([]float64, cout*ho*wo)
	for k := 0; k < cout; k++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				s := 0.0
				if bias != nil {
					s = float64(bias[k])
				}
				for c := 0; c < cin; c++ {
					for ky := 0; ky < 3; ky++ {
						for kx := 0; kx < 3; kx++ {
							iy, ix := oy-pt+ky, ox-pl+kx
							if iy >= 0 && iy < h && ix >= 0 && ix < wd {
								s += float64(x[(c*h+iy)*wd+ix]) * float64(w[((k*cin+c)*3+ky)*3+kx])
							}
						}
					}
				}
				out[(k*ho+oy)*wo+ox] = s
			}
		}
	}
	return out
}

type inFunc func([]float32, int, int, int, int, int, int, int, int, int, int, []float32, int, int)
type outFunc func([]float32, int, int, int, int, int, int, int, int, []float32, []float32, int, int)

// conv runs the F(m×m, 3×3) pipeline on two images at once (their tiles side
// by side in V and M), with a naive product in the middle, in chunks of
// rows tile rows, through the given transforms.
func conv(m int, xs [2][]float32, u, bias []float32, cin, cout, h, w, pt, pl, ho, wo, rows int, in inFunc, out outFunc) [2][]float32 {
	th, tw := (ho+m-1)/m, (wo+m-1)/m
	np := (m + 2) * (m + 2)
	ys := [2][]float32{make([]float32, cout*ho*wo), make([]float32, cout*ho*wo)}
	for ty0 := 0; ty0 < th; ty0 += rows {
		ty1 := min(th, ty0+rows)
		nt := (ty1 - ty0) * tw
		ld := 2*nt + 3 // spare columns: nothing may touch them
		v := make([]float32, np*cin*ld)
		for b, x := range xs {
			in(x, h, w, pt, pl, ty0, ty1, tw, 0, cin/2, cin, v, ld, b*nt) // two channel ranges
			in(x, h, w, pt, pl, ty0, ty1, tw, cin/2, cin, cin, v, ld, b*nt)
		}
		prod := make([]float32, np*cout*ld)
		for xi := 0; xi < np; xi++ {
			for k := 0; k < cout; k++ {
				for t := 0; t < ld; t++ {
					var s float32
					for c := 0; c < cin; c++ {
						s += u[(xi*cout+k)*cin+c] * v[(xi*cin+c)*ld+t]
					}
					prod[(xi*cout+k)*ld+t] = s
				}
			}
		}
		for b := range xs {
			out(prod, ho, wo, ty0, ty1, tw, 0, cout, cout, bias, ys[b], ld, b*nt)
		}
	}
	return ys
}

func TestTransformsConvolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct{ cin, cout, h, w, pad, rows int }{
		{3, 4, 8, 8, 1, 1}, {2, 3, 7, 9, 1, 2}, {4, 2, 13, 22, 1, 3}, {3, 3, 6, 5, 0, 1},
		{1, 2, 4, 4, 2, 10}, {5, 6, 24, 31, 1, 4}, {2, 2, 3, 3, 1, 1}, {3, 2, 17, 40, 0, 2},
	}
	for _, tc := range cases {
		xs := [2][]float32{randSlice(rng, tc.cin*tc.h*tc.w), randSlice(rng, tc.cin*tc.h*tc.w)}
		w := randSlice(rng, tc.cout*tc.cin*9)
		bias := randSlice(rng, tc.cout)
		ho, wo := tc.h+2*tc.pad-2, tc.w+2*tc.pad-2
		u := Filter(w, tc.cout, tc.cin)
		got := conv(2, xs, u, bias, tc.cin, tc.cout, tc.h, tc.w, tc.pad, tc.pad, ho, wo, tc.rows, Input, Output)
		ref := conv(2, xs, u, bias, tc.cin, tc.cout, tc.h, tc.w, tc.pad, tc.pad, ho, wo, tc.rows, inputGo, outputGo)
		for b := range xs {
			if !slices.Equal(got[b], ref[b]) {
				t.Errorf("%+v image %d: native transforms differ from the Go ones", tc, b)
			}
			want := direct(xs[b], w, bias, tc.cin, tc.cout, tc.h, tc.w, tc.pad, tc.pad, ho, wo)
			for i, v := range want {
				if math.Abs(float64(got[b][i])-v) > 1e-5*(1+math.Abs(v)) {
					t.Fatalf("%+v image %d: output %d = %v, direct convolution %v", tc, b, i, got[b][i], v)
				}
			}
		}
	}
}

// TestF4Convolves checks F(4×4, 3×3) against the direct convolution on
// random weights, two images side by side, sizes that are not multiples
// of 4 and widths that use eight-tile blocks, four-tile blocks and the
// tail (tw = 10, 14, 18, 1), padding 0, 1 and uneven. The native
// transforms (every block width the CPU runs) must equal the Go ones bit
// for bit.
// Tolerance: float32 rounding of F(4×4) on unit-variance data stays near
// 1e-5 of 3√cin (measured: 9.3e-6 at cin = 16); a wrong coefficient or a misplaced tile is off by O(1).
func TestF4Convolves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct{ cin, cout, h, w, pt, pl, pb, pr, rows int }{
		{3, 4, 8, 8, 1, 1, 1, 1, 1}, {2, 3, 7, 9, 1, 1, 1, 1, 2}, {4, 2, 13, 22, 1, 1, 1, 1, 3},
		{3, 3, 6, 5, 0, 0, 0, 0, 1}, {1, 2, 4, 4, 2, 2, 2, 2, 10}, {5, 6, 24, 31, 1, 1, 1, 1, 4},
		{2, 2, 3, 3, 1, 1, 1, 1, 1}, {3, 2, 17, 40, 0, 0, 0, 0, 2}, {6, 5, 11, 53, 1, 1, 1, 1, 2},
		{4, 3, 9, 70, 1, 1, 1, 1, 1}, {3, 4, 10, 38, 0, 1, 1, 0, 3}, {16, 8, 14, 14, 1, 1, 1, 1, 4},
	}
	old := blocks4
	defer func() { blocks4 = old }()
	for _, tc := range cases {
		xs := [2][]float32{randSlice(rng, tc.cin*tc.h*tc.w), randSlice(rng, tc.cin*tc.h*tc.w)}
		w := randSlice(rng, tc.cout*tc.cin*9)
		bias := randSlice(rng, tc.cout)
		ho, wo := tc.h+tc.pt+tc.pb-2, tc.w+tc.pl+tc.pr-2
		u := Filter4(w, tc.cout, tc.cin)
		ref := conv(4, xs, u, bias, tc.cin, tc.cout, tc.h, tc.w, tc.pt, tc.pl, ho, wo, tc.rows, input4Go, output4Go)
		for blocks := range old + 1 {
			blocks4 = blocks
			got := conv(4, xs, u, bias, tc.cin, tc.cout, tc.h, tc.w, tc.pt, tc.pl, ho, wo, tc.rows, Input4, Output4)
			for b := range xs {
				if !slices.Equal(got[b], ref[b]) {
					t.Errorf("%+v blocks %d image %d: native transforms differ from the Go ones", tc, blocks, b)
				}
			}
		}
		scale := 3 * math.Sqrt(float64(tc.cin))
		for b := range xs {
			want := direct(xs[b], w, bias, tc.cin, tc.cout, tc.h, tc.w, tc.pt, tc.pl, ho, wo)
			for i, v := range want {
				if d := math.Abs(float64(ref[b][i]) - v); d > 1e-4*scale {
					t.Fatalf("%+v image %d: output %d = %v, direct convolution %v", tc, b, i, ref[b][i], v)
				}
			}
		}
	}
}

// TestF4TransformsMatchGo compares each native F(4×4) transform, at
// every block width the CPU runs, with the Go one on whole V and M,
// spare columns included (both start from the same data), on VGG16's and
// ResNet-50's planes (7² to 224²: 2 to 56 tiles a row, so sixteen-tile
// blocks within a row, across rows and cut short), odd sizes and uneven
// pads, calls on a middle run of tile rows and channels, at an offset in
// V and M. Bit-identity holds because both do the same float32
// operations in the same order (wino4.go).
func TestF4TransformsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct{ h, w, pt, pl, pb, pr int }{
		{7, 7, 1, 1, 1, 1}, {14, 14, 1, 1, 1, 1}, {28, 28, 1, 1, 1, 1}, {56, 56, 1, 1, 1, 1},
		{224, 224, 1, 1, 1, 1}, {9, 13, 0, 0, 0, 0}, {31, 17, 2, 1, 0, 1}, {3, 3, 1, 1, 1, 1},
		{5, 66, 1, 0, 1, 2}, {19, 61, 0, 1, 1, 0}, {4, 4, 0, 0, 0, 0}, {12, 30, 1, 1, 1, 1},
	}
	old := blocks4
	defer func() { blocks4 = old }()
	const cin, cout = 3, 3
	for _, tc := range cases {
		ho, wo := tc.h+tc.pt+tc.pb-2, tc.w+tc.pl+tc.pr-2
		th, tw := (ho+3)/4, (wo+3)/4
		x := randSlice(rng, cin*tc.h*tc.w)
		bias := randSlice(rng, cout)
		spans := [][2]int{{0, th}, {th / 3, th - th/4}}
		for _, sp := range spans {
			ty0, ty1 := sp[0], sp[1]
			nt := (ty1 - ty0) * tw
			ld, t0 := nt+21, 5
			v0 := randSlice(rng, 36*cin*ld)
			m := randSlice(rng, 36*cout*ld)
			out0 := randSlice(rng, cout*ho*wo)
			wantV, wantOut := slices.Clone(v0), slices.Clone(out0)
			input4Go(x, tc.h, tc.w, tc.pt, tc.pl, ty0, ty1, tw, 1, cin, cin, wantV, ld, t0)
			output4Go(m, ho, wo, ty0, ty1, tw, 1, cout, cout, bias, wantOut, ld, t0)
			for blocks := range old + 1 {
				blocks4 = blocks
				v, out := slices.Clone(v0), slices.Clone(out0)
				Input4(x, tc.h, tc.w, tc.pt, tc.pl, ty0, ty1, tw, 1, cin, cin, v, ld, t0)
				Output4(m, ho, wo, ty0, ty1, tw, 1, cout, cout, bias, out, ld, t0)
				if i := firstDiff(v, wantV); i >= 0 {
					t.Errorf("%+v rows [%d,%d) blocks %d: V[%d] = %v, Go %v", tc, ty0, ty1, blocks, i, v[i], wantV[i])
				}
				if i := firstDiff(out, wantOut); i >= 0 {
					t.Errorf("%+v rows [%d,%d) blocks %d: out[%d] = %v, Go %v", tc, ty0, ty1, blocks, i, out[i], wantOut[i])
				}
			}
		}
	}
}

// firstDiff is the first index where a and b differ, −1 if none.
func firstDiff(a, b []float32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
