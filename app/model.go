// Package app is camviz without a screen: models, images, analyses, the
// caches that make class switches instant and the jobs that keep the GUI
// live. The CLI and the GUI both drive it; it knows nothing of Fyne.
package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"camviz/imgio"
	"camviz/inference"
)

// Model is a loaded network with what is needed to feed it and name its
// classes.
type Model struct {
	Net    *inference.Net
	Name   string // for people: the file name or the embedded model's name
	Path   string // "" for the embedded model
	Labels []string
	Spec   imgio.Spec // how an image becomes the input tensor
	Layer  string     // the default CAM layer
	Gray   bool       // the network takes one channel
	// ownSize: the network's height or width is symbolic and no sidecar
	// input_size fixes it, so each image keeps its own size (rounded to
	// the network's stride).
	ownSize bool
}

// Sidecar is the optional NAME.json beside NAME.onnx that says how the
// model wants its input (the embedded default model carries one).
type Sidecar struct {
	Name         string    `json:"name"`
	InputSize    []int     `json:"input_size"` // [C,H,W]
	Resize       string    `json:"resize"`     // "whole" or "crop"
	ResizeShort  int       `json:"resize_short"`
	Mean         []float32 `json:"mean"`
	Std          []float32 `json:"std"`
	Labels       []string  `json:"labels"`
	DefaultLayer string    `json:"default_layer"`
}

// LoadModel reads an ONNX file, its sidecar NAME.json if there is one, and
// a labels file if labelsPath is not empty.
func LoadModel(path, labelsPath string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read model: %w", err)
	}
	var side []byte
	sidePath := strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
	if b, err := os.ReadFile(sidePath); err == nil {
		side = b
	}
	m, err := newModel(filepath.Base(path), data, side, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	m.Path = path
	if labelsPath != "" {
		if m.Labels, err = ReadLabels(labelsPath, m.Net.NumClasses()); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// NewModel compiles ONNX bytes (only read); sidecar may be nil.
func NewModel(name string, onnxBytes, sidecar []byte) (*Model, error) {
	return newModel(name, onnxBytes, sidecar, "")
}

// newModel compiles a model. With dir (the model file's folder, where its
// external data lies), the ONNX bytes are handed over and the weights live
// in them instead of in a copy.
func newModel(name string, onnxBytes, sidecar []byte, dir string) (*Model, error) {
	decode := inference.Decode
	if dir != "" {
		decode = func(b []byte) (*inference.Net, error) { return inference.DecodeOwnedIn(b, dir) }
	}
	net, err := decode(onnxBytes)
	if err != nil {
		return nil, err
	}
	c, h, w := net.InputSize()
	dh, dw := net.Dynamic()
	m := &Model{Net: net, Name: name, Layer: net.DefaultLayer(), Gray: c == 1, ownSize: dh || dw}
	m.Spec = imgio.ImageNetSpec()
	m.Spec.Width, m.Spec.Height = w, h
	m.Spec.ResizeShort = 0
	m.Spec.Gray = c == 1
	m.Labels = defaultLabels(net.NumClasses())
	if sidecar != nil {
		if err := m.applySidecar(sidecar); err != nil {
			return nil, fmt.Errorf("model sidecar: %w", err)
		}
	}
	return m, nil
}

func (m *Model) applySidecar(data []byte) error {
	var s Sidecar
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	if s.Name != "" {
		m.Name = s.Name
	}
	switch s.Resize {
	case "", imgio.ModeCrop, imgio.ModeWhole:
		if s.Resize != "" {
			m.Spec.Mode = s.Resize
		}
	default:
		return fmt.Errorf("resize %q is neither %q nor %q", s.Resize, imgio.ModeCrop, imgio.ModeWhole)
	}
	m.Spec.ResizeShort = s.ResizeShort
	if len(s.InputSize) == 3 && m.ownSize {
		net, err := m.Net.WithInputSize(s.InputSize[1], s.InputSize[2])
		if err != nil {
			return fmt.Errorf("input_size %v: %w", s.InputSize, err)
		}
		m.Net, m.ownSize = net, false
		m.Spec.Height, m.Spec.Width = s.InputSize[1], s.InputSize[2]
	}
	if len(s.Mean) == 3 && len(s.Std) == 3 {
		copy(m.Spec.Mean[:], s.Mean)
		copy(m.Spec.Std[:], s.Std)
	}
	if s.Labels != nil {
		if len(s.Labels) != m.Net.NumClasses() {
			return fmt.Errorf("%d labels for %d classes", len(s.Labels), m.Net.NumClasses())
		}
		m.Labels = s.Labels
	}
	if s.DefaultLayer != "" {
		if _, err := m.Net.Layer(s.DefaultLayer); err != nil {
			return err
		}
		m.Layer = s.DefaultLayer
	}
	return nil
}

// sizedFor is m, or for a model of symbolic input size a copy whose Net
// is the one for in's size.
func (m *Model) sizedFor(in *Input) (*Model, error) {
	s := in.Tensor.Shape()
	if dh, dw := m.Net.Dynamic(); (!dh && !dw) || len(s) != 4 {
		return m, nil
	}
	net, err := m.Net.WithInputSize(s[2], s[3])
	if err != nil || net == m.Net {
		return m, err
	}
	c := *m
	c.Net = net
	c.Spec.Height, c.Spec.Width = s[2], s[3]
	return &c, nil
}

// Label names class k.
func (m *Model) Label(k int) string {
	if k >= 0 && k < len(m.Labels) {
		return m.Labels[k]
	}
	return "class " + strconv.Itoa(k)
}

// ClassByName resolves a class given as an index or a label (exact, then
// case-insensitive, then a unique substring).
func (m *Model) ClassByName(s string) (int, error) {
	nc := m.Net.NumClasses()
	if k, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		if k < 0 || k >= nc {
			return 0, fmt.Errorf("class %d is out of range: the model has %d classes (0–%d)", k, nc, nc-1)
		}
		return k, nil
	}
	for k, l := range m.Labels {
		if l == s {
			return k, nil
		}
	}
	for k, l := range m.Labels {
		if strings.EqualFold(l, s) {
			return k, nil
		}
	}
	var hits []int
	low := strings.ToLower(s)
	for k, l := range m.Labels {
		if strings.Contains(strings.ToLower(l), low) {
			hits = append(hits, k)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return 0, fmt.Errorf("no class is called %q", s)
	}
	names := make([]string, 0, 5)
	for _, k := range hits[:min(5, len(hits))] {
		names = append(names, fmt.Sprintf("%d %q", k, m.Labels[k]))
	}
	return 0, fmt.Errorf("%q matches %d classes (%s…); give the index", s, len(hits), strings.Join(names, ", "))
}
