package imgio

import (
	"fmt"
	"image"
	"math"
)

// Spec modes.
const (
	// ModeCrop: resize the shorter side to ResizeShort keeping the aspect
	// ratio, then take the centre Width×Height crop (torchvision's
	// Resize(ResizeShort) + CenterCrop((Height, Width)), the ImageNet eval
	// protocol).
	ModeCrop = "crop"
	// ModeWhole: resize the whole image to Width×Height ignoring the
	// aspect ratio (torchvision's Resize((Height, Width))); nothing is cut
	// off, so the CAM covers the whole picture.
	ModeWhole = "whole"
)

// maxInputSide bounds Width, Height and ResizeShort: far above any VGG input,
// low enough that a typo cannot ask for a multi-gigabyte tensor.
const maxInputSide = 8192

// Spec describes how a model wants its input. The tensor is NCHW, N=1, RGB:
// value = (pixel·Scale − Mean[c]) / Std[c], pixel the 0..255 sample.
type Spec struct {
	Width, Height int
	// Mode is ModeCrop (default when empty) or ModeWhole.
	Mode string
	// ResizeShort is the shorter-side length before the centre crop (crop
	// mode only). 0 means floor(max(Width, Height)/0.875), the usual
	// 87.5% crop: 256 for 224.
	ResizeShort int
	Mean, Std   [3]float32
	// Scale maps the 0..255 samples before Mean/Std; 0 means 1/255.
	Scale float32
	// Gray feeds luminance (Pillow's "L": ITU-R 601, (19595R + 38470G +
	// 7471B + 2¹⁵) >> 16) replicated into the three channels. It is applied
	// after resizing (torchvision pipelines usually convert first; both
	// steps are linear, so the two orders differ only by rounding, a level
	// or two).
	Gray bool
}

// ImageNetSpec is the standard torchvision ImageNet evaluation transform:
// Resize(256), CenterCrop(224), ToTensor, Normalize(mean, std).
func ImageNetSpec() Spec {
	return Spec{
		Width: 224, Height: 224,
		Mode:  ModeCrop,
		Mean:  [3]float32{0.485, 0.456, 0.406},
		Std:   [3]float32{0.229, 0.224, 0.225},
		Scale: 1.0 / 255,
	}
}

// resolve fills defaults and validates.
func (s Spec) resolve() (Spec, error) {
	if s.Width <= 0 || s.Height <= 0 || s.Width > maxInputSide || s.Height > maxInputSide {
		return s, fmt.Errorf("model input size %d×%d is not between 1 and %d", s.Width, s.Height, maxInputSide)
	}
	switch s.Mode {
	case "":
		s.Mode = ModeCrop
	case ModeCrop, ModeWhole:
	default:
		return s, fmt.Errorf("unknown preprocessing mode %q (want %q or %q)", s.Mode, ModeCrop, ModeWhole)
	}
	if s.Mode == ModeCrop {
		if s.ResizeShort == 0 {
			s.ResizeShort = int(math.Floor(float64(max(s.Width, s.Height)) / 0.875))
		}
		if s.ResizeShort < 1 || s.ResizeShort > maxInputSide {
			return s, fmt.Errorf("resize size %d is not between 1 and %d", s.ResizeShort, maxInputSide)
		}
	}
	if s.Scale == 0 {
		s.Scale = 1.0 / 255
	}
	for c, v := range s.Std {
		if v == 0 || math.IsNaN(float64(v)) {
			return s, fmt.Errorf("std[%d] is %v; every std must be non-zero", c, v)
		}
	}
	return s, nil
}

// RectF is a rectangle in continuous pixel coordinates: pixel (i, j)
// covers [i, i+1)×[j, j+1).
type RectF struct{ X0, Y0, X1, Y1 float64 }

// Scale returns r scaled by (sx, sy), e.g. to move a rectangle from the
// original image onto a Downscale working copy (sx = copyW/origW).
func (r RectF) Scale(sx, sy float64) RectF {
	return RectF{r.X0 * sx, r.Y0 * sy, r.X1 * sx, r.Y1 * sy}
}

// Round returns the nearest integer rectangle.
func (r RectF) Round() image.Rectangle {
	return image.Rect(int(math.Round(r.X0)), int(math.Round(r.Y0)), int(math.Round(r.X1)), int(math.Round(r.Y1)))
}

// Geometry ties the input tensor to the image it was made from.
type Geometry struct {
	SrcW, SrcH int // the image given to Preprocess
	// ResizedW×ResizedH is what the whole image was resized to.
	ResizedW, ResizedH int
	// Crop is the window cut from the resized image; it extends past the
	// resized image (padded with black, as torchvision pads) when that is
	// smaller than the input.
	Crop     image.Rectangle
	InW, InH int // tensor width and height
	// Src is Crop in source-image coordinates: stretch a CAM (InW×InH) over
	// this rectangle to draw it in place on the full picture. In crop mode
	// it is the centre part of the image; in whole mode the whole image.
	Src RectF
}

// ToSource maps continuous tensor coordinates (u in [0, InW], v in [0, InH])
// to continuous source-image coordinates.
func (g Geometry) ToSource(u, v float64) (x, y float64) {
	sx := float64(g.SrcW) / float64(g.ResizedW)
	sy := float64(g.SrcH) / float64(g.ResizedH)
	return (float64(g.Crop.Min.X) + u) * sx, (float64(g.Crop.Min.Y) + v) * sy
}

// Preprocess turns an image into the model's input tensor, NCHW with N=1
// (length 3·Height·Width), plus the geometry back onto img. Alpha is
// ignored (Decode returns opaque images). It is ModelView then ToTensor.
func Preprocess(img *image.NRGBA, spec Spec) ([]float32, Geometry, error) {
	view, g, err := ModelView(img, spec)
	if err != nil {
		return nil, Geometry{}, err
	}
	t, err := ToTensor(view, spec)
	return t, g, err
}

// ModelView returns the Width×Height 8-bit picture the network sees: the
// resize (Pillow-exact antialiased bilinear, see Resize) and centre crop,
// before normalisation. It is also the natural base for a CAM overlay,
// pixel-aligned with the tensor (pytorch-grad-cam's show_cam_on_image
// input).
func ModelView(img *image.NRGBA, spec Spec) (*image.NRGBA, Geometry, error) {
	s, err := spec.resolve()
	if err != nil {
		return nil, Geometry{}, err
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w <= 0 || h <= 0 {
		return nil, Geometry{}, fmt.Errorf("image has no pixels (%d×%d)", w, h)
	}
	g := Geometry{SrcW: w, SrcH: h, InW: s.Width, InH: s.Height}
	if s.Mode == ModeWhole {
		g.ResizedW, g.ResizedH = s.Width, s.Height
		g.Crop = image.Rect(0, 0, s.Width, s.Height)
	} else {
		g.ResizedW, g.ResizedH = shortSideSize(w, h, s.ResizeShort)
		left := centreOffset(g.ResizedW, s.Width)
		top := centreOffset(g.ResizedH, s.Height)
		g.Crop = image.Rect(left, top, left+s.Width, top+s.Height)
	}
	sx := float64(w) / float64(g.ResizedW)
	sy := float64(h) / float64(g.ResizedH)
	g.Src = RectF{float64(g.Crop.Min.X) * sx, float64(g.Crop.Min.Y) * sy, float64(g.Crop.Max.X) * sx, float64(g.Crop.Max.Y) * sy}

	inside := g.Crop.Intersect(image.Rect(0, 0, g.ResizedW, g.ResizedH))
	part := resampleWindow(img, g.ResizedW, g.ResizedH, inside)
	view := part
	if inside != g.Crop {
		// Padding: black, opaque, with the resized part pasted at its place.
		view = image.NewNRGBA(image.Rect(0, 0, s.Width, s.Height))
		for i := 3; i < len(view.Pix); i += 4 {
			view.Pix[i] = 0xff
		}
		at := inside.Min.Sub(g.Crop.Min)
		for y := 0; y < inside.Dy(); y++ {
			copy(view.Pix[view.PixOffset(at.X, at.Y+y):], part.Pix[y*part.Stride:y*part.Stride+inside.Dx()*4])
		}
	}
	if s.Gray {
		for i := 0; i+3 < len(view.Pix); i += 4 {
			p := view.Pix[i : i+3]
			l := uint8((uint32(p[0])*19595 + uint32(p[1])*38470 + uint32(p[2])*7471 + 0x8000) >> 16)
			p[0], p[1], p[2] = l, l, l
		}
	}
	return view, g, nil
}

// shortSideSize is torchvision's _compute_resized_output_size for an int
// size: the shorter side becomes size, the longer int(size·long/short)
// (truncated, in float64 like Python's true division).
func shortSideSize(w, h, size int) (int, int) {
	if w <= h {
		return size, max(1, int(float64(size*h)/float64(w)))
	}
	return max(1, int(float64(size*w)/float64(h))), size
}

// centreOffset is torchvision's CenterCrop origin along one axis:
// int(round((have-want)/2)) with Python's round-half-to-even when the image
// is large enough, else minus the left/top padding (want-have)//2.
func centreOffset(have, want int) int {
	if have >= want {
		return int(math.RoundToEven(float64(have-want) / 2))
	}
	return -((want - have) / 2)
}

// ToTensor normalises a Width×Height picture (normally ModelView's output)
// into a float32 NCHW tensor with N=1: RGB planes of
// (pixel·Scale − Mean[c]) / Std[c], computed in float32 like torchvision's
// ToTensor + Normalize.
func ToTensor(view *image.NRGBA, spec Spec) ([]float32, error) {
	s, err := spec.resolve()
	if err != nil {
		return nil, err
	}
	w, h := view.Rect.Dx(), view.Rect.Dy()
	if w != s.Width || h != s.Height {
		return nil, fmt.Errorf("picture is %d×%d, the model wants %d×%d", w, h, s.Width, s.Height)
	}
	plane := w * h
	out := make([]float32, 3*plane)
	for y := 0; y < h; y++ {
		row := view.Pix[view.PixOffset(view.Rect.Min.X, view.Rect.Min.Y+y):]
		for x := 0; x < w; x++ {
			p := row[x*4 : x*4+3]
			i := y*w + x
			for c := 0; c < 3; c++ {
				out[c*plane+i] = (float32(p[c])*s.Scale - s.Mean[c]) / s.Std[c]
			}
		}
	}
	return out, nil
}
