// Package assets holds what camviz ships inside its binary: label lists,
// the default model, sample images and the icon.
package assets

import (
	_ "embed"
	"strings"
)

//go:embed imagenet_labels.txt
var imagenetLabels string

// ImageNetLabels are the 1000 ImageNet-1k class names in torchvision's
// order (the order of every ImageNet classifier's output).
func ImageNetLabels() []string {
	return strings.Split(strings.TrimRight(imagenetLabels, "\n"), "\n")
}
