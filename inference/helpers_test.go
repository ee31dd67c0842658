package inference

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

type tensorDense = tensor.Dense

func newDense(shape []int, data []float32) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// blasTol is how far two results of the same arithmetic may differ when
// they come from different product shapes (a batch of 2 against 1, a
// matrix-vector product against a matrix one): each BLAS kernel set sums
// in its own order, a few ulps of every term. A wrong offset, a missing
// term or a stale buffer moves results by orders of magnitude more.
const blasTol = 1e-5

// near says whether a and b agree within tol, relative to their size once
// above 1.
func near(a, b float32, tol float64) bool {
	d := math.Abs(float64(a) - float64(b))
	return d <= tol*math.Max(1, math.Max(math.Abs(float64(a)), math.Abs(float64(b))))
}

// normals is n draws of r's standard normal.
func normals(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}
