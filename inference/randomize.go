package inference

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// ParamLayer is one node with trainable weights, for the cascading
// randomisation of Adebayo et al.'s sanity checks ("Sanity Checks for
// Saliency Maps", 2018).
type ParamLayer struct {
	Node string // the ONNX node name, or its first output when unnamed
	Op   string // Conv or Gemm
	// Params are the initializers it owns: the weight, then the bias if
	// there is one (followed through Identity nodes).
	Params []string
	// FanIn is the number of inputs of one output unit, Cin·kh·kw for a
	// convolution, K for a Gemm.
	FanIn int
}

// ParamLayers lists the Conv and Gemm nodes of an ONNX model whose weight
// is an initializer, top-down: the node nearest the output first, as the
// cascading randomisation goes. A BatchNormalization keeps its
// statistics when the convolution before it is randomised (a model
// exported with BatchNorm folded into its convolutions has it randomised
// with them).
func ParamLayers(model []byte) ([]ParamLayer, error) {
	g, err := readParamGraph(model)
	if err != nil {
		return nil, err
	}
	var out []ParamLayer
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		if (n.op != "Conv" && n.op != "Gemm") || len(n.inputs) < 2 {
			continue
		}
		w, ok := g.init[g.source(n.inputs[1])]
		if !ok {
			continue
		}
		l := ParamLayer{Node: n.name, Op: n.op, Params: []string{w.name}}
		switch {
		case n.op == "Conv" && len(w.dims) == 4:
			l.FanIn = w.dims[1] * w.dims[2] * w.dims[3]
		case n.op == "Gemm" && len(w.dims) == 2 && n.transB:
			l.FanIn = w.dims[1]
		case n.op == "Gemm" && len(w.dims) == 2:
			l.FanIn = w.dims[0]
		default:
			continue
		}
		if len(n.inputs) > 2 {
			if b, ok := g.init[g.source(n.inputs[2])]; ok {
				l.Params = append(l.Params, b.name)
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// Randomize returns a copy of an ONNX model in which the weights and
// biases of the named nodes (ParamLayer.Node) are redrawn as torch
// initialises a fresh Conv2d or Linear (kaiming_uniform_ with a = √5):
// every value uniform in [−1/√fan_in, 1/√fan_in]. Each initializer draws
// from its own stream, seeded by seed and its name, so a layer gets the
// same weights whichever other layers are randomised with it. The rest of
// the file is copied as it is.
func Randomize(model []byte, nodes []string, seed uint64) ([]byte, error) {
	layers, err := ParamLayers(model)
	if err != nil {
		return nil, err
	}
	fan := map[string]int{} // initializer → fan-in
	for _, name := range nodes {
		i := slices.IndexFunc(layers, func(l ParamLayer) bool { return l.Node == name })
		if i < 0 {
			return nil, fmt.Errorf("no Conv or Gemm node %q with weights to randomise", name)
		}
		for _, p := range layers[i].Params {
			fan[p] = layers[i].FanIn
		}
	}
	return rewriteInitializers(model, func(name string, dims []int) ([]byte, bool) {
		f, ok := fan[name]
		if !ok {
			return nil, false
		}
		return uniformTensor(name, dims, 1/math.Sqrt(float64(f)), seed), true
	})
}

// RandomizedNet compiles Randomize(model, nodes, seed): the network with
// those layers' weights redrawn and every other weight as it was.
func RandomizedNet(model []byte, nodes []string, seed uint64) (*Net, error) {
	b, err := Randomize(model, nodes, seed)
	if err != nil {
		return nil, err
	}
	return DecodeOwned(b) // b is a fresh copy: the weights may stay in it
}

// uniformTensor encodes a float32 TensorProto of U(−bound, bound) values.
func uniformTensor(name string, dims []int, bound float64, seed uint64) []byte {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	n := 1
	for _, d := range dims {
		n *= d
	}
	raw := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32((2*r.Float64()-1)*bound)))
	}
	var t []byte
	for _, d := range dims {
		t = protowire.AppendTag(t, pTensorDims, protowire.VarintType)
		t = protowire.AppendVarint(t, uint64(d))
	}
	t = protowire.AppendTag(t, pTensorType, protowire.VarintType)
	t = protowire.AppendVarint(t, 1) // FLOAT
	t = protowire.AppendTag(t, pTensorName, protowire.BytesType)
	t = protowire.AppendString(t, name)
	t = protowire.AppendTag(t, pTensorRaw, protowire.BytesType)
	return protowire.AppendBytes(t, raw)
}

// Protobuf field numbers (onnx.proto) this file reads.
const (
	pModelGraph = 7
	pGraphNode  = 1
	pGraphInit  = 5
	pNodeInput  = 1
	pNodeOutput = 2
	pNodeName   = 3
	pNodeOp     = 4
	pNodeAttr   = 5
	pAttrName   = 1
	pAttrInt    = 3
	pTensorDims = 1
	pTensorType = 2
	pTensorName = 8
	pTensorRaw  = 9
)

type paramNode struct {
	name, op        string
	inputs, outputs []string
	transB          bool
}

type initInfo struct {
	name string
	dims []int
}

type paramGraph struct {
	nodes    []paramNode
	init     map[string]initInfo
	identity map[string]string // Identity output → its input
}

// source follows Identity nodes back to the tensor they copy.
func (g *paramGraph) source(name string) string {
	for range len(g.identity) + 1 {
		in, ok := g.identity[name]
		if !ok {
			break
		}
		name = in
	}
	return name
}

func readParamGraph(model []byte) (*paramGraph, error) {
	g := &paramGraph{init: map[string]initInfo{}, identity: map[string]string{}}
	found := false
	err := walk(model, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != pModelGraph || typ != protowire.BytesType {
			return nil
		}
		found = true
		return walk(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
			if typ != protowire.BytesType {
				return nil
			}
			switch num {
			case pGraphNode:
				n, err := readParamNode(v)
				if err != nil {
					return err
				}
				if n.name == "" && len(n.outputs) > 0 {
					n.name = n.outputs[0]
				}
				if n.op == "Identity" && len(n.inputs) == 1 && len(n.outputs) == 1 {
					g.identity[n.outputs[0]] = n.inputs[0]
				}
				g.nodes = append(g.nodes, n)
			case pGraphInit:
				t, err := readInitInfo(v)
				if err != nil {
					return err
				}
				g.init[t.name] = t
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.New("the ONNX model has no graph")
	}
	return g, nil
}

func readParamNode(v []byte) (paramNode, error) {
	var n paramNode
	err := walk(v, func(num protowire.Number, typ protowire.Type, b []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case pNodeInput:
			n.inputs = append(n.inputs, string(b))
		case pNodeOutput:
			n.outputs = append(n.outputs, string(b))
		case pNodeName:
			n.name = string(b)
		case pNodeOp:
			n.op = string(b)
		case pNodeAttr:
			var name string
			var i uint64
			if err := walkVarints(b, func(num protowire.Number, x uint64) {
				if num == pAttrInt {
					i = x
				}
			}, func(num protowire.Number, s []byte) {
				if num == pAttrName {
					name = string(s)
				}
			}); err != nil {
				return err
			}
			if name == "transB" {
				n.transB = i == 1
			}
		}
		return nil
	})
	return n, err
}

func readInitInfo(v []byte) (initInfo, error) {
	t, err := scanTensor(v)
	if err != nil {
		return initInfo{}, errBadModel
	}
	return initInfo{name: string(t.name), dims: t.dims}, nil
}
