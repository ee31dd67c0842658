package inference

import (
	"fmt"

	"gorgonia.org/tensor"
)

// attrs reads an ONNX node's attributes as onnx-go hands them over.
type attrs map[string]interface{}

func (a attrs) int(name string, def int) (int, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	x, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("attribute %s is %s, want an integer", name, valueKind(v))
	}
	return int(x), nil
}

func (a attrs) float(name string, def float32) (float32, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	x, ok := v.(float32)
	if !ok {
		return 0, fmt.Errorf("attribute %s is %s, want a float", name, valueKind(v))
	}
	return x, nil
}

func (a attrs) ints(name string) ([]int, error) {
	v, ok := a[name]
	if !ok {
		return nil, nil
	}
	x, ok := v.([]int64)
	if !ok {
		return nil, fmt.Errorf("attribute %s is %s, want integers", name, valueKind(v))
	}
	out := make([]int, len(x))
	for i, y := range x {
		out[i] = int(y)
	}
	return out, nil
}

func (a attrs) str(name, def string) (string, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	x, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("attribute %s is %s, want a string", name, valueKind(v))
	}
	return x, nil
}

// fromTensor converts an onnx-go tensor (initializer or Constant value)
// into the engine's representation; floats stay float32, integers int64.
func fromTensor(t tensor.Tensor) (*tval, error) {
	shape := append([]int(nil), t.Shape()...)
	if t.Shape().IsScalar() {
		shape = nil
	}
	switch d := t.Data().(type) {
	case []float32:
		return &tval{shape: shape, f: d}, nil
	case float32:
		return &tval{shape: shape, f: []float32{d}}, nil
	case []float64:
		f := make([]float32, len(d))
		for i, x := range d {
			f[i] = float32(x)
		}
		return &tval{shape: shape, f: f}, nil
	case []int64:
		return &tval{shape: shape, i: d}, nil
	case int64:
		return &tval{shape: shape, i: []int64{d}}, nil
	case []int32:
		i := make([]int64, len(d))
		for k, x := range d {
			i[k] = int64(x)
		}
		return &tval{shape: shape, i: i}, nil
	case int32:
		return &tval{shape: shape, i: []int64{int64(d)}}, nil
	case []int8:
		f := make([]float32, len(d))
		for i, x := range d {
			f[i] = float32(x)
		}
		return &tval{shape: shape, f: f, elem: onnxInt8}, nil
	case []uint8:
		f := make([]float32, len(d))
		for i, x := range d {
			f[i] = float32(x)
		}
		return &tval{shape: shape, f: f, elem: onnxUint8}, nil
	case int8:
		return &tval{shape: shape, f: []float32{float32(d)}, elem: onnxInt8}, nil
	case uint8:
		return &tval{shape: shape, f: []float32{float32(d)}, elem: onnxUint8}, nil
	}
	return nil, fmt.Errorf("tensor of type %s is not supported (float32, float64, float16, int8, uint8, int32, int64 are)", dtypeName(t.Dtype()))
}
