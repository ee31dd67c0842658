package inference

import (
	"fmt"
	"strings"
)

// tval is a tensor flowing through the engine: float32 activations or the
// int64 vectors of shape arithmetic (Shape → Gather → Concat → Reshape).
type tval struct {
	shape []int
	f     []float32
	i     []int64
	// elem is the ONNX element type a weight was stored in before it was
	// converted to float32 (int8 or uint8 zero points set QuantizeLinear's
	// range); 0 when it is float32 or int64 as held.
	elem int
}

func (t *tval) isInt() bool { return t.i != nil || (t.f == nil && numel(t.shape) == 0) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func shapeStr(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, "×") + "]"
}

// ints reads an int64 tensor as ints (shape vectors, axes, indices).
func (t *tval) ints() []int {
	out := make([]int, len(t.i))
	for k, v := range t.i {
		out[k] = int(v)
	}
	return out
}
