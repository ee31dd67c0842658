package inference

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX element types the engine converts to float32 at load.
const (
	onnxUint8    = 2
	onnxInt8     = 3
	onnxUint16   = 4
	onnxInt16    = 5
	onnxInt32    = 6
	onnxFloat16  = 10
	onnxBFloat16 = 16
	onnxFloat8   = 17 // float8 variants (17–20), then uint4, int4, …
	fTensorInt32 = 5  // int32_data: where small fp16/int8 tensors may keep their values
)

// elemBytes is the stored size of the element types converted here.
var elemBytes = map[uint64]int{onnxUint8: 1, onnxInt8: 1, onnxFloat16: 2, onnxBFloat16: 2}

// halfToFloat widens an IEEE 754 binary16 value: sign, 5-bit exponent
// (bias 15), 10-bit fraction; subnormals are f·2⁻²⁴, exponent 31 is
// infinity or NaN. The conversion is exact.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch exp {
	case 0:
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// lowToFloats converts n stored elements of type dtype to float32: from
// raw_data (little-endian) when present, else from int32_data (which holds
// one element per int32, fp16 as its bit pattern).
func lowToFloats(dtype uint64, raw []byte, i32 []int32, n int) ([]float32, error) {
	size := elemBytes[dtype]
	if raw != nil && len(raw) != size*n {
		return nil, fmt.Errorf("holds %d bytes for %d values of %d bytes", len(raw), n, size)
	}
	if raw == nil && len(i32) != n {
		return nil, fmt.Errorf("holds %d values for %d", len(i32), n)
	}
	f := make([]float32, n)
	if raw != nil {
		for j := range f {
			switch dtype {
			case onnxUint8:
				f[j] = float32(raw[j])
			case onnxInt8:
				f[j] = float32(int8(raw[j]))
			case onnxFloat16:
				f[j] = halfToFloat(binary.LittleEndian.Uint16(raw[2*j:]))
			case onnxBFloat16:
				f[j] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*j:])) << 16)
			}
		}
		return f, nil
	}
	for j, v := range i32 {
		switch dtype {
		case onnxUint8, onnxInt8:
			f[j] = float32(v)
		case onnxFloat16:
			f[j] = halfToFloat(uint16(v))
		case onnxBFloat16:
			f[j] = math.Float32frombits(uint32(uint16(v)) << 16)
		}
	}
	return f, nil
}

// appendInt32s reads int32_data, packed or not.
func appendInt32s(dst []int32, typ protowire.Type, b []byte, x uint64) ([]int32, error) {
	if typ == protowire.VarintType {
		return append(dst, int32(x)), nil
	}
	for len(b) > 0 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, errNotONNX
		}
		dst, b = append(dst, int32(v)), b[n:]
	}
	return dst, nil
}

// floatValueInfo rewrites a ValueInfoProto declaring a float16 or
// bfloat16 tensor as float32: onnx-go v0.5.0 refuses those types, and the
// engine computes in float32 anyway (an fp16 input takes a float32 image).
func floatValueInfo(vi []byte) []byte {
	return rewriteField(vi, fValueType, func(tp []byte) []byte {
		return rewriteField(tp, fTypeTensor, func(tt []byte) []byte {
			var out []byte
			_ = fields(tt, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num == fTensorElem && typ == protowire.VarintType && (x == onnxFloat16 || x == onnxBFloat16) {
					x = onnxFloat
				}
				out = appendField(out, num, typ, v, x)
				return nil
			})
			return out
		})
	})
}

// rewriteField replaces the embedded message field num of b by fn of it
// (see rewrite); b is returned unchanged when it does not parse.
func rewriteField(b []byte, num protowire.Number, fn func([]byte) []byte) []byte {
	out, err := rewrite(b, num, func(v []byte) ([]byte, error) { return fn(v), nil })
	if err != nil {
		return b
	}
	return out
}

// fNodeAttr and fAttrTensor: NodeProto.attribute and AttributeProto.t.
const (
	fNodeAttr   = 5
	fAttrTensor = 5
)

// floatNode rewrites a node's tensor attributes (a Constant's value)
// held in a half-float type as float32, which onnx-go can decode: fp16
// converters turn Constants to fp16 as well as initializers.
func floatNode(node []byte) []byte {
	return rewriteField(node, fNodeAttr, func(a []byte) []byte {
		return rewriteField(a, fAttrTensor, floatTensor)
	})
}

// floatTensor converts a float16 or bfloat16 TensorProto to float32;
// other tensors, and ones that do not parse, are returned unchanged.
func floatTensor(tp []byte) []byte {
	t, err := scanTensor(tp)
	if err != nil || t.packed || (t.dtype != onnxFloat16 && t.dtype != onnxBFloat16) {
		return tp // packed dims are left to onnx-go
	}
	n := 1
	for _, d := range t.dims {
		if d < 0 || d > 1<<20 {
			return tp
		}
		n *= d
	}
	f, err := lowToFloats(t.dtype, t.raw, t.i32, n)
	if err != nil {
		return tp
	}
	var out []byte
	for _, d := range t.dims {
		out = protowire.AppendTag(out, fTensorDims, protowire.VarintType)
		out = protowire.AppendVarint(out, uint64(d))
	}
	out = protowire.AppendTag(out, fTensorDataType, protowire.VarintType)
	out = protowire.AppendVarint(out, onnxFloat)
	if t.name != nil {
		out = protowire.AppendTag(out, fTensorName, protowire.BytesType)
		out = protowire.AppendBytes(out, t.name)
	}
	b := make([]byte, 4*len(f))
	for j, v := range f {
		binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(v))
	}
	out = protowire.AppendTag(out, fTensorRawData, protowire.BytesType)
	return protowire.AppendBytes(out, b)
}
