package inference

import "fmt"

// reduceMean is ONNX ReduceMean: the mean over axes (all when none are
// given; from the attribute before opset 18, from input 1 after), the
// reduced axes kept as 1 with keepdims.
type reduceMean struct {
	axes     []int
	keep     bool
	noopNone bool // opset 18 noop_with_empty_axes
	fromIn   bool
}

func init() {
	register("ReduceMean", opDef{flat: true, build: func(a attrs, _ []*tval, opset int64) (any, error) {
		r := &reduceMean{fromIn: opset >= 18}
		kd, err := a.int("keepdims", 1)
		if err != nil {
			return nil, err
		}
		noop, err := a.int("noop_with_empty_axes", 0)
		if err != nil {
			return nil, err
		}
		r.keep, r.noopNone = kd == 1, noop == 1
		if !r.fromIn {
			r.axes, err = a.ints("axes")
		}
		return r, err
	}})
}

// plan returns the reduced flags per axis and the output shape with and
// without the kept axes.
func (r *reduceMean) plan(in []*tval) (red []bool, kept, out []int, err error) {
	x := in[0].shape
	axes := r.axes
	if r.fromIn && len(in) > 1 && in[1] != nil {
		if in[1].i == nil {
			return nil, nil, nil, fmt.Errorf("ReduceMean axes must be integers")
		}
		axes = in[1].ints()
	}
	red = make([]bool, len(x))
	for _, a := range axes {
		if a, err = normAxis(a, len(x)); err != nil {
			return nil, nil, nil, err
		}
		red[a] = true
	}
	if len(axes) == 0 && !r.noopNone {
		for d := range red {
			red[d] = true
		}
	}
	for d, n := range x {
		if red[d] {
			kept = append(kept, 1)
			if r.keep {
				out = append(out, 1)
			}
			continue
		}
		kept, out = append(kept, n), append(out, n)
	}
	return red, kept, out, nil
}

func (r *reduceMean) infer(in []*tval) ([]int, error) {
	_, _, out, err := r.plan(in)
	return out, err
}

// walk visits the input's rows with the offset of each row's first
// element in the output, and the output's step along the row.
func (r *reduceMean) walk(x, kept []int, fn func(i, o, row, ostep int)) {
	st := [][]int{broadcastStrides(kept, x)}
	row, ostep := lastDim(x), lastStride(st[0])
	walkRows(x, []int{0}, st, func(i int, off []int) { fn(i, off[0], row, ostep) })
}

func (r *reduceMean) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	_, kept, shape, err := r.plan(in)
	if err != nil {
		return nil, nil, err
	}
	out := ar.newT(shape...)
	clear(out.f)
	x := in[0]
	r.walk(x.shape, kept, func(i, o, row, ostep int) {
		for j := 0; j < row; j++ {
			out.f[o+j*ostep] += x.f[i+j]
		}
	})
	scale := float32(numel(kept)) / float32(max(1, numel(x.shape)))
	for i := range out.f {
		out.f[i] *= scale
	}
	return out, nil, nil
}

func (r *reduceMean) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	_, kept, _, err := r.plan(in)
	if err != nil {
		return nil, err
	}
	x := in[0].shape
	scale := float32(numel(kept)) / float32(max(1, numel(x)))
	dx := make([]float32, numel(x))
	r.walk(x, kept, func(i, o, row, ostep int) {
		for j := 0; j < row; j++ {
			dx[i+j] = dout[o+j*ostep] * scale
		}
	})
	return dx, nil
}

// spatialMean reports whether the step averages an [N,C,H,W] tensor over
// H and W (a global average pool written as ReduceMean).
func (r *reduceMean) spatialMean(in []*tval) bool {
	red, _, _, err := r.plan(in)
	return err == nil && len(red) == 4 && !red[0] && !red[1] && red[2] && red[3]
}
