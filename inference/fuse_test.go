package inference

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// perImage is the convolution of a batch computed image by image (the
// reference for the batched paths: Winograd's shared tiles, the wide
// product of small planes).
func perImage(t *testing.T, c *conv, x *tval) *tval {
	t.Helper()
	per := numel(x.shape) / x.shape[0]
	var out *tval
	for b := 0; b < x.shape[0]; b++ {
		xb := &tval{shape: append([]int{1}, x.shape[1:]...), f: x.f[b*per : (b+1)*per]}
		y, _, err := c.forward(nil, []*tval{xb}, false)
		if err != nil {
			t.Fatal(err)
		}
		if out == nil {
			out = &tval{shape: append([]int{x.shape[0]}, y.shape[1:]...)}
		}
		out.f = append(out.f, y.f...)
	}
	return out
}

// TestFusedConvMatchesSteps runs each convolution path (1×1 on the input
// as it lies, strided 1×1, im2col 3×3 strided and padded, Winograd,
// grouped, depthwise) fused with a residual and a ReLU, and compares it
// with the steps one by one: Conv (image by image), Add, Relu; and the
// batch of 3 unfused against the images one by one. Different code paths, so a
// tolerance (1e-5 relative); a missing bias, skip or clamp is off by ~1.
func TestFusedConvMatchesSteps(t *testing.T) {
	cases := []struct {
		name                       string
		cout, cin, k, group, s, pd int
	}{
		{"pointwise", 24, 16, 1, 1, 1, 0},
		{"pointwise strided", 24, 16, 1, 1, 2, 0},
		{"3x3 strided", 20, 12, 3, 1, 2, 1},
		{"winograd", 32, 32, 3, 1, 1, 1},
		{"grouped", 16, 4, 3, 4, 1, 1},
		{"depthwise", 16, 1, 3, 16, 1, 1},
	}
	r := rand.New(rand.NewPCG(1, 2))
	randv := func(n int) []float32 { return normals(r, n) }
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := &tval{shape: []int{tc.cout, tc.cin, tc.k, tc.k}, f: randv(tc.cout * tc.cin * tc.k * tc.k)}
			b := &tval{shape: []int{tc.cout}, f: randv(tc.cout)}
			k, err := newConv(attrs{"group": int64(tc.group), "strides": []int64{int64(tc.s), int64(tc.s)},
				"pads": []int64{int64(tc.pd), int64(tc.pd), int64(tc.pd), int64(tc.pd)}}, []*tval{nil, w, b})
			if err != nil {
				t.Fatal(err)
			}
			c := k.(*conv)
			if tc.name == "winograd" && c.wino == nil {
				t.Fatal("the Winograd case does not take the Winograd path")
			}
			x := &tval{shape: []int{3, tc.cin * tc.group, 9, 11}, f: randv(3 * tc.cin * tc.group * 99)}
			conv := perImage(t, c, x)
			batched, _, err := c.forward(nil, []*tval{x}, false)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRelDiff(batched.f, conv.f); d > 1e-5 {
				t.Errorf("the batch of 3 differs from the images one by one by %.3g", d)
			}
			skip := &tval{shape: conv.shape, f: randv(len(conv.f))}
			for _, mode := range []struct {
				skip *tval
				relu bool
			}{{skip, true}, {skip, false}, {nil, true}} {
				want := append([]float32(nil), conv.f...)
				for i := range want {
					if mode.skip != nil {
						want[i] += mode.skip.f[i]
					}
					if mode.relu {
						want[i] = max(want[i], 0)
					}
				}
				got, err := c.forwardFused(nil, []*tval{x}, mode.skip, mode.relu)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxRelDiff(got.f, want); d > 1e-5 {
					t.Errorf("skip=%v relu=%v: fused differs from the steps by %.3g", mode.skip != nil, mode.relu, d)
				}
			}
		})
	}
}

func maxRelDiff(got, want []float32) float64 {
	var worst, scale float64
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		scale = math.Max(scale, math.Abs(float64(want[i])))
	}
	return worst / math.Max(scale, 1e-30)
}

// TestFusedPassMatchesTorch runs every family's fixture in a pass that
// keeps nothing (convolutions fused with their Add and Relu where the
// graph allows) and checks the logits against torch's within 1e-4; on the
// ResNets it also checks that chains were fused (their inner tensors
// never made) and that a tap inside a chain is still produced, equal to
// the kept pass's value.
func TestFusedPassMatchesTorch(t *testing.T) {
	ctx := context.Background()
	eachFamily(t, 10, func(t *testing.T, m familyMeta, dir string, net *Net, x *tensorDense) {
		p, err := net.Forward(ctx, x, false)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := readNpyFrom(t, filepath.Join(dir, "logits.npy"))
		closeTo(t, "logits", p.Scores(), want)
		chains, inner := 0, -1
		for i, f := range net.fused {
			if f.add >= 0 && f.relu >= 0 {
				chains++
				if p.vals[net.steps[i].out] != nil || p.vals[net.steps[f.add].out] != nil {
					t.Errorf("step %s: fused chain's inner tensors were made", net.steps[i].node)
				}
				inner = net.steps[f.add].out
			}
		}
		p.Release()
		if m.Name != "resnet18" && m.Name != "resnet50" {
			return
		}
		if chains < 8 {
			t.Fatalf("%d Conv+Add+Relu chains fused, want every residual block's", chains)
		}
		name := net.values[inner].name
		tapped, err := net.Forward(ctx, x, false, name)
		if err != nil {
			t.Fatal(err)
		}
		defer tapped.Release()
		kept, err := net.Forward(ctx, x, true)
		if err != nil {
			t.Fatal(err)
		}
		defer kept.Release()
		a, err := tapped.Activation(name)
		if err != nil {
			t.Fatalf("tap %s inside a fused chain: %v", name, err)
		}
		b, _ := kept.Activation(name)
		closeTo(t, fmt.Sprintf("tap %s", name), a.Data().([]float32), b.Data().([]float32))
		closeTo(t, "tapped logits", tapped.Scores(), want)
	})
}
