package inference

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// errBadModel is the protobuf walkers' error: the bytes are not a
// protobuf message.
var errBadModel = errors.New("cannot read the ONNX model (not a valid protobuf)")

// rewriteInitializers copies model, replacing every graph initializer for
// which repl returns true by the TensorProto bytes it returns.
func rewriteInitializers(model []byte, repl func(name string, dims []int) ([]byte, bool)) ([]byte, error) {
	return rewrite(model, pModelGraph, func(graph []byte) ([]byte, error) {
		var out []byte
		err := walkRaw(graph, func(num protowire.Number, typ protowire.Type, v, field []byte) error {
			if num == pGraphInit && typ == protowire.BytesType {
				t, err := readInitInfo(v)
				if err != nil {
					return err
				}
				if nb, ok := repl(t.name, t.dims); ok {
					out = protowire.AppendTag(out, num, protowire.BytesType)
					out = protowire.AppendBytes(out, nb)
					return nil
				}
			}
			out = append(out, field...)
			return nil
		})
		return out, err
	})
}

// rewrite copies msg with the bytes field num replaced by f of it.
func rewrite(msg []byte, num protowire.Number, f func([]byte) ([]byte, error)) ([]byte, error) {
	var out []byte
	err := walkRaw(msg, func(n protowire.Number, typ protowire.Type, v, field []byte) error {
		if n != num || typ != protowire.BytesType {
			out = append(out, field...)
			return nil
		}
		nv, err := f(v)
		if err != nil {
			return err
		}
		out = protowire.AppendTag(out, n, protowire.BytesType)
		out = protowire.AppendBytes(out, nv)
		return nil
	})
	return out, err
}

// walkRaw calls fn for each field of a protobuf message with its value
// (the payload of a bytes field) and the field's whole encoding.
func walkRaw(b []byte, fn func(num protowire.Number, typ protowire.Type, v, field []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadModel
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return errBadModel
		}
		var v []byte
		if typ == protowire.BytesType {
			v, _ = protowire.ConsumeBytes(b[n:])
		}
		if err := fn(num, typ, v, b[:n+m]); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	return walkRaw(b, func(num protowire.Number, typ protowire.Type, v, _ []byte) error { return fn(num, typ, v) })
}

// walkVarints calls ints for the varint fields and bytes for the bytes
// fields of a message.
func walkVarints(b []byte, ints func(protowire.Number, uint64), bytes func(protowire.Number, []byte)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadModel
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			x, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return errBadModel
			}
			ints(num, x)
			b = b[m:]
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return errBadModel
			}
			bytes(num, v)
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return errBadModel
			}
			b = b[m:]
		}
	}
	return nil
}
