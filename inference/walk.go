package inference

import "fmt"

// walkRows visits the elements of a tensor of shape out row by row (a row
// is the last axis). For each operand k, base[k] is the offset of out's
// first element in that operand and st[k][d] how far the operand moves per
// step along axis d (0 where it is broadcast, negative for reversed
// slices). fn gets the row's output offset and each operand's offset of
// the row's first element; along the row operand k advances by
// st[k][len(out)-1].
//
// Broadcasting, transposes, slices and reductions are all this one walk
// with different strides.
func walkRows(out []int, base []int, st [][]int, fn func(o int, off []int)) {
	r := len(out)
	off := append([]int(nil), base...)
	if r == 0 {
		fn(0, off)
		return
	}
	rowLen := out[r-1]
	if numel(out) == 0 {
		return
	}
	idx := make([]int, r-1)
	for o := 0; ; o += rowLen {
		fn(o, off)
		d := r - 2
		for ; d >= 0; d-- {
			idx[d]++
			for k := range off {
				off[k] += st[k][d]
			}
			if idx[d] < out[d] {
				break
			}
			for k := range off {
				off[k] -= st[k][d] * out[d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// strides are the row-major strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for d := len(shape) - 1; d >= 0; d-- {
		s[d] = acc
		acc *= shape[d]
	}
	return s
}

// broadcastShape is ONNX multidirectional (numpy) broadcasting: shapes
// are right-aligned and each axis must match or be 1.
func broadcastShape(shapes ...[]int) ([]int, error) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		for i, d := range s {
			j := r - len(s) + i
			switch {
			case out[j] == d || d == 1:
			case out[j] == 1:
				out[j] = d
			default:
				return nil, fmt.Errorf("shapes %s do not broadcast", shapesStr(shapes))
			}
		}
	}
	return out, nil
}

func shapesStr(shapes [][]int) string {
	s := ""
	for i, x := range shapes {
		if i > 0 {
			s += " and "
		}
		s += shapeStr(x)
	}
	return s
}

// broadcastStrides gives in's strides over the axes of out, which in
// broadcasts to: 0 on the axes in repeats.
func broadcastStrides(in, out []int) []int {
	s := make([]int, len(out))
	is := strides(in)
	for i := range in {
		j := len(out) - len(in) + i
		if in[i] != 1 {
			s[j] = is[i]
		}
	}
	return s
}

// normAxis resolves a possibly negative axis of a rank-r tensor.
func normAxis(axis, r int) (int, error) {
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, r)
	}
	return axis, nil
}
