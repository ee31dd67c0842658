package analysis

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

// MinDrawnSide is the smallest side, in pixels of the working picture,
// that the part the model saw may have for the map to be drawn on the
// picture itself; a thinner sliver (a 29999×3 strip's centre crop is a
// 3×3 patch, under one pixel once the working copy is made) is drawn on
// the model's own view instead.
const MinDrawnSide = 8

// ImageInput prepares a decoded picture for m. The tensor comes from the
// full-resolution picture (resizing twice would shift pixels); what is kept
// for drawing is a copy at most MaxWorkingSide pixels on its long side, or
// the model's view when the part it saw would be a sliver of that copy.
func (m *Model) ImageInput(name string, img *image.NRGBA, mode string) (*Input, error) {
	spec := m.Spec
	if mode != "" {
		spec.Mode = mode
	}
	if m.ownSize {
		spec.Height, spec.Width = m.Net.SizeFor(img.Bounds().Dy(), img.Bounds().Dx())
	}
	view, geom, err := imgio.ModelView(img, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data, err := imgio.ToTensor(view, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if work := imgio.Downscale(img, MaxWorkingSide); work != img {
		sx := float64(work.Bounds().Dx()) / float64(img.Bounds().Dx())
		sy := float64(work.Bounds().Dy()) / float64(img.Bounds().Dy())
		geom.Src = geom.Src.Scale(sx, sy)
		img = work
	}
	if r := geom.Src.Round(); r.Dx() < MinDrawnSide || r.Dy() < MinDrawnSide {
		img, geom = view, viewGeometry(geom.InW, geom.InH)
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
		return nil, fmt.Errorf("%s: the tensor is %v; this model takes [1 %d %d %d] (one %s %d×%d image, NCHW, normalised)",
			filepath.Base(path), shape, c, h, w, map[bool]string{true: "grey", false: "RGB"}[c == 1], w, h)
	}
	h, w = shape[2], shape[3] // a symbolic size takes the tensor's; Forward checks the graph takes it
	t := tensor.New(tensor.WithShape(shape[:]...), tensor.WithBacking(data))
	src := m.picture(data, w, h)
	return &Input{Name: filepath.Base(path), Source: src, Tensor: t, Geom: viewGeometry(w, h), Mode: "tensor"}, nil
}

// viewGeometry is the geometry of a picture that is the model's input
// itself, pixel for pixel.
func viewGeometry(w, h int) imgio.Geometry {
	return imgio.Geometry{SrcW: w, SrcH: h, ResizedW: w, ResizedH: h, Crop: image.Rect(0, 0, w, h), InW: w, InH: h,
		Src: imgio.RectF{X1: float64(w), Y1: float64(h)}}
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
