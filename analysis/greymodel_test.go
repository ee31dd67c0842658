package analysis

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// greyModelONNX builds a small 1-channel classifier as ONNX bytes, field
// by field (onnx.proto numbers): input [1,1,16,16] → Conv 1→4 3×3 pad 1 →
// Relu → MaxPool 2 → Flatten → Gemm 256→3. Weights are a fixed pattern;
// the tests compare two routes to the same scores, not trained values.
func greyModelONNX() []byte {
	var graph []byte
	node := func(op, name string, in, out []string, attrs ...[]byte) {
		var n []byte
		for _, s := range in {
			n = protowire.AppendTag(n, 1, protowire.BytesType)
			n = protowire.AppendString(n, s)
		}
		for _, s := range out {
			n = protowire.AppendTag(n, 2, protowire.BytesType)
			n = protowire.AppendString(n, s)
		}
		n = protowire.AppendTag(n, 3, protowire.BytesType)
		n = protowire.AppendString(n, name)
		n = protowire.AppendTag(n, 4, protowire.BytesType)
		n = protowire.AppendString(n, op)
		for _, a := range attrs {
			n = protowire.AppendTag(n, 5, protowire.BytesType)
			n = protowire.AppendBytes(n, a)
		}
		graph = protowire.AppendTag(graph, 1, protowire.BytesType)
		graph = protowire.AppendBytes(graph, n)
	}
	ints := func(name string, v ...int64) []byte {
		var a []byte
		a = protowire.AppendTag(a, 1, protowire.BytesType)
		a = protowire.AppendString(a, name)
		for _, x := range v {
			a = protowire.AppendTag(a, 8, protowire.VarintType)
			a = protowire.AppendVarint(a, uint64(x))
		}
		a = protowire.AppendTag(a, 20, protowire.VarintType)
		return protowire.AppendVarint(a, 7) // INTS
	}
	intAttr := func(name string, v int64) []byte {
		var a []byte
		a = protowire.AppendTag(a, 1, protowire.BytesType)
		a = protowire.AppendString(a, name)
		a = protowire.AppendTag(a, 3, protowire.VarintType)
		a = protowire.AppendVarint(a, uint64(v))
		a = protowire.AppendTag(a, 20, protowire.VarintType)
		return protowire.AppendVarint(a, 2) // INT
	}
	weight := func(name string, dims ...int64) {
		n := int64(1)
		var t []byte
		for _, d := range dims {
			t = protowire.AppendTag(t, 1, protowire.VarintType)
			t = protowire.AppendVarint(t, uint64(d))
			n *= d
		}
		t = protowire.AppendTag(t, 2, protowire.VarintType)
		t = protowire.AppendVarint(t, 1) // FLOAT
		t = protowire.AppendTag(t, 8, protowire.BytesType)
		t = protowire.AppendString(t, name)
		raw := make([]byte, 4*n)
		for i := range n {
			v := float32(math.Sin(float64(i)*1.7+float64(len(name)))) * 0.5
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		t = protowire.AppendTag(t, 9, protowire.BytesType)
		t = protowire.AppendBytes(t, raw)
		graph = protowire.AppendTag(graph, 5, protowire.BytesType)
		graph = protowire.AppendBytes(graph, t)
	}
	valueInfo := func(field protowire.Number, name string, dims ...uint64) {
		var shape []byte
		for _, d := range dims {
			var dim []byte
			dim = protowire.AppendTag(dim, 1, protowire.VarintType)
			dim = protowire.AppendVarint(dim, d)
			shape = protowire.AppendTag(shape, 1, protowire.BytesType)
			shape = protowire.AppendBytes(shape, dim)
		}
		var tt []byte
		tt = protowire.AppendTag(tt, 1, protowire.VarintType)
		tt = protowire.AppendVarint(tt, 1) // FLOAT
		tt = protowire.AppendTag(tt, 2, protowire.BytesType)
		tt = protowire.AppendBytes(tt, shape)
		var typ []byte
		typ = protowire.AppendTag(typ, 1, protowire.BytesType)
		typ = protowire.AppendBytes(typ, tt)
		var vi []byte
		vi = protowire.AppendTag(vi, 1, protowire.BytesType)
		vi = protowire.AppendString(vi, name)
		vi = protowire.AppendTag(vi, 2, protowire.BytesType)
		vi = protowire.AppendBytes(vi, typ)
		graph = protowire.AppendTag(graph, field, protowire.BytesType)
		graph = protowire.AppendBytes(graph, vi)
	}
	node("Conv", "conv", []string{"input", "conv.w", "conv.b"}, []string{"conv"},
		ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1))
	node("Relu", "relu", []string{"conv"}, []string{"relu"})
	node("MaxPool", "pool", []string{"relu"}, []string{"pool"}, ints("kernel_shape", 2, 2), ints("strides", 2, 2))
	node("Flatten", "flatten", []string{"pool"}, []string{"flat"}, intAttr("axis", 1))
	node("Gemm", "fc", []string{"flat", "fc.w", "fc.b"}, []string{"logits"}, intAttr("transB", 1))
	graph = protowire.AppendTag(graph, 2, protowire.BytesType)
	graph = protowire.AppendString(graph, "grey")
	weight("conv.w", 4, 1, 3, 3)
	weight("conv.b", 4)
	weight("fc.w", 3, 256)
	weight("fc.b", 3)
	valueInfo(11, "input", 1, 1, 16, 16)
	valueInfo(12, "logits", 1, 3)

	var opset []byte
	opset = protowire.AppendTag(opset, 2, protowire.VarintType)
	opset = protowire.AppendVarint(opset, 14)
	var model []byte
	model = protowire.AppendTag(model, 1, protowire.VarintType)
	model = protowire.AppendVarint(model, 7) // IR version
	model = protowire.AppendTag(model, 8, protowire.BytesType)
	model = protowire.AppendBytes(model, opset)
	model = protowire.AppendTag(model, 7, protowire.BytesType)
	return protowire.AppendBytes(model, graph)
}
