package inference

import (
	"camviz/internal/memroom"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"camviz/internal/files"

	onnx "github.com/owulveryck/onnx-go"
	"gorgonia.org/tensor"
)

// Net is a loaded, compiled network. It is immutable after Load, so any
// number of goroutines may run passes on it at once.
type Net struct {
	values []value
	steps  []step
	byName map[string]int

	input, scores int
	inputShape    []int // [N,C,H,W] as declared; symbolic batch becomes 1
	nhwc          bool  // the graph's input is [N,H,W,C]; inputShape is still NCHW
	dynH, dynW    bool  // the input's height, width are symbolic (see dynamic.go)
	sized         *sizedNets
	softmaxHead   bool
	opset         int64
	producerName  string
	layers        []Layer
	shapes        [][]int // every value's shape at the declared input size
	ints          []bool  // values of shape arithmetic (int64 vectors)

	fcOnce sync.Once
	fcHead *FCHead
	fcErr  error

	linOnce sync.Once
	linHead *LinearHead
	linErr  error

	mapped *mappings // external data files the weights live in

	arena    *arena
	root     []int    // the value whose buffer a value shares (alias ops), or itself
	rootLast []int    // per root: the last step reading any value on it
	fused    []fusion // per step: the chain a Conv step heads (fuse.go)
}

type value struct {
	name  string
	konst *tval // weights and constants; nil for activations
}

type step struct {
	op, node string // ONNX op type and node name, for messages
	in       []int  // value indices; -1 for an omitted optional input
	out      int
	k        any // kernel or *intOp
	def      opDef
}

// Layer is one tensor a CAM can be computed at.
type Layer struct {
	Name  string // ONNX tensor name
	Op    string // the operator that produces it
	Node  string // the ONNX node name
	Shape []int  // at the model's declared input size
	Block string // the module it belongs to, from the node name ("/layer4/layer4.1"); "" if unnamed
}

// MaxModelBytes is the largest model file camviz reads: protobuf caps a
// message at 2 GB, so a bigger ONNX model keeps its weights in external
// data files beside it (save_as_external_data), which Load reads.
const MaxModelBytes = 2<<30 - 1

// Load reads an ONNX model file; see ReadModelFile.
func Load(path string) (*Net, error) {
	data, err := ReadModelFile(path)
	if err != nil {
		return nil, err
	}
	return decode(data, true, filepath.Dir(path))
}

// ReadModelFile reads a model file's bytes: a regular file (folders,
// pipes and devices are refused without blocking) of at most
// MaxModelBytes, checked before reading.
func ReadModelFile(path string) ([]byte, error) {
	if err := roomFor(path); err != nil {
		return nil, err
	}
	data, err := files.ReadRegular(path, "model", MaxModelBytes)
	if errors.Is(err, files.ErrTooLarge) {
		return nil, fmt.Errorf("%w; ONNX files over 2 GB are not valid protobuf: re-save it with its weights in external data (onnx.save_model(..., save_as_external_data=True)), which camviz reads", err)
	}
	return data, err
}

// roomFor refuses, under an address-space limit (ulimit -v), a model that
// cannot fit: the Go runtime's out-of-memory is a fatal trace, not an
// error. A loaded model takes about 1.5× its file (the file's buffer holds
// the weights; activations and gradients come on top), measured on VGG16:
// 805 MB resident for a 553 MB file.
func roomFor(path string) error {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil // ReadRegular says what is wrong
	}
	return memroom.Check("the model", fi.Size()+fi.Size()/2+128<<20)
}

// Decode compiles an ONNX model held in memory; data is only read.
// A model with external data needs Load, which knows its folder.
func Decode(data []byte) (*Net, error) { return decode(data, false, "") }

// DecodeOwned compiles data, which the caller hands over: the weights then
// live inside it instead of in a copy (no further use of data is allowed).
func DecodeOwned(data []byte) (*Net, error) { return decode(data, true, "") }

// DecodeOwnedIn is DecodeOwned for a model read from folder dir, where
// its external data files lie.
func DecodeOwnedIn(data []byte, dir string) (*Net, error) { return decode(data, true, dir) }

// decode compiles data; with own, the weights may live inside data.
// External data files are read from dir ("" refuses them).
func decode(data []byte, own bool, dir string) (*Net, error) {
	if len(data) == 0 {
		return nil, errors.New("the model file is empty")
	}
	m, err := readMeta(data)
	if err != nil {
		return nil, err
	}
	if len(m.nodes) == 0 {
		return nil, errors.New("the ONNX graph has no nodes")
	}
	order, err := m.order()
	if err != nil {
		return nil, err
	}
	ext := newExtFiles(dir)
	slim, weights, err := splitWeights(data, own, ext)
	if err != nil {
		ext.unmap()
		return nil, err
	}
	b := newBackend()
	if err := unmarshal(b, slim); err != nil {
		ext.unmap()
		return nil, err
	}
	n, err := compile(b, m, weights, order)
	if err != nil {
		ext.unmap()
		return nil, err
	}
	ext.keep(n)
	return n, nil
}

// unmarshal runs onnx-go's decoder, turning its panics on malformed
// input into errors.
func unmarshal(b *backend, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode the ONNX model: %v", r)
		}
	}()
	if err := onnx.NewModel(b).UnmarshalBinary(data); err != nil {
		return fmt.Errorf("cannot decode the ONNX model: %v", firstLine(err.Error()))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Info describes the model for people.
type Info struct {
	InputName   string
	InputShape  []int // [N,C,H,W]
	OutputName  string
	NumClasses  int
	Opset       int64
	Producer    string
	SoftmaxHead bool // the graph ends in Softmax; scores are taken before it
	Layers      []Layer
}

func (n *Net) Info() Info {
	return Info{
		InputName:   n.values[n.input].name,
		InputShape:  append([]int(nil), n.inputShape...),
		OutputName:  n.values[n.scores].name,
		NumClasses:  n.NumClasses(),
		Opset:       n.opset,
		Producer:    n.producerName,
		SoftmaxHead: n.softmaxHead,
		Layers:      n.Layers(),
	}
}

// NumClasses is the length of the score vector.
func (n *Net) NumClasses() int {
	return n.shapes[n.scores][1]
}

// InputSize is the declared input's channels, height and width (a
// symbolic height or width is DynamicDefaultSide, or the size this Net
// was made for by WithInputSize).
func (n *Net) InputSize() (c, h, w int) {
	return n.inputShape[1], n.inputShape[2], n.inputShape[3]
}

// Layers lists the spatial ([N,C,H,W]) tensors a CAM can be computed at,
// in graph order.
func (n *Net) Layers() []Layer { return append([]Layer(nil), n.layers...) }

// Layer finds a layer by tensor name.
func (n *Net) Layer(name string) (Layer, error) {
	for _, l := range n.layers {
		if l.Name == name {
			return l, nil
		}
	}
	if _, ok := n.byName[name]; ok {
		return Layer{}, fmt.Errorf("tensor %q is not a spatial [N,C,H,W] layer", name)
	}
	return Layer{}, fmt.Errorf("the model has no tensor %q (run `camviz layers` to list them)", name)
}

// NewInput makes a zero tensor of the model's declared input shape with
// batch n.
func (n *Net) NewInput(batch int) *tensor.Dense {
	c, h, w := n.InputSize()
	return tensor.New(tensor.WithShape(batch, c, h, w), tensor.Of(tensor.Float32))
}
