package inference

import (
	"fmt"

	"camviz/inference/blas"
)

// matmul is ONNX MatMul of an activation [… , M, K] by constant weights
// [K, N] (a linear layer as TF/Keras and torch's nn.Linear on channel-last
// tensors export it): one product over all leading rows.
type matmul struct{ w *tval }

// errAttention is why MatMul of two activations is refused.
const errAttention = "MatMul of two activations (attention, as in ViT or Swin) is out of scope: camviz explains CNNs"

func init() {
	register("MatMul", opDef{flat: true, build: func(_ attrs, in []*tval, _ int64) (any, error) {
		if len(in) != 2 {
			return nil, fmt.Errorf("MatMul needs two inputs")
		}
		if in[1] == nil {
			return nil, fmt.Errorf("%s", errAttention)
		}
		if in[1].f == nil || len(in[1].shape) != 2 {
			return nil, fmt.Errorf("MatMul weights are %s, want a 2-D float matrix", shapeStr(in[1].shape))
		}
		if in[0] != nil {
			return nil, fmt.Errorf("MatMul of a constant by an activation is not supported")
		}
		return &matmul{w: in[1]}, nil
	}})
}

func (m *matmul) dims(x []int) (rows, k, n int, err error) {
	k, n = m.w.shape[0], m.w.shape[1]
	if len(x) < 1 || x[len(x)-1] != k {
		return 0, 0, 0, fmt.Errorf("MatMul input %s does not end in the weights' %d rows", shapeStr(x), k)
	}
	return numel(x) / k, k, n, nil
}

func (m *matmul) infer(in []*tval) ([]int, error) {
	x := in[0].shape
	if _, _, n, err := m.dims(x); err != nil {
		return nil, err
	} else {
		out := append([]int(nil), x...)
		out[len(out)-1] = n
		return out, nil
	}
}

func (m *matmul) forward(ar *arena, in []*tval, _ bool) (*tval, any, error) {
	shape, err := m.infer(in)
	if err != nil {
		return nil, nil, err
	}
	rows, k, n, _ := m.dims(in[0].shape)
	out := ar.newT(shape...)
	blas.Gemm(false, false, rows, n, k, 1, in[0].f, k, m.w.f, n, 0, out.f, n)
	return out, nil, nil
}

// backward gives dX = dY·Wᵀ; dout may stack several gradients (more rows).
func (m *matmul) backward(_ *arena, in []*tval, _ *tval, _ any, dout []float32) ([]float32, error) {
	k, n := m.w.shape[0], m.w.shape[1]
	rows := len(dout) / n
	dx := make([]float32, rows*k)
	blas.Gemm(false, true, rows, k, n, 1, dout, n, m.w.f, n, 0, dx, k)
	return dx, nil
}
