// Package assets holds what camviz ships inside its binary: label lists,
// the default model, sample images and the icon.
package assets

import (
	"embed"
	"encoding/json"
	"io/fs"
	"strings"
)

//go:embed imagenet_labels.txt
var imagenetLabels string

//go:embed model/digits.onnx
var digitsModel []byte

//go:embed model/digits.json
var digitsMeta []byte

//go:embed samples
var samples embed.FS

// ImageNetLabels are the 1000 ImageNet-1k class names in torchvision's
// order (the order of every ImageNet classifier's output).
func ImageNetLabels() []string {
	return strings.Split(strings.TrimRight(imagenetLabels, "\n"), "\n")
}

// DefaultModel is the embedded model: a VGG16-layout network trained on
// MNIST digits pasted on 64×64 canvases (tools/train), and its sidecar
// metadata (input size, normalisation, labels, default layer).
func DefaultModel() (onnx, meta []byte) { return digitsModel, digitsMeta }

// Sample is one embedded sample picture.
type Sample struct {
	File   string `json:"file"`
	Labels []int  `json:"labels"`
	Data   []byte `json:"-"`
}

// Samples lists the embedded sample pictures with their PNG bytes.
func Samples() ([]Sample, error) {
	idx, err := samples.ReadFile("samples/samples.json")
	if err != nil {
		return nil, err
	}
	var list []Sample
	if err := json.Unmarshal(idx, &list); err != nil {
		var wrapped struct{ Samples []Sample }
		if err2 := json.Unmarshal(idx, &wrapped); err2 != nil {
			return nil, err
		}
		list = wrapped.Samples
	}
	for i := range list {
		if list[i].Data, err = fs.ReadFile(samples, "samples/"+list[i].File); err != nil {
			return nil, err
		}
	}
	return list, nil
}
