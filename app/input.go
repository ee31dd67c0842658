package app

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"

	"camviz/imgio"

	"gorgonia.org/tensor"
)

// Input is one image made ready for a model.
type Input struct {
	Name   string       // file name, for captions
	Source *image.NRGBA // the oriented picture the map is drawn on; nil for .npy input
	Tensor *tensor.Dense
	Geom   imgio.Geometry // where the tensor's pixels lie on Source
	Mode   string         // imgio.ModeCrop or imgio.ModeWhole
}

// MaxWorkingSide bounds the picture kept for drawing: a 8000×6000 photo is
// drawn from a 4096-pixel working copy, which keeps the overlay, the
// composite and the export within a few hundred MB.
const MaxWorkingSide = 4096

// OpenInput reads an image file (or a .npy tensor used as is) for m.
// mode "" means the model's own preprocessing.
func (m *Model) OpenInput(path, mode string) (*Input, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return m.npyInput(path)
	}
	img, _, err := imgio.DecodeFile(path, imgio.Limits{})
	if err != nil {
		return nil, err
	}
	return m.ImageInput(filepath.Base(path), img, mode)
}

// ImageInput prepares a decoded picture for m. The tensor comes from the
// full-resolution picture (resizing twice would shift pixels); what is kept
// for drawing is a copy at most MaxWorkingSide pixels on its long side.
func (m *Model) ImageInput(name string, img *image.NRGBA, mode string) (*Input, error) {
	spec := m.Spec
	if mode != "" {
		spec.Mode = mode
	}
	if m.ownSize {
		spec.Height, spec.Width = m.Net.SizeFor(img.Bounds().Dy(), img.Bounds().Dx())
	}
	data, geom, err := imgio.Preprocess(img, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if work := imgio.Downscale(img, MaxWorkingSide); work != img {
		sx := float64(work.Bounds().Dx()) / float64(img.Bounds().Dx())
		sy := float64(work.Bounds().Dy()) / float64(img.Bounds().Dy())
		geom.Src = geom.Src.Scale(sx, sy)
		img = work
	}
	if m.Gray {
		data = data[:spec.Width*spec.Height] // the three channels are equal
	}
	c, _, _ := m.Net.InputSize()
	t := tensor.New(tensor.WithShape(1, c, spec.Height, spec.Width), tensor.WithBacking(data))
	return &Input{Name: name, Source: img, Tensor: t, Geom: geom, Mode: spec.Mode}, nil
}

func (m *Model) npyInput(path string) (*Input, error) {
	data, shape, err := imgio.ReadInputNPYFile(path)
	if err != nil {
		return nil, err
	}
	c, h, w := m.Net.InputSize()
	dh, dw := m.Net.Dynamic()
	if shape[0] != 1 || shape[1] != c || (shape[2] != h && !dh) || (shape[3] != w && !dw) {
		return nil, fmt.Errorf("%s: the tensor is %v; the model takes [1 %d %d %d]", filepath.Base(path), shape, c, h, w)
	}
	h, w = shape[2], shape[3] // a symbolic size takes the tensor's; Forward checks the graph takes it
	t := tensor.New(tensor.WithShape(shape[:]...), tensor.WithBacking(data))
	src := m.picture(data, w, h)
	geom := imgio.Geometry{SrcW: w, SrcH: h, ResizedW: w, ResizedH: h, Crop: src.Rect, InW: w, InH: h,
		Src: imgio.RectF{X1: float64(w), Y1: float64(h)}}
	return &Input{Name: filepath.Base(path), Source: src, Tensor: t, Geom: geom, Mode: "tensor"}, nil
}

// picture turns a normalised tensor back into the image it stands for
// (the model's mean and std undone), so a .npy input can be drawn on.
func (m *Model) picture(data []float32, w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	plane := w * h
	chans := len(data) / plane
	scale := m.Spec.Scale
	if scale == 0 {
		scale = 1.0 / 255
	}
	for i := 0; i < plane; i++ {
		for c := 0; c < 3; c++ {
			ch := min(c, chans-1)
			v := (data[ch*plane+i]*m.Spec.Std[ch] + m.Spec.Mean[ch]) / scale
			img.Pix[4*i+c] = uint8(max(0, min(255, v+0.5)))
		}
		img.Pix[4*i+3] = 255
	}
	return img
}
