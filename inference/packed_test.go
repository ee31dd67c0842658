package inference

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"camviz/inference/kern"
)

// TestPackedConvMatchesBLAS runs convolutions on kern's packed product
// (plain and fused with a residual and a ReLU) and on the BLAS path with
// a separate epilogue, over the shapes the engine sends there: 1×1 on the
// input, strided 1×1, padded 3×3 with stride 2, a 7×7 stride-2 stem,
// dilation, groups, batches of 1 and 3, planes above and below the
// wide-batch size, products deep and large enough to split over the
// threads by rows and by columns. Different summation
// order, so a tolerance (1e-5 relative); a wrong row, column, group or
// block is off by the size of the values.
func TestPackedConvMatchesBLAS(t *testing.T) {
	if !kern.Available() {
		t.Skip("no packed product on this build or CPU")
	}
	cases := []struct {
		cout, cin, k, group, s, d, pd, n, h, w int
	}{
		{24, 16, 1, 1, 1, 1, 0, 1, 9, 11},
		{24, 16, 1, 1, 2, 1, 0, 3, 9, 11},
		{20, 12, 3, 1, 2, 1, 1, 1, 13, 7},
		{13, 28, 3, 1, 2, 1, 1, 3, 31, 33}, // 16×17 planes: the wide batch
		{64, 3, 7, 1, 2, 1, 3, 1, 40, 38},
		{16, 4, 3, 4, 1, 1, 1, 2, 9, 11},
		{10, 6, 3, 1, 1, 2, 2, 1, 12, 12},
		{7, 256, 1, 1, 1, 1, 0, 2, 30, 31},   // 930-value planes: image by image
		{96, 64, 3, 1, 1, 1, 1, 1, 7, 7},     // Winograd's layer on a plane too small for it; split by rows over B packed once
		{300, 288, 1, 1, 2, 1, 0, 1, 28, 28}, // deeper than a block, strided, split by rows
		{40, 300, 3, 1, 2, 1, 1, 1, 60, 60},  // 2700 deep from the image, split by columns
	}
	r := rand.New(rand.NewPCG(3, 4))
	randv := func(n int) []float32 { return normals(r, n) }
	defer func() { usePacked = true }()
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			w := &tval{shape: []int{tc.cout, tc.cin, tc.k, tc.k}, f: randv(tc.cout * tc.cin * tc.k * tc.k)}
			b := &tval{shape: []int{tc.cout}, f: randv(tc.cout)}
			k, err := newConv(attrs{"group": int64(tc.group), "strides": []int64{int64(tc.s), int64(tc.s)},
				"dilations": []int64{int64(tc.d), int64(tc.d)},
				"pads":      []int64{int64(tc.pd), int64(tc.pd), int64(tc.pd), int64(tc.pd)}}, []*tval{nil, w, b})
			if err != nil {
				t.Fatal(err)
			}
			c := k.(*conv)
			if c.packed == nil {
				t.Fatal("the convolution does not take kern's product")
			}
			x := &tval{shape: []int{tc.n, tc.cin * tc.group, tc.h, tc.w}, f: randv(tc.n * tc.cin * tc.group * tc.h * tc.w)}
			shape, err := c.infer([]*tval{x})
			if err != nil {
				t.Fatal(err)
			}
			skip := &tval{shape: shape, f: randv(numel(shape))}
			run := func(packed bool) (plain, fused []float32) {
				usePacked = packed
				y, _, err := c.forward(nil, []*tval{x}, false)
				if err != nil {
					t.Fatal(err)
				}
				f, err := c.forwardFused(nil, []*tval{x}, skip, true)
				if err != nil {
					t.Fatal(err)
				}
				return y.f, f.f
			}
			wantPlain, wantFused := run(false)
			gotPlain, gotFused := run(true)
			if d := maxRelDiff(gotPlain, wantPlain); d > 1e-5 {
				t.Errorf("packed convolution differs from BLAS by %.3g", d)
			}
			if d := maxRelDiff(gotFused, wantFused); d > 1e-5 {
				t.Errorf("packed fused convolution differs from BLAS by %.3g", d)
			}
		})
	}
}

// TestPackedLeavesWinogradLayers: a 3×3 layer Winograd takes stays there
// where winoFor picks a form, and takes kern's product only on planes
// too small for it (ResNet-50's 7×7).
func TestPackedLeavesWinogradLayers(t *testing.T) {
	if !kern.Available() {
		t.Skip("no packed product on this build or CPU")
	}
	w := &tval{shape: []int{64, 64, 3, 3}, f: make([]float32, 64*64*9)}
	k, err := newConv(attrs{"pads": []int64{1, 1, 1, 1}}, []*tval{nil, w})
	if err != nil {
		t.Fatal(err)
	}
	c := k.(*conv)
	for _, tc := range []struct {
		x      []int
		packed bool
	}{
		{[]int{1, 64, 56, 56}, false},
		{[]int{1, 64, 14, 14}, false},
		{[]int{1, 64, 7, 7}, true},
		{[]int{4, 64, 7, 7}, false}, // 64 tiles of F(2×2): Winograd again
	} {
		if got := c.packs(tc.x); got != tc.packed {
			t.Errorf("packs(%v) = %v, want %v (Winograd form %v)", tc.x, got, tc.packed, c.formFor(tc.x))
		}
	}
}
