package analysis

import (
	"sync"

	"camviz/assets"
)

var defaultModel = sync.OnceValues(func() (*Model, error) {
	onnx, meta := assets.DefaultModel()
	m, err := NewModel("digits (embedded)", onnx, meta)
	if err == nil {
		m.ReadONNX = func() ([]byte, error) { return onnx, nil } // in the binary, read only
	}
	return m, err
})

// DefaultModel is the model embedded in the binary. It is compiled once
// and shared: a Model is immutable, so every caller may use it at once.
func DefaultModel() (*Model, error) {
	m, err := defaultModel()
	if err != nil {
		return nil, err
	}
	cp := *m // callers may swap the labels (camviz -labels)
	cp.Labels = append([]string(nil), m.Labels...)
	return &cp, nil
}

// Embedded says whether m is the embedded model (with any labels).
func (m *Model) Embedded() bool {
	d, err := defaultModel()
	return err == nil && m != nil && m.Net == d.Net
}
