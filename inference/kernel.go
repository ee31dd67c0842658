package inference

import (
	"fmt"
	"sort"
	"strings"
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

// adjoint kernels give the gradient for every input i with want[i] set
// (nil elsewhere): the binary operators, whose two operands may both be
// activations (SiLU is x·sigmoid(x)), and Concat.
type adjoint interface {
	backwardAll(ar *arena, in []*tval, out *tval, aux any, dout []float32, want []bool) ([][]float32, error)
}

// intEvaler kernels also run on the int64 vectors of shape arithmetic
// (Concat, Slice, Mul of shape vectors): when every input is one, the
// engine calls evalInts instead of forward, at load and at every pass.
type intEvaler interface {
	evalInts(in []*tval) (*tval, error)
}

// opDef is one entry of the operator table: how to build a node's kernel
// and what the engine may assume about the operator.
type opDef struct {
	// build makes the kernel for one node. Constant inputs (weights) are
	// known; activations are nil.
	build func(a attrs, in []*tval, opset int64) (any, error)
	// alias: the output shares the input's buffer (shape-only operators).
	alias bool
	// perChannel: each output channel depends on the same input channel
	// only and the layout stays [N,C,…] (AblationCAM's fc6 shortcut may
	// pass through it).
	perChannel bool
	// head: a normalisation of the scores (Softmax), taken off the end.
	head bool
	// fold, when set, computes the node at load when every input is a
	// constant, and the output becomes a weight (fp16 weights' Cast, a
	// QDQ model's DequantizeLinear of int8 weights).
	fold func(k any, in []*tval) (*tval, error)
	// flat: the Jacobian is locally constant (linear or piecewise linear:
	// Conv, ReLU, max-pool, Add, reshapes …), so second derivatives are
	// zero almost everywhere and a Hessian-vector product gets no term
	// from the operator (hessian.go). A smooth operator is not flat and
	// gives its term through curved, or is refused.
	flat bool
}

// ops is the operator table; each operator's file registers its entry in
// init.
var ops = map[string]opDef{}

func register(op string, d opDef) {
	if _, dup := ops[op]; dup {
		panic("inference: operator " + op + " registered twice")
	}
	ops[op] = d
}

// Supported lists the ONNX operators camviz runs, sorted.
func Supported() []string {
	names := make([]string, 0, len(ops))
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)
	return names
}

// supportedList names the supported operators for an error line, as
// many as fit in about 200 characters (a window shows the line whole),
// then how many there are and where all are listed.
func supportedList() string {
	all := Supported()
	var b strings.Builder
	for i, op := range all {
		if b.Len()+len(op) > 200 {
			fmt.Fprintf(&b, "… (%d in all, listed in docs/engine.md)", len(all))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(op)
	}
	return b.String()
}

// fixed wraps a constructor that needs neither attributes nor inputs.
func fixed(k any) func(attrs, []*tval, int64) (any, error) {
	return func(attrs, []*tval, int64) (any, error) { return k, nil }
}

func init() {
	register("Constant", opDef{flat: true, build: func(a attrs, _ []*tval, _ int64) (any, error) { return newConstant(a) }})
	register("Softmax", opDef{build: fixed(&head{op: "Softmax"}), head: true})
	register("LogSoftmax", opDef{build: fixed(&head{op: "LogSoftmax"}), head: true})
}

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
