package inference

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// meta is what camviz needs from the ONNX file that onnx-go's Backend
// interface does not pass on: the opset, the node names (for error
// messages) and graph input shapes including symbolic dimensions (onnx-go
// drops those). It is read with protowire straight from the file bytes, so
// it costs no copy of the weights.
type meta struct {
	opset    int64
	producer string
	nodes    []nodeMeta
	byOutput map[string]int // output tensor name → index in nodes
	inputs   []valueMeta    // graph inputs that are not initializers
	outputs  []string
}

type nodeMeta struct {
	name, opType, domain string
	inputs, outputs      []string
}

type valueMeta struct {
	name     string
	elemType int64
	dims     []int64 // -1 where the dimension is symbolic or missing
}

// protobuf field numbers from onnx.proto
const (
	fModelOpset    = 8
	fModelGraph    = 7
	fModelProducer = 2
	fOpsetDomain   = 1
	fOpsetVersion  = 2
	fGraphNode     = 1
	fGraphInit     = 5
	fGraphInput    = 11
	fGraphOutput   = 12
	fGraphValue    = 13
	fNodeInput     = 1
	fNodeOutput    = 2
	fNodeName      = 3
	fNodeOpType    = 4
	fNodeDomain    = 7
	fValueName     = 1
	fValueType     = 2
	fTypeTensor    = 1
	fTensorElem    = 1
	fTensorShape   = 2
	fShapeDim      = 1
	fDimValue      = 1
	fTensorName    = 8
)

var errNotONNX = errors.New("not an ONNX model (the file is not a valid ONNX protobuf)")

// fields walks one protobuf message, calling fn for each field. It fails on
// malformed or truncated input, which is how non-ONNX files are told apart.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num <= 0 {
			return errNotONNX
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			return errNotONNX
		}
		if n < 0 {
			return errNotONNX
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func readMeta(data []byte) (*meta, error) {
	m := &meta{byOutput: map[string]int{}}
	var graph []byte
	sawGraph := false
	err := fields(data, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == fModelGraph && typ == protowire.BytesType:
			graph, sawGraph = v, true
		case num == fModelProducer && typ == protowire.BytesType:
			m.producer = string(v)
		case num == fModelOpset && typ == protowire.BytesType:
			return readOpset(v, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !sawGraph {
		return nil, errNotONNX
	}
	inits := map[string]bool{}
	err = fields(graph, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fGraphNode:
			n, err := readNode(v)
			if err != nil {
				return err
			}
			for _, o := range n.outputs {
				m.byOutput[o] = len(m.nodes)
			}
			m.nodes = append(m.nodes, n)
		case fGraphInit:
			return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num == fTensorName && typ == protowire.BytesType {
					inits[string(v)] = true
				}
				return nil
			})
		case fGraphInput:
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			m.inputs = append(m.inputs, vi)
			if err := checkDeclared(vi); err != nil {
				return err
			}
		case fGraphOutput:
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			m.outputs = append(m.outputs, vi.name)
			return checkDeclared(vi)
		case fGraphValue:
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			return checkDeclared(vi)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	real := m.inputs[:0]
	for _, in := range m.inputs {
		if !inits[in.name] {
			real = append(real, in)
		}
	}
	m.inputs = real
	return m, nil
}

func readOpset(v []byte, m *meta) error {
	var domain string
	var version int64
	err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fOpsetDomain && typ == protowire.BytesType:
			domain = string(v)
		case num == fOpsetVersion && typ == protowire.VarintType:
			version = int64(x)
		}
		return nil
	})
	if domain == "" || domain == "ai.onnx" {
		m.opset = version
	}
	return err
}

func readNode(v []byte) (nodeMeta, error) {
	var n nodeMeta
	err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fNodeInput:
			n.inputs = append(n.inputs, string(v))
		case fNodeOutput:
			n.outputs = append(n.outputs, string(v))
		case fNodeName:
			n.name = string(v)
		case fNodeOpType:
			n.opType = string(v)
		case fNodeDomain:
			n.domain = string(v)
		}
		return nil
	})
	return n, err
}

func readValueInfo(v []byte) (valueMeta, error) {
	var vm valueMeta
	err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fValueName:
			vm.name = string(v)
		case fValueType:
			return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num == fTypeTensor && typ == protowire.BytesType {
					return readTensorType(v, &vm)
				}
				return nil
			})
		}
		return nil
	})
	return vm, err
}

func readTensorType(v []byte, vm *valueMeta) error {
	return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fTensorElem && typ == protowire.VarintType:
			vm.elemType = int64(x)
		case num == fTensorShape && typ == protowire.BytesType:
			vm.dims = vm.dims[:0]
			return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num != fShapeDim || typ != protowire.BytesType {
					return nil
				}
				d := int64(-1)
				err := fields(v, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
					if num == fDimValue && typ == protowire.VarintType && int64(x) > 0 {
						d = int64(x)
					}
					return nil
				})
				vm.dims = append(vm.dims, d)
				return err
			})
		}
		return nil
	})
}

// maxDeclared bounds the elements of a tensor the graph declares (inputs,
// outputs, value_info): onnx-go allocates each one at decode time, so a
// crafted shape would otherwise exhaust memory before anything is checked.
const maxDeclared = 1 << 28

func checkDeclared(vi valueMeta) error {
	n := int64(1)
	for _, d := range vi.dims {
		if d > 0 {
			n *= d
		}
		if n > maxDeclared || n < 0 {
			return fmt.Errorf("the model declares tensor %q with shape %v, over %d values", vi.name, vi.dims, maxDeclared)
		}
	}
	return nil
}
