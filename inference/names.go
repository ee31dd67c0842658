package inference

import (
	"reflect"
	"strings"

	"gorgonia.org/tensor"
)

// valueKind says in words what an ONNX attribute or Constant value is,
// for messages: users read "a float", never a Go type name.
func valueKind(v any) string {
	switch v.(type) {
	case int64, int32, int:
		return "an integer"
	case float32, float64:
		return "a float"
	case []int64, []int32, []int:
		return "a list of integers"
	case []float32, []float64:
		return "a list of floats"
	case string, []byte:
		return "a string"
	case []string:
		return "a list of strings"
	case tensor.Tensor:
		return "a tensor"
	case nil:
		return "empty"
	}
	return "a value of another kind (graph or sparse tensor)"
}

// dtypeName is an element type by its ONNX name ("float16", "uint8"),
// never the Go type behind it ("float16.Num").
func dtypeName(d tensor.Dtype) string {
	if d.Type == nil {
		return "unknown"
	}
	name := strings.ToLower(d.String())
	switch {
	case strings.Contains(name, "bfloat16"):
		return "bfloat16"
	case strings.Contains(name, "float16"):
		return "float16"
	}
	switch k := d.Kind(); k {
	case reflect.Struct, reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice, reflect.Array, reflect.Func, reflect.Chan:
		return "an unsupported element type"
	default:
		return k.String()
	}
}
