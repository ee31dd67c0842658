package inference

import "fmt"

// concat is ONNX Concat along axis: of activations (DenseNet, Inception,
// SqueezeNet) or of the int64 shape vectors of a Shape → Reshape chain.
type concat struct{ axis int }

func init() {
	register("Concat", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		ax, err := a.int("axis", 0)
		return &concat{axis: ax}, err
	}})
}

func (c *concat) infer(in []*tval) ([]int, error) {
	if len(in) == 0 || in[0] == nil {
		return nil, fmt.Errorf("Concat needs inputs")
	}
	first := in[0].shape
	ax, err := normAxis(c.axis, len(first))
	if err != nil {
		return nil, err
	}
	out := append([]int(nil), first...)
	out[ax] = 0
	for _, t := range in {
		if t == nil || len(t.shape) != len(first) {
			return nil, fmt.Errorf("Concat of tensors of different ranks")
		}
		for d := range first {
			if d != ax && t.shape[d] != first[d] {
				return nil, fmt.Errorf("Concat of %s and %s along axis %d", shapeStr(first), shapeStr(t.shape), ax)
			}
		}
		out[ax] += t.shape[ax]
	}
	return out, nil
}

// blocks returns how many outer blocks there are and the inner size of
// one unit along the axis.
func (c *concat) blocks(shape []int) (outer, inner, ax int) {
	ax, _ = normAxis(c.axis, len(shape))
	return numel(shape[:ax]), numel(shape[ax+1:]), ax
}

func (c *concat) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := c.infer(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	outer, inner, ax := c.blocks(shape)
	rowOut := shape[ax] * inner
	at := 0
	for _, t := range in {
		if t.f == nil {
			return nil, nil, fmt.Errorf("Concat of integer and float tensors")
		}
		w := t.shape[ax] * inner
		parallel(outer, 8, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				copy(out.f[b*rowOut+at:b*rowOut+at+w], t.f[b*w:(b+1)*w])
			}
		})
		at += w
	}
	return out, nil, nil
}

func (c *concat) evalInts(in []*tval) (*tval, error) {
	var out []int64
	for _, t := range in {
		if t == nil || t.i == nil || len(t.shape) > 1 {
			return nil, fmt.Errorf("Concat of integers is supported only for 1-D shape vectors")
		}
		out = append(out, t.i...)
	}
	return &tval{shape: []int{len(out)}, i: out}, nil
}

func (c *concat) backwardAll(_ *arena, in []*tval, out *tval, _ any, dout []float32, want []bool) ([][]float32, error) {
	outer, inner, ax := c.blocks(out.shape)
	rowOut := out.shape[ax] * inner
	g := make([][]float32, len(in))
	at := 0
	for i, t := range in {
		w := t.shape[ax] * inner
		if want[i] {
			g[i] = make([]float32, outer*w)
			for b := 0; b < outer; b++ {
				copy(g[i][b*w:(b+1)*w], dout[b*rowOut+at:b*rowOut+at+w])
			}
		}
		at += w
	}
	return g, nil
}

// slice is ONNX Slice, and one output of a Split (each Split output is
// compiled as its own slice step). Its parameters come from attributes
// (Slice before opset 10, Split), or from inputs 1–4 at run time.
type slice struct {
	fromInputs         bool
	starts, ends, axes []int
	steps              []int
	// Split part: output part of parts along axes[0], with explicit sizes
	// or equal ones.
	part, parts int
	sizes       []int
}

func init() {
	register("Slice", opDef{flat: true, build: newSlice})
	register("Split", opDef{flat: true, build: newSplit})
}

func newSlice(a attrs, _ []*tval, opset int64) (any, error) {
	if opset >= 10 {
		return &slice{fromInputs: true}, nil
	}
	s := &slice{}
	var err error
	if s.starts, err = a.ints("starts"); err != nil {
		return nil, err
	}
	if s.ends, err = a.ints("ends"); err != nil {
		return nil, err
	}
	if s.axes, err = a.ints("axes"); err != nil {
		return nil, err
	}
	return s, nil
}

// newSplit builds the kernel of output 0; compile makes the other parts
// with splitPart.
func newSplit(a attrs, in []*tval, opset int64) (any, error) {
	ax, err := a.int("axis", 0)
	if err != nil {
		return nil, err
	}
	s := &slice{axes: []int{ax}, parts: 1}
	if opset < 13 {
		s.sizes, err = a.ints("split")
	} else if len(in) > 1 && in[1] != nil {
		if in[1].i == nil {
			return nil, fmt.Errorf("Split sizes must be constant integers")
		}
		s.sizes = in[1].ints()
	}
	return s, err
}

// splitPart is the kernel of output j of a Split with m outputs.
func (s *slice) splitPart(j, m int) *slice {
	c := *s
	c.part, c.parts = j, m
	return &c
}

// ranges resolves the slice for an input shape: per axis of the input,
// the first index, the step and the count (ONNX clamping rules).
func (s *slice) ranges(in []*tval) (first, step, count []int, err error) {
	x := in[0].shape
	first, step, count = make([]int, len(x)), make([]int, len(x)), append([]int(nil), x...)
	for d := range step {
		step[d] = 1
	}
	if s.parts > 0 {
		return s.splitRange(x, first, step, count)
	}
	starts, ends, axes, steps := s.starts, s.ends, s.axes, s.steps
	if s.fromInputs {
		get := func(i int) ([]int, error) {
			if len(in) <= i || in[i] == nil {
				return nil, nil
			}
			if in[i].i == nil {
				return nil, fmt.Errorf("Slice parameters must be integers")
			}
			return in[i].ints(), nil
		}
		if starts, err = get(1); err != nil {
			return
		}
		if ends, err = get(2); err != nil {
			return
		}
		if axes, err = get(3); err != nil {
			return
		}
		if steps, err = get(4); err != nil {
			return
		}
	}
	if len(starts) != len(ends) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, nil, fmt.Errorf("Slice starts, ends, axes and steps differ in length")
	}
	for i := range starts {
		ax := i
		if axes != nil {
			ax = axes[i]
		}
		if ax, err = normAxis(ax, len(x)); err != nil {
			return
		}
		st := 1
		if steps != nil {
			st = steps[i]
		}
		if st == 0 {
			return nil, nil, nil, fmt.Errorf("Slice step 0")
		}
		lo, hi := clampSlice(starts[i], x[ax], st), clampSlice(ends[i], x[ax], st)
		n := 0
		if st > 0 && hi > lo {
			n = (hi - lo + st - 1) / st
		} else if st < 0 && lo > hi {
			n = (lo - hi - st - 1) / -st
		}
		first[ax], step[ax], count[ax] = lo, st, n
	}
	return first, step, count, nil
}

// clampSlice resolves a start or end index: negative counts from the end,
// then clamped to [0, dim] (to [-1, dim-1] for negative steps).
func clampSlice(v, dim, step int) int {
	if v < 0 {
		v += dim
	}
	if step > 0 {
		return max(0, min(v, dim))
	}
	return max(-1, min(v, dim-1))
}

func (s *slice) splitRange(x, first, step, count []int) ([]int, []int, []int, error) {
	ax, err := normAxis(s.axes[0], len(x))
	if err != nil {
		return nil, nil, nil, err
	}
	sizes := s.sizes
	if sizes == nil {
		// Equal parts; with opset 18's uneven split the last is smaller.
		per := (x[ax] + s.parts - 1) / s.parts
		for j := 0; j < s.parts; j++ {
			sizes = append(sizes, max(0, min(per, x[ax]-j*per)))
		}
	}
	total := 0
	for _, v := range sizes {
		total += v
	}
	if len(sizes) != s.parts || total != x[ax] {
		return nil, nil, nil, fmt.Errorf("Split sizes %v do not cover the %d values of axis %d in %d parts", sizes, x[ax], ax, s.parts)
	}
	for j := 0; j < s.part; j++ {
		first[ax] += sizes[j]
	}
	count[ax] = sizes[s.part]
	return first, step, count, nil
}

func (s *slice) infer(in []*tval) ([]int, error) {
	_, _, count, err := s.ranges(in)
	return count, err
}

// walk visits the output rows with the input offset of each.
func (s *slice) walk(in []*tval, fn func(o, i, row, istep int)) ([]int, error) {
	first, step, count, err := s.ranges(in)
	if err != nil {
		return nil, err
	}
	xs := strides(in[0].shape)
	base := 0
	st := make([]int, len(xs))
	for d := range xs {
		base += first[d] * xs[d]
		st[d] = step[d] * xs[d]
	}
	row, istep := lastDim(count), lastStride(st)
	walkRows(count, []int{base}, [][]int{st}, func(o int, off []int) { fn(o, off[0], row, istep) })
	return count, nil
}

func (s *slice) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := s.infer(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	x := in[0].f
	_, err = s.walk(in, func(o, i, row, istep int) {
		for j := 0; j < row; j++ {
			out.f[o+j] = x[i+j*istep]
		}
	})
	return out, nil, err
}

func (s *slice) evalInts(in []*tval) (*tval, error) {
	shape, err := s.infer(in)
	if err != nil {
		return nil, err
	}
	out := &tval{shape: shape, i: make([]int64, numel(shape))}
	_, err = s.walk(in, func(o, i, row, istep int) {
		for j := 0; j < row; j++ {
			out.i[o+j] = in[0].i[i+j*istep]
		}
	})
	return out, err
}

func (s *slice) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	dx := make([]float32, numel(in[0].shape))
	_, err := s.walk(in, func(o, i, row, istep int) {
		for j := 0; j < row; j++ {
			dx[i+j*istep] += dout[o+j]
		}
	})
	return dx, err
}
