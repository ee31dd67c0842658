package inference

import (
	"fmt"
	"sync"

	"gorgonia.org/tensor"
)

// Models exported with a symbolic height and width ([1,3,'h','w']) take
// any size their graph accepts. Such a Net is compiled at
// DynamicDefaultSide for the symbolic dimensions; a pass on another size
// runs on a sibling Net for that size (WithInputSize), which shares the
// steps, weights, buffer plan and arena, and differs only in the shapes
// inferred for it (so a size the graph cannot take is refused, naming
// the node, before anything runs).

// DynamicDefaultSide is the size a symbolic height or width takes at load.
const DynamicDefaultSide = 224

// MaxDynamicSide bounds the long side SizeFor gives for an image, so a
// photo's own size does not become a multi-gigabyte pass.
const MaxDynamicSide = 1024

// maxSizes bounds the sibling Nets kept for the sizes seen.
const maxSizes = 16

type sizedNets struct {
	mu   sync.Mutex
	nets map[[2]int]*Net
}

// Dynamic reports which of the input's height and width are symbolic.
func (n *Net) Dynamic() (h, w bool) { return n.dynH, n.dynW }

// Stride is the network's total downsampling: the input height over the
// smallest layer height (global pooling aside), rounded down to a power
// of two (strides of CNNs are products of 2s; ceil-mode pooling may leave
// the ratio odd).
func (n *Net) Stride() int {
	minH := n.inputShape[2]
	for _, l := range n.layers {
		if l.Op != "GlobalAveragePool" && l.Op != "GlobalMaxPool" && l.Op != "ReduceMean" {
			minH = min(minH, l.Shape[2])
		}
	}
	r := n.inputShape[2] / max(minH, 1)
	s := 1
	for s*2 <= r {
		s *= 2
	}
	return s
}

// SizeFor is the input size for an image of imgH×imgW pixels: a fixed
// dimension stays; a symbolic one takes the image's own size, scaled
// (keeping the aspect) so the long side is at most MaxDynamicSide, then
// rounded to the nearest multiple of Stride (at least one stride).
func (n *Net) SizeFor(imgH, imgW int) (h, w int) {
	_, h, w = n.InputSize()
	if !n.dynH && !n.dynW {
		return h, w
	}
	scale := min(1, float64(MaxDynamicSide)/float64(max(imgH, imgW, 1)))
	s := n.Stride()
	round := func(v int) int {
		m := int(float64(v)*scale/float64(s)+0.5) * s
		return max(m, s)
	}
	if n.dynH {
		h = round(imgH)
	}
	if n.dynW {
		w = round(imgW)
	}
	return h, w
}

// WithInputSize returns the Net for inputs of h×w: n itself at its own
// size, else a sibling sharing everything but the shapes. Only symbolic
// dimensions may change.
func (n *Net) WithInputSize(h, w int) (*Net, error) {
	_, h0, w0 := n.InputSize()
	if h == h0 && w == w0 {
		return n, nil
	}
	name := n.values[n.input].name
	if (h != h0 && !n.dynH) || (w != w0 && !n.dynW) {
		return nil, fmt.Errorf("the model input %q has a fixed size %d×%d; it cannot take %d×%d", name, h0, w0, h, w)
	}
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("an input of %d×%d is not an image size", h, w)
	}
	n.sized.mu.Lock()
	defer n.sized.mu.Unlock()
	key := [2]int{h, w}
	if v := n.sized.nets[key]; v != nil {
		return v, nil
	}
	v := &Net{
		values: n.values, steps: n.steps, byName: n.byName,
		input: n.input, scores: n.scores,
		inputShape: []int{n.inputShape[0], n.inputShape[1], h, w},
		nhwc:       n.nhwc, dynH: n.dynH, dynW: n.dynW, sized: n.sized,
		softmaxHead: n.softmaxHead, opset: n.opset, producerName: n.producerName,
		mapped: n.mapped, arena: n.arena, root: n.root, rootLast: n.rootLast,
		fused: n.fused,
	}
	if err := v.inferShapes(); err != nil {
		return nil, fmt.Errorf("the model does not take a %d×%d input: %w", h, w, err)
	}
	if err := v.listLayers(); err != nil {
		return nil, err
	}
	if len(n.sized.nets) >= maxSizes {
		clear(n.sized.nets)
	}
	n.sized.nets[key] = v
	return v, nil
}

// forInput is the Net for x's size: n, or its sibling when the model's
// height or width is symbolic and x has another.
func (n *Net) forInput(x *tensor.Dense) (*Net, error) {
	if x == nil || (!n.dynH && !n.dynW) {
		return n, nil
	}
	s := x.Shape()
	_, h, w := n.InputSize()
	if len(s) != 4 || (s[2] == h && s[3] == w) {
		return n, nil
	}
	if (s[2] != h && !n.dynH) || (s[3] != w && !n.dynW) {
		return n, nil // checkInput names the mismatch
	}
	return n.WithInputSize(s[2], s[3])
}
