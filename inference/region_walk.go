package inference

import (
	"context"
	"fmt"
	"slices"
)

// windowed is one image's walk through the network next to the zero
// pass: vals[v] is nil while v equals the zero pass's value (clean).
type windowed struct {
	z     *ZeroPass
	vals  []*tval
	dirt  []dirt
	owned []bool
}

// window computes one image's value stop (the logits: n.scores), x
// being 0 outside box b.
func (z *ZeroPass) window(ctx context.Context, x []float32, b Box, stop int) ([]float32, error) {
	n := z.net
	wk := &windowed{z: z, vals: make([]*tval, len(n.values)), dirt: make([]dirt, len(n.values)),
		owned: make([]bool, len(n.values))}
	defer wk.release()
	wk.vals[n.input] = &tval{shape: slices.Clone(z.p.vals[n.input].shape), f: x}
	wk.dirt[n.input] = dirt{box: b}
	skip := make([]bool, len(n.steps)) // run inside a fused step before
	for i, s := range n.steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !skip[i] && wk.touched(s) {
			fused, err := wk.fused(i, skip)
			if err == nil && !fused {
				err = wk.step(s)
			}
			if err != nil {
				return nil, err
			}
		}
		if s.out == stop {
			// Not recycled: stop may be a view of an input whose last
			// use is this step, read below; release gives it back.
			break
		}
		wk.recycle(i, s)
	}
	return slices.Clone(wk.value(stop).f), nil
}

// fused runs step i with the chain it heads as one step (see fuse.go)
// when its whole output is reached, and reports whether it did.
func (wk *windowed) fused(i int, skip []bool) (bool, error) {
	n := wk.z.net
	s := n.steps[i]
	c, ok := s.k.(*conv)
	if !ok || n.fused == nil || (n.fused[i].add < 0 && n.fused[i].relu < 0) {
		return false, nil
	}
	x := wk.value(s.in[0])
	out := wk.z.p.vals[s.out]
	d := c.reach([]dirt{wk.dirt[s.in[0]]}, [][]int{x.shape}, out.shape)
	if !d.full(out.shape) {
		return false, nil
	}
	f := n.fused[i]
	var skipv *tval
	if f.skip >= 0 {
		if skipv = wk.value(f.skip); skipv == nil || skipv.f == nil || !slices.Equal(skipv.shape, out.shape) {
			return false, nil
		}
	}
	ins := make([]*tval, len(s.in))
	for j, id := range s.in {
		if id >= 0 {
			ins[j] = wk.value(id)
		}
	}
	y, err := c.fusedStep(wk.z.ar, ins, skipv, f.relu >= 0)
	if err != nil {
		return true, fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
	}
	last := n.steps[f.last(i)].out
	wk.vals[last], wk.dirt[last], wk.owned[last] = y, dirt{all: true}, true
	for _, j := range []int{f.add, f.relu} {
		if j >= 0 {
			skip[j] = true
		}
	}
	return true, nil
}

// touched reports whether any input of s differs from the zero pass.
func (wk *windowed) touched(s step) bool {
	for _, id := range s.in {
		if id >= 0 && !wk.dirt[id].clean() {
			return true
		}
	}
	return false
}

// value is v as this image has it.
func (wk *windowed) value(v int) *tval {
	if t := wk.vals[v]; t != nil {
		return t
	}
	return wk.z.p.vals[v]
}

// step runs s on this image: a convolution whose output is only partly
// reached on the window, anything else as in an ordinary pass.
func (wk *windowed) step(s step) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node %q (%s) failed: %v", s.node, s.op, r)
		}
	}()
	ins := make([]*tval, len(s.in))
	in := make([]dirt, len(s.in))
	shapes := make([][]int, len(s.in))
	for j, id := range s.in {
		if id >= 0 {
			ins[j], in[j] = wk.value(id), wk.dirt[id]
			shapes[j] = ins[j].shape
		}
	}
	zeroOut := wk.z.p.vals[s.out]
	d := dirt{all: true}
	if r, ok := s.k.(reacher); ok && zeroOut != nil {
		d = r.reach(in, shapes, zeroOut.shape)
	}
	ar := wk.z.ar
	var out *tval
	var owned bool
	if c, ok := s.k.(*conv); ok && !d.full(zeroOut.shape) {
		out, err = c.windowed(ar, ins[0], d.box, zeroOut)
		owned = err == nil
	} else {
		out, _, owned, err = s.eval(ar, ins, false)
	}
	if err != nil {
		return fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
	}
	wk.vals[s.out], wk.dirt[s.out], wk.owned[s.out] = out, d, owned
	return nil
}

// windowed convolves x only for the outputs in box ob: on a copy of the
// input window they read (zeros where it runs over the image border, so
// the copy needs no padding), pasted into a copy of the zero pass's
// output zeroOut.
func (c *conv) windowed(ar *arena, x *tval, ob Box, zeroOut *tval) (*tval, error) {
	h, w := x.shape[2], x.shape[3]
	p := c.padsFor(h, w)
	iy0, ix0 := ob.Y0*c.sh-p[0], ob.X0*c.sw-p[1]
	iy1 := (ob.Y1-1)*c.sh - p[0] + (c.kh-1)*c.dh + 1
	ix1 := (ob.X1-1)*c.sw - p[1] + (c.kw-1)*c.dw + 1
	crop := ar.newT(1, x.shape[1], iy1-iy0, ix1-ix0)
	defer ar.put(crop.f)
	cropWindow(crop.f, x.f, x.shape[1], h, w, Box{iy0, ix0, iy1, ix1})
	unpadded := *c
	unpadded.pads, unpadded.autoPad = [4]int{}, "NOTSET"
	part, err := unpadded.run(ar, crop, true)
	if err != nil {
		return nil, err
	}
	defer ar.put(part.f)
	out := ar.newT(slices.Clone(zeroOut.shape)...)
	copy(out.f, zeroOut.f)
	paste(out.f, part.f, c.cout, zeroOut.shape[2], zeroOut.shape[3], ob)
	return out, nil
}

// cropWindow copies box b of every plane of x (ch planes of h×w) into
// dst, zero where b lies outside the plane.
func cropWindow(dst, x []float32, ch, h, w int, b Box) {
	bh, bw := b.Y1-b.Y0, b.X1-b.X0
	x0, x1 := max(b.X0, 0), min(b.X1, w)
	for c := range ch {
		for r := range bh {
			row := dst[(c*bh+r)*bw : (c*bh+r+1)*bw]
			iy := b.Y0 + r
			if iy < 0 || iy >= h || x0 >= x1 {
				clear(row)
				continue
			}
			clear(row[:x0-b.X0])
			copy(row[x0-b.X0:x1-b.X0], x[(c*h+iy)*w+x0:(c*h+iy)*w+x1])
			clear(row[x1-b.X0:])
		}
	}
}

// paste writes part (ch planes of b's size) into box b of dst's planes
// (h×w).
func paste(dst, part []float32, ch, h, w int, b Box) {
	bh, bw := b.Y1-b.Y0, b.X1-b.X0
	for c := range ch {
		for r := range bh {
			o := (c*h+b.Y0+r)*w + b.X0
			copy(dst[o:o+bw], part[(c*bh+r)*bw:(c*bh+r+1)*bw])
		}
	}
}

// recycle returns the buffers whose last reader was step i.
func (wk *windowed) recycle(i int, s step) {
	n := wk.z.net
	for _, id := range s.in {
		if id < 0 {
			continue
		}
		r := n.root[id]
		if n.rootLast[r] == i && wk.owned[r] && r != n.scores {
			wk.z.ar.put(wk.vals[r].f)
			wk.owned[r] = false
			wk.vals[r] = &tval{} // dead: never read again
		}
	}
}

// release gives back the buffers still held.
func (wk *windowed) release() {
	for v, own := range wk.owned {
		if own && wk.vals[v] != nil {
			wk.z.ar.put(wk.vals[v].f)
		}
	}
}
