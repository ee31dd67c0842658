package inference

import (
	"fmt"
	"sort"
)

// alias ops change only the shape: the output shares the input's data, and
// the gradient passes through unchanged.
type alias struct {
	op   string
	axis int   // Flatten
	axes []int // Squeeze/Unsqueeze from attributes (opset < 13)
}

func init() {
	plain := func(op string) func(attrs, []*tval, int64) (any, error) {
		return func(attrs, []*tval, int64) (any, error) { return &alias{op: op}, nil }
	}
	register("Identity", opDef{alias: true, flat: true, perChannel: true, build: plain("Identity")})
	register("Dropout", opDef{alias: true, flat: true, perChannel: true, build: plain("Dropout")})
	register("Reshape", opDef{alias: true, flat: true, build: plain("Reshape")})
	register("Flatten", opDef{alias: true, flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
		ax, err := a.int("axis", 1)
		return &alias{op: "Flatten", axis: ax}, err
	}})
	for _, op := range []string{"Squeeze", "Unsqueeze"} {
		register(op, opDef{alias: true, flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) {
			axes, err := a.ints("axes")
			return &alias{op: op, axes: axes}, err
		}})
	}
}

func (a *alias) infer(in []*tval) ([]int, error) {
	x := in[0].shape
	switch a.op {
	case "Identity", "Dropout":
		return x, nil
	case "Flatten":
		ax := a.axis
		if ax < 0 {
			ax += len(x)
		}
		if ax < 0 || ax > len(x) {
			return nil, fmt.Errorf("Flatten axis %d out of range for %s", a.axis, shapeStr(x))
		}
		return []int{numel(x[:ax]), numel(x[ax:])}, nil
	case "Reshape":
		if len(in) < 2 || in[1] == nil || in[1].i == nil {
			return nil, fmt.Errorf("Reshape needs an integer shape input")
		}
		spec := in[1].ints()
		if len(spec) > 0 && spec[0] == 1 && len(x) > 0 && x[0] > 1 {
			// A static export writes its batch of one into the shape
			// (ShuffleNet's channel shuffle, view(1, -1)): a batched pass
			// keeps its own batch.
			if o, err := reshapeTo(x, append([]int{x[0]}, spec[1:]...)); err == nil {
				return o, nil
			}
		}
		return reshapeTo(x, spec)
	case "Squeeze", "Unsqueeze":
		axes := a.axes
		if len(in) > 1 && in[1] != nil {
			axes = in[1].ints()
		}
		if a.op == "Squeeze" {
			return squeeze(x, axes)
		}
		return unsqueeze(x, axes)
	}
	return nil, fmt.Errorf("internal: unknown alias op %s", a.op)
}

func (a *alias) forward(_ *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := a.infer(in)
	if err != nil {
		return nil, nil, err
	}
	return &tval{shape: shape, f: in[0].f, i: in[0].i}, nil, nil
}

func (a *alias) backward(_ *arena, _ []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	return dout, nil
}

func reshapeTo(x, spec []int) ([]int, error) {
	out := make([]int, len(spec))
	infer := -1
	known := 1
	for i, d := range spec {
		switch {
		case d == 0 && i < len(x):
			out[i] = x[i]
		case d == -1 && infer < 0:
			infer = i
			continue
		case d > 0:
			out[i] = d
		default:
			return nil, fmt.Errorf("Reshape %v of %s is not valid", spec, shapeStr(x))
		}
		known *= out[i]
	}
	total := numel(x)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("Reshape %v cannot hold the %d values of %s", spec, total, shapeStr(x))
		}
		out[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("Reshape %v cannot hold the %d values of %s", spec, total, shapeStr(x))
	}
	return out, nil
}

func squeeze(x, axes []int) ([]int, error) {
	drop := map[int]bool{}
	for _, a := range axes {
		if a < 0 {
			a += len(x)
		}
		if a < 0 || a >= len(x) || x[a] != 1 {
			return nil, fmt.Errorf("cannot squeeze axis %d of %s", a, shapeStr(x))
		}
		drop[a] = true
	}
	var out []int
	for i, d := range x {
		if drop[i] || (len(axes) == 0 && d == 1) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

func unsqueeze(x, axes []int) ([]int, error) {
	n := len(x) + len(axes)
	norm := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += n
		}
		if a < 0 || a >= n {
			return nil, fmt.Errorf("cannot unsqueeze axis %d of %s", axes[i], shapeStr(x))
		}
		norm[i] = a
	}
	sort.Ints(norm)
	out := make([]int, 0, n)
	src := 0
	for i := 0; i < n; i++ {
		if len(norm) > 0 && norm[0] == i {
			norm = norm[1:]
			out = append(out, 1)
			continue
		}
		if src >= len(x) {
			return nil, fmt.Errorf("cannot unsqueeze %v into %s", axes, shapeStr(x))
		}
		out = append(out, x[src])
		src++
	}
	return out, nil
}
