package inference

import (
	"fmt"
)

// kernel is one ONNX operator on float tensors.
type kernel interface {
	// infer returns the output shape for the inputs' shapes (and the values
	// of integer inputs), or a plain error when they do not fit.
	infer(in []*tval) ([]int, error)
	// forward computes the output; with keep it may return state that
	// backward needs (MaxPool's argmax).
	forward(ar *arena, in []*tval, keep bool) (*tval, any, error)
}

// differentiable kernels give the gradient for their first input.
type differentiable interface {
	backward(ar *arena, in []*tval, out *tval, aux any, dout []float32) ([]float32, error)
}

// Supported lists the ONNX operators camviz runs.
var Supported = []string{
	"AveragePool", "BatchNormalization", "Cast", "Concat", "Constant", "Conv", "Dropout",
	"Flatten", "Gather", "Gemm", "GlobalAveragePool", "Identity", "LogSoftmax", "MaxPool",
	"Relu", "Reshape", "Shape", "Softmax", "Squeeze", "Unsqueeze",
}

// newKernel builds the kernel for one node. Constant inputs (weights) are
// known here; activations are nil.
func newKernel(op string, a attrs, in []*tval, opset int64) (any, error) {
	switch op {
	case "Conv":
		return newConv(a, in)
	case "Relu":
		return relu{}, nil
	case "MaxPool", "AveragePool":
		return newPool(op == "MaxPool", a)
	case "GlobalAveragePool":
		return globalAvg{}, nil
	case "BatchNormalization":
		return newBatchNorm(a, in)
	case "Gemm":
		return newGemm(a)
	case "Identity", "Dropout":
		return &alias{op: op}, nil
	case "Flatten":
		ax, err := a.int("axis", 1)
		return &alias{op: op, axis: ax}, err
	case "Reshape":
		return &alias{op: op}, nil
	case "Squeeze", "Unsqueeze":
		axes, err := a.ints("axes")
		return &alias{op: op, axes: axes}, err
	case "Shape":
		k := &intOp{op: op}
		var err error
		if k.start, err = a.int("start", 0); err != nil {
			return nil, err
		}
		if _, k.hasEnd = a["end"]; k.hasEnd {
			k.end, err = a.int("end", 0)
		}
		return k, err
	case "Gather", "Concat":
		ax, err := a.int("axis", 0)
		return &intOp{op: op, axis: ax}, err
	case "Cast":
		to, err := a.int("to", 0)
		return &intOp{op: op, to: to}, err
	case "Constant":
		return newConstant(a)
	case "Softmax", "LogSoftmax":
		return &head{op: op}, nil
	}
	return nil, errUnsupported
}

var errUnsupported = fmt.Errorf("unsupported operator")

func newConstant(a attrs) (any, error) {
	v, ok := a["value"]
	if !ok {
		return nil, fmt.Errorf("Constant without a tensor value is not supported")
	}
	t, err := fromTensorAny(v)
	if err != nil {
		return nil, err
	}
	return &intOp{op: "Constant", value: t}, nil
}

// head marks a Softmax/LogSoftmax at the end of the graph: camviz explains
// the raw class scores before it and computes probabilities itself.
type head struct{ op string }
