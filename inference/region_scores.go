package inference

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"gorgonia.org/tensor"

	"camviz/inference/blas"
)

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
	if err := z.wholes(ctx, x, per, whole, len(boxes), out); err != nil {
		return nil, err
	}
	return out, nil
}

// wholes runs the images idx of x (of n) as ordinary passes into their
// rows of out: as the batch asked for when they are all of it; beside
// windows without a head chain, one at a time, so that the passes keep to
// the batch sizes the net's arena holds buffers for (a batch of 3 out of
// 4 would fault in a fresh set).
func (z *ZeroPass) wholes(ctx context.Context, x []float32, per int, idx []int, n int, out []float32) error {
	groups := [][]int{idx}
	if len(idx) < n {
		groups = nil
		for _, i := range idx {
			groups = append(groups, []int{i})
		}
	}
	classes := len(z.p.Scores())
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		s, err := z.batch(ctx, x, per, g)
		if err != nil {
			return err
		}
		for j, i := range g {
			copy(out[i*classes:(i+1)*classes], s[j*classes:(j+1)*classes])
		}
	}
	return nil
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
