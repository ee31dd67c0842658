package cam_test

// A test-only backward pass through the reference network of refnet_test.go
// from features[layer] to the logits, for an arbitrary seed vector
// d(target)/d(logits). The engine's public Pass only backpropagates one
// class at a time (Grad/Grads); this gives the gradients of any target
// directly, and TestRefGradMatchesGolden checks it against the golden
// per-class gradients first.

import (
	"fmt"
	"testing"

	"camviz/cam"
)

// refState is the kept forward state from a layer's activation.
type refState struct {
	net   refNet
	layer int
	ins   []act       // ins[i] = input of features[layer+1+i]
	outs  []act       // outs[i] = its output
	fc    [][]float32 // the head's input, then each Gemm's output
}

// forwardFrom runs features[layer+1..30] and the head, keeping every output.
func (net refNet) forwardFrom(layer int, a cam.Maps) refState {
	s := refState{net: net, layer: layer}
	x := act{a.C, a.H, a.W, append([]float32(nil), a.Data...)}
	for i := layer + 1; i <= 30; i++ {
		s.ins = append(s.ins, x)
		x = net.features(act{x.c, x.h, x.w, append([]float32(nil), x.data...)}, i, i)
		s.outs = append(s.outs, x)
	}
	h := x.data
	s.fc = append(s.fc, h)
	for _, i := range []int{0, 3, 6} {
		w := net[fmt.Sprintf("classifier.%d.weight", i)]
		b := net[fmt.Sprintf("classifier.%d.bias", i)]
		out := make([]float32, w.dims[0])
		for o := range out {
			var sum float32
			for k, v := range w.data[o*w.dims[1] : (o+1)*w.dims[1]] {
				sum += v * h[k]
			}
			out[o] = sum + b.data[o]
			if i != 6 {
				out[o] = max(out[o], 0)
			}
		}
		h = out
		s.fc = append(s.fc, h)
	}
	return s
}

// logits returns the forward pass's logits.
func (s refState) logits() []float32 { return s.fc[len(s.fc)-1] }

// backward returns Σ_j seed_j · d logit_j / d features[layer].
func (s refState) backward(seed []float32) cam.Maps {
	in, _ := s.backwardAll(seed)
	return in
}

// backwardAll returns the gradient of Σ_j seed_j·logit_j with respect to
// the input of features[layer+1] and to the output of each features[i]
// (outs[i−layer−1]).
func (s refState) backwardAll(seed []float32) (cam.Maps, []cam.Maps) {
	g := append([]float32(nil), seed...)
	for n, i := range []int{6, 3, 0} {
		w := s.net[fmt.Sprintf("classifier.%d.weight", i)]
		in := s.fc[2-n] // the input of classifier.i
		dx := make([]float32, w.dims[1])
		for o, go_ := range g {
			if go_ == 0 {
				continue
			}
			for k, v := range w.data[o*w.dims[1] : (o+1)*w.dims[1]] {
				dx[k] += go_ * v
			}
		}
		if i != 0 { // the ReLU after classifier.(i−3)
			for k := range dx {
				if in[k] <= 0 {
					dx[k] = 0
				}
			}
		}
		g = dx
	}
	outs := make([]cam.Maps, len(s.outs))
	for i := 30; i > s.layer; i-- {
		in, out := s.ins[i-s.layer-1], s.outs[i-s.layer-1]
		outs[i-s.layer-1] = cam.Maps{C: out.c, H: out.h, W: out.w, Data: append([]float32(nil), g...)}
		switch w, ok := s.net[fmt.Sprintf("features.%d.weight", i)]; {
		case ok:
			g = convBackward(act{out.c, out.h, out.w, g}, w).data
		case isPool(i):
			g = poolBackward(in, out, g)
		default:
			for k := range g {
				if out.data[k] <= 0 {
					g[k] = 0
				}
			}
		}
	}
	return cam.Maps{C: s.ins[0].c, H: s.ins[0].h, W: s.ins[0].w, Data: g}, outs
}

// poolBackward routes each output gradient to the first maximum of its
// 2×2 window in scan order, as torch's CPU max_pool2d records it.
func poolBackward(x, out act, g []float32) []float32 {
	dx := make([]float32, len(x.data))
	for c := 0; c < x.c; c++ {
		for y := 0; y < out.h; y++ {
			for xx := 0; xx < out.w; xx++ {
				base := c*x.h*x.w + 2*y*x.w + 2*xx
				best := base
				for _, off := range []int{1, x.w, x.w + 1} {
					if x.data[base+off] > x.data[best] {
						best = base + off
					}
				}
				dx[best] += g[(c*out.h+y)*out.w+xx]
			}
		}
	}
	return dx
}

// convBackward is the input gradient of a 3×3, pad-1 convolution: the
// same convolution with the kernel flipped and its channels transposed.
func convBackward(dy act, w refTensor) act {
	cout, cin := w.dims[0], w.dims[1]
	wt := refTensor{dims: []int{cin, cout, 3, 3}, data: make([]float32, len(w.data))}
	for o := 0; o < cout; o++ {
		for c := 0; c < cin; c++ {
			for k := 0; k < 9; k++ {
				wt.data[(c*cout+o)*9+8-k] = w.data[(o*cin+c)*9+k]
			}
		}
	}
	return conv3x3(dy, wt, refTensor{data: make([]float32, cin)})
}

// TestRefGradMatchesGolden checks the test backward against pytorch's
// per-class gradients (seed = one-hot), so that the target tests below
// test the seeds, not this backward.
func TestRefGradMatchesGolden(t *testing.T) {
	net := loadRefNet(t)
	for _, layer := range goldenLayers {
		a, err := golden.Activations(layer)
		if err != nil {
			t.Fatal(err)
		}
		s := net.forwardFrom(layer, a)
		for _, class := range goldenClasses {
			want, err := golden.Gradients(layer, class)
			if err != nil {
				t.Fatal(err)
			}
			seed := make([]float32, 10)
			seed[class] = 1
			got := s.backward(seed)
			if got.C != want.C || got.H != want.H || got.W != want.W {
				t.Fatalf("f%d: shape %d×%d×%d, want %d×%d×%d", layer, got.C, got.H, got.W, want.C, want.H, want.W)
			}
			if d := relDiff(got.Data, want.Data); d > 1e-4 {
				t.Errorf("f%d c%d: relative diff %.3g", layer, class, d)
			}
		}
	}
}
