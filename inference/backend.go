package inference

import (
	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"gorgonia.org/tensor"
)

// backend is camviz's own onnx-go backend: onnx-go decodes the protobuf and
// describes the graph to it through the public onnx.Backend interface; it
// only records what it is told. compile then turns the record into a Net.
// Owning the backend (rather than using onnx-go's gorgonnx) is what gives us
// AveragePool, a Gemm that never writes into its bias, every intermediate
// tensor and exact gradients.
type backend struct {
	*simple.WeightedDirectedGraph
	ops []appliedOp // in the order onnx-go applied them: the file's node order
}

type appliedOp struct {
	op      onnx.Operation
	outputs []*gnode
}

// gnode is one tensor of the graph: a graph input, an initializer, a
// constant or a node output.
type gnode struct {
	id   int64
	name string
	t    tensor.Tensor
}

var (
	_ onnx.Backend     = (*backend)(nil)
	_ onnx.Namer       = (*gnode)(nil)
	_ onnx.DataCarrier = (*gnode)(nil)
)

func newBackend() *backend {
	return &backend{WeightedDirectedGraph: simple.NewWeightedDirectedGraph(0, 0)}
}

func (n *gnode) ID() int64                       { return n.id }
func (n *gnode) SetName(s string)                { n.name = s }
func (n *gnode) GetName() string                 { return n.name }
func (n *gnode) SetTensor(t tensor.Tensor) error { n.t = t; return nil }
func (n *gnode) GetTensor() tensor.Tensor        { return n.t }
func (b *backend) NewNode() graph.Node           { return &gnode{id: b.WeightedDirectedGraph.NewNode().ID()} }
func (b *backend) AddNode(n graph.Node)          { b.WeightedDirectedGraph.AddNode(n) }
func (b *backend) ApplyOperation(op onnx.Operation, outs ...graph.Node) error {
	a := appliedOp{op: op}
	for _, o := range outs {
		a.outputs = append(a.outputs, o.(*gnode))
	}
	b.ops = append(b.ops, a)
	return nil
}
