package inference

import (
	"encoding/binary"
	"math"
	"math/rand"

	"google.golang.org/protobuf/encoding/protowire"
)

// graphBuilder writes small ONNX models for tests: one float input, nodes,
// initializers and one output, as a torch export lays them out.
type graphBuilder struct {
	opset       int64
	input       string
	inputShape  []int
	output      string
	nodes, init [][]byte
	// inElem and outElem are the ONNX element types of the input and
	// output (0: float32).
	inElem, outElem uint64
	rng             *rand.Rand
	count           int
}

func newGraph(opset int64, input string, shape ...int) *graphBuilder {
	return &graphBuilder{opset: opset, input: input, inputShape: shape, rng: rand.New(rand.NewSource(1))}
}

type attr []byte

func msg(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func varint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func attrHead(name string, typ uint64) []byte {
	return varint(msg(nil, 1, []byte(name)), 20, typ)
}

func aInt(name string, v int) attr { return varint(attrHead(name, 2), 3, uint64(int64(v))) }

func aFloat(name string, v float32) attr {
	b := protowire.AppendTag(attrHead(name, 1), 2, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

func aStr(name, v string) attr { return msg(attrHead(name, 3), 4, []byte(v)) }

func aInts(name string, v ...int) attr {
	b := attrHead(name, 7)
	for _, x := range v {
		b = varint(b, 8, uint64(int64(x)))
	}
	return b
}

// node adds a node; its name is op_N unless given with a leading "@name".
func (g *graphBuilder) node(op string, ins []string, outs []string, as ...attr) {
	g.count++
	var b []byte
	for _, in := range ins {
		b = msg(b, 1, []byte(in))
	}
	for _, o := range outs {
		b = msg(b, 2, []byte(o))
	}
	b = msg(b, 3, []byte(op+"_"+string(rune('a'+g.count%26))+string(rune('0'+g.count/26))))
	b = msg(b, 4, []byte(op))
	for _, a := range as {
		b = msg(b, 5, a)
	}
	g.nodes = append(g.nodes, b)
}

func tensorProto(name string, dtype uint64, shape []int, raw []byte) []byte {
	var b []byte
	for _, d := range shape {
		b = varint(b, 1, uint64(d))
	}
	b = varint(b, 2, dtype)
	b = msg(b, 8, []byte(name))
	return msg(b, 9, raw)
}

// weight adds a float initializer with the given values.
func (g *graphBuilder) weight(name string, shape []int, data []float32) string {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	g.init = append(g.init, tensorProto(name, 1, shape, raw))
	return name
}

// random adds a float initializer of uniform values in [lo, hi).
func (g *graphBuilder) random(name string, lo, hi float32, shape ...int) string {
	d := make([]float32, numel(shape))
	for i := range d {
		d[i] = lo + (hi-lo)*g.rng.Float32()
	}
	return g.weight(name, shape, d)
}

// ints adds an int64 initializer (shapes, axes, pads).
func (g *graphBuilder) ints(name string, v ...int) string {
	raw := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(int64(x)))
	}
	g.init = append(g.init, tensorProto(name, 7, []int{len(v)}, raw))
	return name
}

// valueInfoOf declares a tensor of element type elem; a negative
// dimension is symbolic ("d0", "d1", …).
func valueInfoOf(name string, elem uint64, shape []int) []byte {
	if elem == 0 {
		elem = 1
	}
	var dims []byte
	for i, d := range shape {
		if d < 0 {
			dims = msg(dims, 1, msg(nil, 2, []byte("d"+string(rune('0'+i)))))
			continue
		}
		dims = msg(dims, 1, varint(nil, 1, uint64(d)))
	}
	tt := msg(varint(nil, 1, elem), 2, dims)
	return msg(msg(nil, 1, []byte(name)), 2, msg(nil, 1, tt))
}

func (g *graphBuilder) bytes() []byte {
	var gr []byte
	for _, n := range g.nodes {
		gr = msg(gr, 1, n)
	}
	gr = msg(gr, 2, []byte("test"))
	for _, t := range g.init {
		gr = msg(gr, 5, t)
	}
	gr = msg(gr, 11, valueInfoOf(g.input, g.inElem, g.inputShape))
	gr = msg(gr, 12, valueInfoOf(g.output, g.outElem, nil))
	m := varint(nil, 1, 8)
	m = msg(m, 2, []byte("camviz-test"))
	m = msg(m, 7, gr)
	return msg(m, 8, varint(msg(nil, 1, nil), 2, uint64(g.opset)))
}

// head appends GAP-free readout: Flatten → Gemm to classes scores, so any
// tensor can be explained.
func (g *graphBuilder) head(from string, features, classes int) {
	g.node("Flatten", []string{from}, []string{"flat"}, aInt("axis", 1))
	w := g.random("fc.w", -0.5, 0.5, classes, features)
	b := g.random("fc.b", -0.1, 0.1, classes)
	g.node("Gemm", []string{"flat", w, b}, []string{"scores"}, aInt("transB", 1))
	g.output = "scores"
}
