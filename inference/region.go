package inference

import (
	"context"
	"fmt"
	"slices"

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
