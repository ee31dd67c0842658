package inference

import (
	"context"
	"errors"
	"fmt"

	"gorgonia.org/tensor"
)

// A classifier head read as convolutions: VGG's fc6 over a C×kh×kw pooled
// map is a kh×kw convolution with the same weights, fc7 and fc8 are 1×1
// convolutions. Run on the features of a larger image, the head then gives
// a dense map of class scores (the "fc → conv" answer to CAM on VGG16).
type FCHead struct {
	Feature string // the tensor fc6 reads, before the flatten
	C, H, W int    // its shape at the model's input size
	convs   []*conv
	relu    []bool // a ReLU follows conv i
}

// ErrNoFCHead says the model's head is not a Flatten → Gemm chain.
var ErrNoFCHead = errors.New("the classifier is not a Flatten → fully-connected chain")

// FCHead analyses the classifier: scores ← Gemm (← Dropout/Identity)*
// (← Relu) ← Gemm … ← Flatten ← a spatial tensor. The answer is computed
// once per Net.
func (n *Net) FCHead() (*FCHead, error) {
	n.fcOnce.Do(func() { n.fcHead, n.fcErr = n.findFCHead() })
	return n.fcHead, n.fcErr
}

func (n *Net) findFCHead() (*FCHead, error) {
	var gemms []step
	var relus []bool
	v := n.scores
	reluAfter := false
	for {
		s := n.producer(v)
		if s == nil {
			return nil, fmt.Errorf("%w: reached the input", ErrNoFCHead)
		}
		switch k := s.k.(type) {
		case *gemm:
			if k.transA {
				return nil, fmt.Errorf("%w: Gemm %q transposes its input", ErrNoFCHead, s.node)
			}
			gemms = append(gemms, *s)
			relus = append(relus, reluAfter)
			reluAfter = false
		case *matmul, *binop:
			// A TF/Keras dense layer: MatMul by constant weights, with or
			// without an Add of a constant bias, is Gemm(x, W, b).
			g, ok := n.matmulAsGemm(s)
			if !ok {
				return nil, fmt.Errorf("%w: found %s (node %q)", ErrNoFCHead, s.op, s.node)
			}
			gemms = append(gemms, g)
			relus = append(relus, reluAfter)
			reluAfter = false
			s = &g
		case relu:
			reluAfter = true
		case *alias:
			if sh := n.shapes[s.in[0]]; len(sh) == 4 && (k.op == "Flatten" || k.op == "Reshape") {
				// A head that averages the whole map first is read densely
				// by applying its fc layers at every position (a 1×1 window).
				if p := n.producer(s.in[0]); p != nil && n.isGlobalPool(p) {
					return n.buildFCHead(p.in[0], 1, 1, gemms, relus)
				}
				return n.buildFCHead(s.in[0], sh[2], sh[3], gemms, relus)
			}
		default:
			return nil, fmt.Errorf("%w: found %s (node %q)", ErrNoFCHead, s.op, s.node)
		}
		v = s.in[0]
	}
}

// matmulAsGemm reads s — a MatMul by constant [in, out] weights, or an
// Add of a constant bias to one — as the equivalent Gemm step
// (alpha = beta = 1, no transposes), which reads the MatMul's input.
func (n *Net) matmulAsGemm(s *step) (step, bool) {
	mm, bias := s, -1
	if b, ok := s.k.(*binop); ok {
		if b.op != "Add" || len(s.in) != 2 {
			return step{}, false
		}
		mm = nil
		for j, in := range s.in {
			p := n.producer(in)
			if c := n.values[s.in[1-j]].konst; p != nil && c != nil && c.f != nil {
				if _, ok := p.k.(*matmul); ok {
					mm, bias = p, s.in[1-j]
				}
			}
		}
		if mm == nil {
			return step{}, false
		}
	}
	if _, ok := mm.k.(*matmul); !ok || len(n.shapes[mm.in[0]]) != 2 {
		return step{}, false
	}
	return step{op: "Gemm", node: mm.node, in: []int{mm.in[0], mm.in[1], bias}, out: s.out,
		k: &gemm{alpha: 1, beta: 1}, def: ops["Gemm"]}, true
}

func (n *Net) buildFCHead(feature, kh, kw int, gemms []step, relus []bool) (*FCHead, error) {
	if len(gemms) == 0 {
		return nil, fmt.Errorf("%w: no fully-connected layer", ErrNoFCHead)
	}
	h := &FCHead{Feature: n.values[feature].name, C: n.shapes[feature][1], H: kh, W: kw}
	cin, kh, kw := h.C, h.H, h.W
	for i := len(gemms) - 1; i >= 0; i-- {
		c, err := n.gemmAsConv(gemms[i], cin, kh, kw)
		if err != nil {
			return nil, err
		}
		h.convs = append(h.convs, c)
		h.relu = append(h.relu, relus[i])
		cin, kh, kw = c.cout, 1, 1
	}
	return h, nil
}

// gemmAsConv re-reads a Gemm's weights as a cin×kh×kw convolution.
func (n *Net) gemmAsConv(s step, cin, kh, kw int) (*conv, error) {
	g := s.k.(*gemm)
	b := n.values[s.in[1]].konst
	if b == nil {
		return nil, fmt.Errorf("%w: Gemm %q has no constant weights", ErrNoFCHead, s.node)
	}
	in, out := b.shape[0], b.shape[1]
	if g.transB {
		in, out = out, in
	}
	if in != cin*kh*kw {
		return nil, fmt.Errorf("%w: Gemm %q takes %d features, not %d×%d×%d", ErrNoFCHead, s.node, in, cin, kh, kw)
	}
	var w []float32 // [out, in] = [out, cin, kh, kw]
	if g.transB && g.alpha == 1 {
		w = b.f // stored as [out, in] already: share it (fc6 is 411 MB)
	} else {
		w = transposeScaled(b.f, in, out, g.transB, g.alpha)
	}
	c := &conv{w: w, cout: out, cin: cin, kh: kh, kw: kw, group: 1, sh: 1, sw: 1, dh: 1, dw: 1}
	if len(s.in) > 2 && s.in[2] >= 0 && g.beta != 0 {
		bias := n.values[s.in[2]].konst
		if bias == nil || (len(bias.f) != out && len(bias.f) != 1) {
			return nil, fmt.Errorf("%w: Gemm %q has a bias that is not per-class", ErrNoFCHead, s.node)
		}
		c.bias = make([]float32, out)
		for o := range c.bias {
			c.bias[o] = g.beta * bias.f[min(o, len(bias.f)-1)]
		}
	}
	return c, nil
}

// DenseScores runs the features on x (any size at least the model's input)
// and the head as convolutions: the class-score map [classes, h, w], where
// h = x's feature height − H + 1. At the model's own input size it is 1×1
// and equals the plain forward's scores.
func (n *Net) DenseScores(ctx context.Context, h *FCHead, x *tensor.Dense) (*tensor.Dense, error) {
	data, ok := x.Data().([]float32)
	s := x.Shape()
	if !ok || len(s) != 4 || s[0] != 1 || s[1] != n.inputShape[1] {
		return nil, fmt.Errorf("dense scores need a float32 [1,%d,H,W] input", n.inputShape[1])
	}
	feat, err := n.runUntil(ctx, n.toGraphLayout(&tval{shape: append([]int(nil), s...), f: data}), n.byName[h.Feature])
	if err != nil {
		return nil, err
	}
	if feat.shape[2] < h.H || feat.shape[3] < h.W {
		return nil, fmt.Errorf("the image gives a %d×%d feature map, smaller than the %d×%d the classifier reads", feat.shape[2], feat.shape[3], h.H, h.W)
	}
	cur := feat
	for i, c := range h.convs {
		if cur, _, err = c.forward(nil, []*tval{cur}, false); err != nil {
			return nil, err
		}
		if h.relu[i] {
			cur, _, _ = relu{}.forward(nil, []*tval{cur}, false)
		}
	}
	return tensor.New(tensor.WithShape(cur.shape[1:]...), tensor.WithBacking(cur.f)), nil
}

// runUntil runs only the steps the target value needs, at any input size.
func (n *Net) runUntil(ctx context.Context, in *tval, target int) (*tval, error) {
	need := map[int]bool{target: true}
	for i := len(n.steps) - 1; i >= 0; i-- {
		if s := n.steps[i]; need[s.out] {
			for _, id := range s.in {
				if id >= 0 {
					need[id] = true
				}
			}
		}
	}
	preset := map[int]*tval{}
	for _, s := range n.steps {
		if !need[s.out] {
			preset[s.out] = &tval{}
		}
	}
	p, err := n.run(ctx, in, false, []string{n.values[target].name}, preset)
	if err != nil {
		return nil, err
	}
	return p.vals[target], nil
}

// LinearHead is the classic CAM head: global average pooling, then one
// linear layer. Its weights turn a feature map straight into class maps.
type LinearHead struct {
	Feature string    // the tensor the pooling reads
	C       int       // its channels
	Weights []float32 // [classes, C]
	Bias    []float32 // [classes] or nil
}

// ErrNoLinearHead says the model's head is not GAP → linear.
var ErrNoLinearHead = errors.New("the classifier is not global-average-pool → one linear layer")

// LinearHead finds scores ← Gemm ← (Flatten/Reshape/Squeeze)* ←
// GlobalAveragePool (or an AveragePool covering the whole map) ← feature.
// The answer is computed once per Net.
func (n *Net) LinearHead() (*LinearHead, error) {
	n.linOnce.Do(func() { n.linHead, n.linErr = n.findLinearHead() })
	return n.linHead, n.linErr
}

func (n *Net) findLinearHead() (*LinearHead, error) {
	s := n.producer(n.throughAliases(n.scores))
	if s == nil {
		return nil, ErrNoLinearHead
	}
	w, bias, v, err := n.linearLayer(s)
	if err != nil {
		return nil, err
	}
	for {
		p := n.producer(v)
		if p == nil {
			return nil, ErrNoLinearHead
		}
		if p.def.alias {
			v = p.in[0]
			continue
		}
		if !n.isGlobalPool(p) {
			return nil, fmt.Errorf("%w: the last linear layer reads the output of %s, not a global average pool — VGG16 has three fully-connected layers after a 7×7 map: use fcconv", ErrNoLinearHead, p.op)
		}
		c := n.shapes[p.in[0]][1]
		if len(w) != c*n.NumClasses() {
			return nil, fmt.Errorf("%w: the linear layer takes %d features, the pool gives %d", ErrNoLinearHead, len(w)/n.NumClasses(), c)
		}
		return &LinearHead{Feature: n.values[p.in[0]].name, C: c, Weights: w, Bias: bias}, nil
	}
}

// linearLayer reads the last layer as weights [classes, features] and a
// bias: a Gemm, a MatMul by constant weights with or without an Add of a
// constant bias (TF/Keras exports), or a 1×1 convolution of a 1×1 map.
// v is the value it reads.
func (n *Net) linearLayer(s *step) (w, bias []float32, v int, err error) {
	switch k := s.k.(type) {
	case *gemm:
		c, err := n.gemmAsConv(*s, numel(n.shapes[s.in[0]][1:]), 1, 1)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%w: %w", ErrNoLinearHead, err)
		}
		return c.w, c.bias, s.in[0], nil
	case *binop:
		if k.op != "Add" {
			break
		}
		for j, in := range s.in {
			b := n.values[s.in[1-j]].konst
			if mm := n.producer(in); mm != nil && b != nil && b.f != nil {
				if _, ok := mm.k.(*matmul); ok {
					w, _, v, err := n.linearLayer(mm)
					if err != nil {
						return nil, nil, 0, err
					}
					return w, perClass(b.f, n.NumClasses()), v, nil
				}
			}
		}
	case *matmul:
		in, out := k.w.shape[0], k.w.shape[1]
		return transposeScaled(k.w.f, in, out, false, 1), nil, s.in[0], nil
	case *conv:
		// A 1×1 convolution on the pooled [N,C,1,1] vector (MXNet's
		// MobileNetV2, caffe2's DenseNet fc6) is a linear layer too.
		if in := n.shapes[s.in[0]]; k.kh == 1 && k.kw == 1 && k.group == 1 && len(in) == 4 && in[2] == 1 && in[3] == 1 {
			return k.w, k.bias, s.in[0], nil
		}
	}
	return nil, nil, 0, fmt.Errorf("%w: the last layer is %s", ErrNoLinearHead, s.op)
}

// perClass spreads a bias of one or classes values over the classes.
func perClass(b []float32, classes int) []float32 {
	out := make([]float32, classes)
	for i := range out {
		out[i] = b[min(i, len(b)-1)]
	}
	return out
}

// isGlobalPool reports whether step s averages each channel's whole map:
// GlobalAveragePool, an AveragePool covering it, or ReduceMean over H, W.
func (n *Net) isGlobalPool(s *step) bool {
	in := n.shapes[s.in[0]]
	switch k := s.k.(type) {
	case globalAvg:
		return true
	case *pool:
		return !k.max && len(in) == 4 && k.kh == in[2] && k.kw == in[3] && k.pads == [4]int{}
	case *reduceMean:
		ins := []*tval{{shape: in}}
		for _, id := range s.in[1:] {
			var c *tval
			if id >= 0 {
				c = n.values[id].konst
			}
			ins = append(ins, c)
		}
		return k.spatialMean(ins)
	}
	return false
}

// transposeScaled returns alpha·Bᵀ-as-[out, in] for a Gemm weight stored
// [in, out] (or alpha·B when stored [out, in]).
func transposeScaled(b []float32, in, out int, transB bool, alpha float32) []float32 {
	w := make([]float32, in*out)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			v := b[i*out+o]
			if transB {
				v = b[o*in+i]
			}
			w[o*in+i] = alpha * v
		}
	}
	return w
}
