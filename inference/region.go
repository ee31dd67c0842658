package inference

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"gorgonia.org/tensor"

	"camviz/inference/blas"
	"camviz/inference/kern"
)

// Box is a rectangle of an image plane: rows Y0 … Y1−1, columns
// X0 … X1−1. It is empty when Y0 ≥ Y1 or X0 ≥ X1.
type Box struct{ Y0, X0, Y1, X1 int }

// Empty reports whether b holds no position.
func (b Box) Empty() bool { return b.Y0 >= b.Y1 || b.X0 >= b.X1 }

func (b Box) union(c Box) Box {
	switch {
	case b.Empty():
		return c
	case c.Empty():
		return b
	}
	return Box{min(b.Y0, c.Y0), min(b.X0, c.X0), max(b.Y1, c.Y1), max(b.X1, c.X1)}
}

func (b Box) clip(h, w int) Box {
	return Box{max(b.Y0, 0), max(b.X0, 0), min(b.Y1, h), min(b.X1, w)}
}

// covers reports whether b holds every position of an h×w plane.
func (b Box) covers(h, w int) bool { return b.Y0 <= 0 && b.X0 <= 0 && b.Y1 >= h && b.X1 >= w }

// WindowPays reports whether an image that is 0 outside b runs faster
// through the zero pass's windows than as an ordinary pass: when b holds at
// most a third of the h×w plane (an empty box always pays). Windows run one
// image at a time on cropped planes, which keep the second core less busy
// than a whole batch does; measured on full VGG16 (2-core Zen 3, quiet), a
// window against the plain pass: 56² of 224² 0.35×, 112² 0.58×, 160² ~1.0×;
// Score-CAM with windows for every partial box took 107.6 s against 98.9 s
// with none (most of that model's boxes cover over 90% of the image).
func (b Box) WindowPays(h, w int) bool {
	b = b.clip(h, w)
	if b.Empty() {
		return true
	}
	return 3*(b.Y1-b.Y0)*(b.X1-b.X0) <= h*w
}

// dirt is where a value of a masked pass may differ from the zero pass's:
// inside box of every [N,C,H,W] plane, or anywhere (all).
type dirt struct {
	box Box
	all bool
}

func (d dirt) clean() bool { return !d.all && d.box.Empty() }

// full reports whether d leaves no position of shape unchanged.
func (d dirt) full(shape []int) bool {
	return d.all || len(shape) != 4 || d.box.covers(shape[2], shape[3])
}

// reacher kernels say which of their outputs a change of their inputs
// inside the given dirt can reach; a kernel without it makes its whole
// output dirty.
type reacher interface {
	reach(in []dirt, shapes [][]int, out []int) dirt
}

// windowReach maps a box of a sliding window's input to the outputs whose
// window (kernel k, stride s, dilation d, padding p0 before) overlaps it,
// along one axis: o·s − p0 ≤ hi−1 and o·s − p0 + (k−1)·d ≥ lo.
func windowReach(lo, hi, k, s, d, p0, outLen int) (int, int) {
	first := ceilDiv(lo+p0-(k-1)*d, s)
	last := floorDiv(hi-1+p0, s)
	return max(first, 0), min(last+1, outLen)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

// slidingReach is the dirt of a sliding-window operator's output.
func slidingReach(in dirt, shape, out []int, kh, kw, sh, sw, dh, dw int, p [4]int) dirt {
	if in.all || len(shape) != 4 || len(out) != 4 {
		return dirt{all: true}
	}
	if in.box.Empty() {
		return dirt{}
	}
	y0, y1 := windowReach(in.box.Y0, in.box.Y1, kh, sh, dh, p[0], out[2])
	x0, x1 := windowReach(in.box.X0, in.box.X1, kw, sw, dw, p[1], out[3])
	return dirt{box: Box{y0, x0, y1, x1}}
}

func (c *conv) reach(in []dirt, shapes [][]int, out []int) dirt {
	if len(shapes[0]) != 4 {
		return dirt{all: true}
	}
	p := c.padsFor(shapes[0][2], shapes[0][3])
	return slidingReach(in[0], shapes[0], out, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, p)
}

func (p *pool) reach(in []dirt, shapes [][]int, out []int) dirt {
	return slidingReach(in[0], shapes[0], out, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pads)
}

// pointwiseReach is the dirt of an operator whose output at a position
// reads its inputs at that position only: the union of the inputs'. An
// input broadcast across the plane ([N,C,1,1]) that is dirty reaches
// every position.
func pointwiseReach(in []dirt, shapes [][]int, out []int) dirt {
	var d dirt
	for i, v := range in {
		if v.clean() {
			continue
		}
		s := shapes[i]
		if v.all || len(s) != 4 || len(out) != 4 || s[2] != out[2] || s[3] != out[3] {
			return dirt{all: true}
		}
		d.box = d.box.union(v.box)
	}
	return d
}

func (relu) reach(in []dirt, shapes [][]int, out []int) dirt { return pointwiseReach(in, shapes, out) }
func (*unary) reach(in []dirt, shapes [][]int, out []int) dirt {
	return pointwiseReach(in, shapes, out)
}
func (*batchNorm) reach(in []dirt, shapes [][]int, out []int) dirt {
	return pointwiseReach(in, shapes, out)
}
func (*binop) reach(in []dirt, shapes [][]int, out []int) dirt {
	return pointwiseReach(in, shapes, out)
}
func (sum) reach(in []dirt, shapes [][]int, out []int) dirt { return pointwiseReach(in, shapes, out) }

// A Concat along channels keeps every position where it was; along the
// batch or the plane it moves them.
func (c *concat) reach(in []dirt, shapes [][]int, out []int) dirt {
	if ax, err := normAxis(c.axis, len(out)); err != nil || len(out) != 4 || ax != 1 {
		return dirt{all: true}
	}
	return pointwiseReach(in, shapes, out)
}

// ZeroPass is the network's kept pass over the all-zero input, the start
// of ScoresZeroOutside. It belongs to one Net (one input size).
type ZeroPass struct {
	net *Net
	p   *Pass
	// A windowed image's walk stops at value from; the plain chain of
	// Relu and Gemm steps from there to the scores (Net.headChain) runs
	// once for all the batch's windows (nil chain: the walks run to the
	// scores). VGG16's fc6 reads its 411 MB of weights once a batch, not
	// once an image.
	from  int
	chain []step
	// ar holds the windows' buffers, whose sizes change from one image to
	// the next: kept by the full pass's sizes, they are reused rather
	// than faulted in afresh.
	ar *arena
}

// ZeroPass runs the all-zero input of the declared size and keeps it.
// Memory: every activation of one image (about 60 MB for VGG16).
func (n *Net) ZeroPass(ctx context.Context) (*ZeroPass, error) {
	p, err := n.Forward(ctx, n.NewInput(1), true)
	if err != nil {
		return nil, err
	}
	ar := newArena(arenaLimit)
	ar.classes = n.bufferSizes()
	z := &ZeroPass{net: n, p: p, ar: ar}
	z.from, z.chain = n.scoresHead()
	return z, nil
}

// scoresHead is the earliest value from which the steps to the scores
// form a plain head chain (headChain), and that chain; n.scores and nil
// when the scores come from no such chain.
func (n *Net) scoresHead() (int, []step) {
	from, chain := n.scores, []step(nil)
	for v := n.scores; ; {
		s := n.producer(v)
		if s == nil || len(s.in) == 0 || s.in[0] < 0 {
			break
		}
		c, ok := n.headChain(s.in[0])
		if !ok {
			break
		}
		v, from, chain = s.in[0], s.in[0], c
	}
	return from, chain
}

// finishHeads runs the head chain on m rows of its input (the windows'
// values at z.from) and returns their logits, m × classes.
func (z *ZeroPass) finishHeads(rows []float32, m int) ([]float32, error) {
	x := &tval{shape: []int{m, len(rows) / m}, f: rows}
	var owned []float32
	defer func() {
		if owned != nil {
			z.ar.put(owned)
		}
	}()
	for _, s := range z.chain {
		switch k := s.k.(type) {
		case relu:
			kern.Relu(x.f)
		case *gemm:
			ins := []*tval{x, z.net.values[s.in[1]].konst, nil}
			if len(s.in) > 2 && s.in[2] >= 0 {
				ins[2] = z.net.values[s.in[2]].konst
			}
			out, _, err := k.forward(z.ar, ins, false)
			if err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
			}
			if owned != nil {
				z.ar.put(owned)
			}
			owned, x = out.f, out
		}
	}
	return slices.Clone(x.f), nil
}

// bufferSizes are the sizes of one image's full pass: every value's and
// every convolution's im2col columns, sorted.
func (n *Net) bufferSizes() []int {
	var sizes []int
	for v := range n.values {
		if s := n.shapes[v]; len(s) > 0 && n.values[v].konst == nil {
			sizes = append(sizes, numel(s)/max(s[0], 1))
		}
	}
	for _, s := range n.steps {
		if c, ok := s.k.(*conv); ok && len(n.shapes[s.out]) == 4 {
			o := n.shapes[s.out]
			sizes = append(sizes, c.cin*c.kh*c.kw*o[2]*o[3])
		}
	}
	slices.Sort(sizes)
	return slices.Compact(sizes)
}

// Release gives the zero pass's buffers back for reuse; z must not be
// used afterwards.
func (z *ZeroPass) Release() { z.p.Release() }

// ScoresZeroOutside runs the images x ([n,C,H,W] flattened, the declared
// input size, n = len(boxes)) and returns their logits [n × classes], for
// images that are exactly 0 outside their box (in input pixels; an empty
// box: the whole image is 0). That is what ScoreCAM's masked images are
// where a channel's mask is 0.
//
// Why it is cheaper: an output whose receptive field lies wholly where
// the image is 0 equals the zero pass's output at the same position (the
// padding at the border is 0 in both). So an image with a partial box
// runs each convolution only on the window of outputs its box can reach
// (propagated through Conv, pooling and the pointwise operators; anything
// else makes its whole output dirty), on a copy of the window's inputs
// with the image border's padding written out, and pastes the result into
// a copy of the zero pass's output; a convolution whose whole output is
// reached runs as in an ordinary pass (fused with its Add and Relu). All
// the walk's buffers come from an arena of its own, kept by the full
// pass's sizes. A window's walk stops where the plain head chain begins
// (the flattened features of VGG16), and the chain runs once for all the
// batch's windows. An empty box is the zero pass's logits; the
// images whose box covers the plane run as ordinary passes. The result
// equals the ordinary pass up to float32 rounding (a window is a product
// of another shape).
func (z *ZeroPass) ScoresZeroOutside(ctx context.Context, x []float32, boxes []Box) ([]float32, error) {
	n := z.net
	c, h, w := n.InputSize()
	per := c * h * w
	if len(boxes) == 0 || len(x) != len(boxes)*per {
		return nil, fmt.Errorf("%d input values for %d images of %d×%d×%d", len(x), len(boxes), c, h, w)
	}
	classes := len(z.p.Scores())
	out := make([]float32, len(boxes)*classes)
	var whole, windows, walk []int
	var rows []float32 // the windows' values at z.from
	for i, b := range boxes {
		b = b.clip(h, w)
		switch {
		case n.nhwc || !b.WindowPays(h, w):
			whole = append(whole, i)
		case b.Empty():
			copy(out[i*classes:], z.p.Scores())
		default:
			walk = append(walk, i)
		}
	}
	got, err := z.windows(ctx, x, per, boxes, walk)
	if err != nil {
		return nil, err
	}
	for j, i := range walk {
		if z.chain != nil {
			rows, windows = append(rows, got[j]...), append(windows, i)
			continue
		}
		copy(out[i*classes:], got[j])
	}
	// Beside windows, whole images walk to the head chain too (a box of
	// the whole plane runs every step as the ordinary pass does) and join
	// the windows' batch there, rather than each reading the head's
	// weights alone.
	if len(windows) > 0 {
		for _, i := range whole {
			s, err := z.window(ctx, x[i*per:(i+1)*per], Box{0, 0, h, w}, z.from)
			if err != nil {
				return nil, err
			}
			rows, windows = append(rows, s...), append(windows, i)
		}
		whole = nil
	}
	if len(windows) > 0 {
		s, err := z.finishHeads(rows, len(windows))
		if err != nil {
			return nil, err
		}
		for j, i := range windows {
			copy(out[i*classes:(i+1)*classes], s[j*classes:(j+1)*classes])
		}
	}
	// Whole images run as the batch asked for when they are all of it;
	// beside windows without a head chain, one at a time, so that the passes keep to the batch
	// sizes the net's arena holds buffers for (a batch of 3 out of 4
	// would fault in a fresh set).
	groups := [][]int{whole}
	if len(whole) < len(boxes) {
		groups = nil
		for _, i := range whole {
			groups = append(groups, []int{i})
		}
	}
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		s, err := z.batch(ctx, x, per, g)
		if err != nil {
			return nil, err
		}
		for j, i := range g {
			copy(out[i*classes:(i+1)*classes], s[j*classes:(j+1)*classes])
		}
	}
	return out, nil
}

// windows walks the images idx of x through their boxes' windows, two at
// a time: one window is a single image's cropped planes, whose products
// are too narrow to keep both cores busy alone. Score-CAM on VGG16
// (2-core Xeon, two interleaved runs each): its 13 batches of windows took
// 4.04 and 3.97 s one at a time, 3.33 and 3.53 s two at a time.
func (z *ZeroPass) windows(ctx context.Context, x []float32, per int, boxes []Box, idx []int) ([][]float32, error) {
	_, h, w := z.net.InputSize()
	got := make([][]float32, len(idx))
	errs := make([]error, len(idx))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(2, blas.Workers(), len(idx)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				i := idx[j]
				got[j], errs[j] = z.window(ctx, x[i*per:(i+1)*per], boxes[i].clip(h, w), z.from)
			}
		}()
	}
	for j := range idx {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return got, nil
}

// batch runs the images idx of x as one ordinary pass.
func (z *ZeroPass) batch(ctx context.Context, x []float32, per int, idx []int) ([]float32, error) {
	in := x[idx[0]*per : (idx[0]+len(idx))*per]
	if !slices.Equal(idx, seq(idx[0], len(idx))) {
		in = make([]float32, len(idx)*per)
		for j, i := range idx {
			copy(in[j*per:], x[i*per:(i+1)*per])
		}
	}
	c, h, w := z.net.InputSize()
	p, err := z.net.Forward(ctx, tensor.New(tensor.WithShape(len(idx), c, h, w), tensor.WithBacking(in)), false)
	if err != nil {
		return nil, err
	}
	defer p.Release()
	return slices.Clone(p.Scores()), nil
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}
