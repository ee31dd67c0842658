package inference

import (
	"reflect"
	"testing"

	"gorgonia.org/tensor"
)

// float16 stands for a half-precision type such as float16.Num, whose Go
// name must never reach a message.
type float16 uint16

// TestNamesHaveNoGoTypes: messages name ONNX element types and plain kinds.
func TestNamesHaveNoGoTypes(t *testing.T) {
	for d, want := range map[tensor.Dtype]string{
		tensor.Float32: "float32", tensor.Uint8: "uint8", tensor.Bool: "bool", tensor.String: "string",
		{Type: reflect.TypeOf(float16(0))}:        "float16",
		{Type: reflect.TypeOf(struct{ A int }{})}: "an unsupported element type",
	} {
		if got := dtypeName(d); got != want {
			t.Errorf("dtypeName(%v) = %q, want %q", d, got, want)
		}
	}
	for _, c := range []struct {
		v    any
		want string
	}{
		{int64(3), "an integer"}, {float32(1), "a float"}, {[]int64{1}, "a list of integers"}, {"x", "a string"},
		{struct{ B []byte }{}, "a value of another kind (graph or sparse tensor)"},
	} {
		if got := valueKind(c.v); got != c.want {
			t.Errorf("valueKind(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
