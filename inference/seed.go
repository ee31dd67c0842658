package inference

import (
	"context"
	"fmt"

	"gorgonia.org/tensor"
)

// The derivatives the method zoo reads beyond one class's gradient at a
// layer: a backward pass from any seed over the scores, continued to the
// input (optionally guided), and the gradients kept at every bias layer.

// SeedGrad returns d(Σ_j seed_j·score_j)/d layer from one backward pass,
// for a seed over the pass's scores ([batch × classes], as Scores). Any
// target that is a function of the logits has, at this input, the
// gradient of its linearisation: seed = d target/d scores.
func (p *Pass) SeedGrad(ctx context.Context, layer string, seed []float32) (*tensor.Dense, error) {
	if _, err := p.value(layer); err != nil {
		return nil, err
	}
	g, shape, err := p.reverse(ctx, p.net.byName[layer], seed, 1, nil)
	if err != nil {
		return nil, err
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(g)), nil
}

// InputGrad returns d(Σ_j seed_j·score_j)/d input, [N,C,H,W] (a
// channels-last model's gradient is transposed back). With guided, every
// Relu's adjoint is dx = dy·[x > 0]·[dy > 0] instead of dy·[x > 0]
// (guided backpropagation, pytorch-grad-cam's GuidedBackpropReLU: only
// positive gradients pass, at every Relu of the model, classifier
// included).
func (p *Pass) InputGrad(ctx context.Context, seed []float32, guided bool) (*tensor.Dense, error) {
	var hook stepHook
	if guided {
		hook = guideRelu
	}
	g, shape, err := p.reverse(ctx, p.net.input, seed, 1, hook)
	if err != nil {
		return nil, err
	}
	return p.toNCHW(g, shape), nil
}

// toNCHW is an input-shaped gradient as [N,C,H,W] (a channels-last
// graph's transposed back).
func (p *Pass) toNCHW(g []float32, shape []int) *tensor.Dense {
	t := &tval{shape: shape, f: g}
	if p.net.nhwc {
		t, _, _ = (&transpose{perm: []int{0, 3, 1, 2}}).forward(nil, []*tval{t}, false)
	}
	return tensor.New(tensor.WithShape(t.shape...), tensor.WithBacking(t.f))
}

// guideRelu turns a Relu's adjoint dy·[x > 0] into dy·[x > 0]·[dy > 0]:
// where x > 0 it is dy itself, so it is max(adjoint, 0).
func guideRelu(_ int, s step, _ []float32, dxs [][]float32) error {
	if _, ok := s.k.(relu); !ok || dxs[0] == nil {
		return nil
	}
	for i, v := range dxs[0] {
		dxs[0][i] = max(v, 0)
	}
	return nil
}

// BiasGrad is one bias layer's FullGrad term.
type BiasGrad struct {
	Node  string    // the ONNX node
	Bias  []float32 // per output channel
	Grad  []float32 // d(Σ seed·scores)/d the node's output
	Shape []int     // of Grad: [N,C,H,W]
}

// BiasGrads returns, from one backward pass to the input, FullGrad's
// terms: for every Conv with a bias and every BatchNormalization (its
// bias as folded, β − μ·γ/√(σ²+ε)), in graph order, the bias and the
// gradient of the seeded scores at the node's output; and the input
// gradient that pass ends with (as InputGrad). A layer the scores do not
// depend on has no term. pytorch-grad-cam takes the Conv2d with a bias and
// the BatchNorm2d modules; an export that folded a BatchNorm into its Conv
// leaves one Conv whose bias and output are the BatchNorm's.
func (p *Pass) BiasGrads(ctx context.Context, seed []float32) ([]BiasGrad, *tensor.Dense, error) {
	var terms []BiasGrad
	hook := func(_ int, s step, dout []float32, _ [][]float32) error {
		if b := biasOf(s.k); b != nil {
			terms = append(terms, BiasGrad{Node: s.node, Bias: b, Grad: dout, Shape: p.vals[s.out].shape})
		}
		return nil
	}
	g, shape, err := p.reverse(ctx, p.net.input, seed, 1, hook)
	if err != nil {
		return nil, nil, err
	}
	for i, j := 0, len(terms)-1; i < j; i, j = i+1, j-1 {
		terms[i], terms[j] = terms[j], terms[i] // the backward met them last first
	}
	for _, t := range terms {
		if len(t.Shape) != 4 {
			return nil, nil, fmt.Errorf("bias layer %q has output %s, not [N,C,H,W]", t.Node, shapeStr(t.Shape))
		}
	}
	return terms, p.toNCHW(g, shape), nil
}

// biasOf is the per-channel bias of a Conv or BatchNormalization kernel,
// nil for others and for a Conv without one.
func biasOf(k any) []float32 {
	switch k := k.(type) {
	case *conv:
		return k.bias
	case *batchNorm:
		return k.shift
	}
	return nil
}
