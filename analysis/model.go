package analysis

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"camviz/imgio"
	"camviz/inference"
	"camviz/internal/files"
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
	// ReadONNX reads the file the network was compiled from again, for the
	// sanity check's randomised copies (the loaded bytes are not kept:
	// DecodeOwned moves weights within them); nil when there is no file
	// (NewModel's callers own their bytes).
	ReadONNX func() ([]byte, error)
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

// Limits of the small files read beside a model, checked before reading.
const (
	MaxLabelsBytes  = 4 << 20 // 21k ImageNet class names take under 1 MB
	MaxSidecarBytes = 1 << 20
)

// LoadModel reads an ONNX file, its sidecar NAME.json if there is one, and
// a labels file if labelsPath is not empty. The window and the command
// line both load through it; every file must be a regular file within its
// size limit (inference.ReadModelFile, ReadLabels, readSidecar).
func LoadModel(path, labelsPath string) (*Model, error) {
	data, err := inference.ReadModelFile(path)
	if err != nil {
		return nil, err
	}
	side, err := readSidecar(strings.TrimSuffix(path, filepath.Ext(path)) + ".json")
	if err != nil {
		return nil, err
	}
	m, err := newModel(filepath.Base(path), data, side, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	m.Path = path
	m.ReadONNX = func() ([]byte, error) { return inference.ReadModelFile(path) }
	if labelsPath != "" {
		if m.Labels, err = ReadLabels(labelsPath, m.Net.NumClasses()); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// readSidecar reads the sidecar at path; nil if there is none.
func readSidecar(path string) ([]byte, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return files.ReadRegular(path, "model sidecar", MaxSidecarBytes)
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
		return jsonError(err)
	}
	if err := m.checkInputSize(s.InputSize); err != nil {
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
	if err := setChannels(&m.Spec.Mean, s.Mean, "mean", false); err != nil {
		return err
	}
	if err := setChannels(&m.Spec.Std, s.Std, "std", true); err != nil {
		return err
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

// checkInputSize honours a sidecar's input_size: [C,H,W] or [H,W]. A
// graph of symbolic height and width runs at that size from then on; a
// fixed graph must declare that very size (a different one would be
// silently ignored otherwise).
func (m *Model) checkInputSize(size []int) error {
	if size == nil {
		return nil
	}
	c, h, w := m.Net.InputSize()
	want := []int{c, h, w}
	switch len(size) {
	case 3:
	case 2:
		want = want[1:]
	default:
		return fmt.Errorf("input_size %v: give [C,H,W] or [H,W]", size)
	}
	if m.ownSize && (len(size) == 2 || size[0] == c) {
		sh, sw := size[len(size)-2], size[len(size)-1]
		net, err := m.Net.WithInputSize(sh, sw)
		if err != nil {
			return fmt.Errorf("input_size %v: %w", size, err)
		}
		m.Net, m.ownSize = net, false
		m.Spec.Height, m.Spec.Width = sh, sw
		return nil
	}
	if !slices.Equal(size, want) {
		return fmt.Errorf("input_size %v differs from the model's input [%d %d %d]; camviz feeds the model the size its graph declares", size, c, h, w)
	}
	return nil
}

// setChannels sets a per-channel mean or std from a sidecar: three values
// (R, G, B), or one for every channel (grey models, or a shared value).
func setChannels(dst *[3]float32, v []float32, name string, positive bool) error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		v = []float32{v[0], v[0], v[0]}
	case 3:
	default:
		return fmt.Errorf("%s has %d values; give 3 (R, G, B) or 1 (all channels)", name, len(v))
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || (positive && x <= 0) {
			return fmt.Errorf("%s %v: every value must be a finite number%s", name, v, map[bool]string{true: " above 0", false: ""}[positive])
		}
	}
	copy(dst[:], v)
	return nil
}

// jsonError says what is wrong with a JSON file in its own terms: the key
// and the kind of value, never the Go types it was read into.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Errorf("%q should be %s, not a JSON %s", te.Field, jsonKind(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("not valid JSON at byte %d", se.Offset)
	}
	return errors.New("not valid JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "a "), "an ") + "s"
	}
	return "an object"
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

var integerRE = regexp.MustCompile(`^[-+]?[0-9]+$`)

// ClassByName resolves a class given as an index or a label (exact, then
// case-insensitive, then a unique substring).
func (m *Model) ClassByName(s string) (int, error) {
	nc := m.Net.NumClasses()
	if t := strings.TrimSpace(s); integerRE.MatchString(t) {
		// A number too big for an int is out of range too, not a label.
		k, err := strconv.Atoi(t)
		if err != nil || k < 0 || k >= nc {
			return 0, fmt.Errorf("class %s is out of range: the model has %d classes (0–%d)", t, nc, nc-1)
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
