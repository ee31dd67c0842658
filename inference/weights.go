package inference

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// TensorProto field numbers and types used here (onnx.proto).
const (
	fTensorDims     = 1
	fTensorDataType = 2
	fTensorRawData  = 9
	fTensorExternal = 13
	fTensorLocation = 14
	onnxFloat       = 1
	// Smaller initializers go through onnx-go as they are.
	bigInitializer = 1 << 10
)

// splitWeights lifts the large float32 initializers out of the model
// bytes before onnx-go sees them. onnx-go decodes raw_data by appending
// four bytes at a time to a growing slice: for VGG16's 528 MB that took
// 3–13 s and held the file, the protobuf copy and the growing tensors at
// once (3 GB). Here each weight is copied once, straight into its final
// []float32, and onnx-go gets a slim graph in which those initializers are
// one-value placeholders (name, dims [1], type float) — it still decodes
// every node, attribute and small tensor.
//
// When own is true the caller hands data over: weights then live in it
// where they lie (moved back by up to 3 bytes, into their own protobuf
// header, when not 4-byte aligned), so the model costs one copy of its
// size in memory instead of two.
//
// Tensors in external data are read through ext (see extFiles).
func splitWeights(data []byte, own bool, ext *extFiles) (slim []byte, weights map[string]*tval, err error) {
	weights = map[string]*tval{}
	err = fields(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if num != fModelGraph || typ != protowire.BytesType {
			slim = appendField(slim, num, typ, v, x)
			return nil
		}
		g, err := slimGraph(v, weights, own, ext)
		if err != nil {
			return err
		}
		slim = protowire.AppendTag(slim, num, protowire.BytesType)
		slim = protowire.AppendBytes(slim, g)
		return nil
	})
	return slim, weights, err
}

func appendField(b []byte, num protowire.Number, typ protowire.Type, v []byte, x uint64) []byte {
	b = protowire.AppendTag(b, num, typ)
	switch typ {
	case protowire.VarintType:
		return protowire.AppendVarint(b, x)
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(b, uint32(x))
	case protowire.Fixed64Type:
		return protowire.AppendFixed64(b, x)
	}
	return protowire.AppendBytes(b, v)
}

func slimGraph(g []byte, weights map[string]*tval, own bool, ext *extFiles) ([]byte, error) {
	var out []byte
	err := fields(g, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if (num == fGraphInput || num == fGraphOutput || num == fGraphValue) && typ == protowire.BytesType {
			v = floatValueInfo(v)
		}
		if num == fGraphNode && typ == protowire.BytesType {
			v = floatNode(v)
		}
		if num == fGraphInit && typ == protowire.BytesType {
			name, t, err := liftInitializer(v, own, ext)
			if err != nil {
				return err
			}
			if t != nil {
				weights[name] = t
				v = placeholder(name)
			}
		}
		out = appendField(out, num, typ, v, x)
		return nil
	})
	return out, err
}

// liftInitializer returns the tensor when the engine takes it over: a
// large float32 one held in raw_data, any float16, bfloat16, int8 or
// uint8 one (converted to float32 here: onnx-go refuses half floats and
// the engine computes in float32), and any tensor in external data. It
// returns nil for the others, which onnx-go decodes.
func liftInitializer(v []byte, own bool, ext *extFiles) (string, *tval, error) {
	t, err := scanTensor(v)
	if err != nil {
		return "", nil, err
	}
	name, dims, dtype, raw := string(t.name), t.dims, t.dtype, t.raw
	for _, d := range dims {
		if d < 0 || d > 1<<40 {
			return "", nil, fmt.Errorf("initializer %q has shape %v, which is not a tensor size", name, dims)
		}
	}
	_, low := elemBytes[dtype]
	if dtype >= onnxFloat8 {
		return "", nil, fmt.Errorf("initializer %q has ONNX type %d (float8, int4 or newer), which camviz does not read", name, dtype)
	}
	if t.external {
		if dtype != onnxFloat && !low {
			return "", nil, fmt.Errorf("initializer %q keeps ONNX type %d in external data; camviz reads float32, float16, bfloat16, int8 and uint8 there", name, dtype)
		}
		if raw, err = ext.read(name, t.entries); err != nil {
			return "", nil, err
		}
		if dtype == onnxFloat {
			t, err := ext.floats(name, raw, dims)
			return name, t, err
		}
	}
	if low {
		f, err := lowToFloats(dtype, raw, t.i32, numel(dims))
		if err != nil {
			return "", nil, fmt.Errorf("initializer %q (ONNX type %d, shape %v) %v (the file is truncated or corrupt)", name, dtype, dims, err)
		}
		return name, &tval{shape: dims, f: f, elem: int(dtype)}, nil
	}
	if dtype != onnxFloat || len(raw) < bigInitializer {
		return name, nil, nil
	}
	if len(raw) != 4*numel(dims) {
		return "", nil, fmt.Errorf("initializer %q holds %d bytes for shape %s (the file is truncated or corrupt)", name, len(raw), shapeStr(dims))
	}
	if own && littleEndian {
		return name, &tval{shape: dims, f: floatsInPlace(raw)}, nil
	}
	return name, &tval{shape: dims, f: floatsLE(raw)}, nil
}

// tensorFields is what the loader reads of an ONNX TensorProto.
type tensorFields struct {
	name     []byte // nil when absent
	dims     []int
	packed   bool // dims were packed (onnx-go does not read those)
	dtype    uint64
	raw      []byte  // raw_data, nil when absent
	i32      []int32 // int32_data
	entries  [][]byte
	external bool // data_location is EXTERNAL, entries say where
}

// scanTensor reads the fields of TensorProto v the loader uses: the one
// scanner of the initializers it lifts and of the half-float constants it
// widens.
func scanTensor(v []byte) (tensorFields, error) {
	var t tensorFields
	err := fields(v, func(num protowire.Number, typ protowire.Type, b []byte, x uint64) error {
		var err error
		switch {
		case num == fTensorName && typ == protowire.BytesType:
			t.name = b
		case num == fTensorDataType && typ == protowire.VarintType:
			t.dtype = x
		case num == fTensorRawData && typ == protowire.BytesType:
			t.raw = b
		case num == fTensorInt32:
			t.i32, err = appendInt32s(t.i32, typ, b, x)
		case num == fTensorExternal && typ == protowire.BytesType:
			t.entries = append(t.entries, b)
		case num == fTensorLocation && typ == protowire.VarintType:
			t.external = x == 1
		case num == fTensorDims && typ == protowire.VarintType:
			t.dims = append(t.dims, int(x))
		case num == fTensorDims && typ == protowire.BytesType:
			t.packed = true
			for len(b) > 0 {
				d, n := protowire.ConsumeVarint(b)
				if n < 0 {
					return errNotONNX
				}
				t.dims, b = append(t.dims, int(d)), b[n:]
			}
		}
		return err
	})
	return t, err
}

// floatsLE copies little-endian float32 bytes into a new slice.
func floatsLE(raw []byte) []float32 {
	f := make([]float32, len(raw)/4)
	if len(f) == 0 {
		return f
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(raw)), raw)
		return f
	}
	for i := range f {
		f[i] = float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return f
}

func float32frombits(b uint32) float32 { return *(*float32)(unsafe.Pointer(&b)) }

// placeholder is a TensorProto standing in for a lifted initializer.
func placeholder(name string) []byte {
	var b []byte
	b = protowire.AppendTag(b, fTensorDims, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	b = protowire.AppendTag(b, fTensorDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, onnxFloat)
	b = protowire.AppendTag(b, fTensorName, protowire.BytesType)
	b = protowire.AppendString(b, name)
	b = protowire.AppendTag(b, fTensorRawData, protowire.BytesType)
	return protowire.AppendBytes(b, make([]byte, 4))
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// floatsInPlace views raw as float32s without copying, first moving it
// back to a 4-byte boundary when needed. raw must be preceded by at least
// 3 bytes of the same buffer that are no longer needed (its field header:
// a tag byte and a length varint of 2+ bytes, as raw is at least 1 KB).
func floatsInPlace(raw []byte) []float32 {
	p := unsafe.Pointer(unsafe.SliceData(raw))
	if off := uintptr(p) % 4; off != 0 {
		p = unsafe.Add(p, -int(off))
		dst := unsafe.Slice((*byte)(p), len(raw))
		copy(dst, raw)
	}
	return unsafe.Slice((*float32)(p), len(raw)/4)
}
