package inference

import "gorgonia.org/tensor"

type tensorDense = tensor.Dense

func newDense(shape []int, data []float32) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}
