package render

import (
	"fmt"
	"image"
	"image/draw"
)

// Field is a W×H scalar field stored row-major: a CAM map ready to colour.
// It has the same fields as cam.Map, so render.Field(m) converts one.
type Field struct {
	W, H int
	Data []float32
}

func (f Field) validate() error {
	if f.W <= 0 || f.H <= 0 || len(f.Data) != f.W*f.H {
		return fmt.Errorf("render: field %d×%d with %d values", f.W, f.H, len(f.Data))
	}
	return nil
}

// Range maps field values to colour-map entries: Lo to the first entry, Hi
// to the last.
type Range struct{ Lo, Hi float32 }

// Unit is the range [0,1] of MinMax and Shared maps.
func Unit() Range { return Range{0, 1} }

// Symmetric is [−limit, limit], for signed maps with a diverging colour
// map: 0 falls at the middle of the map (between entries 127 and 128).
func Symmetric(limit float32) Range { return Range{-limit, limit} }

// Index returns the colour-map entry of v: uint8(255·(v−Lo)/(Hi−Lo))
// truncated, as pytorch-grad-cam's np.uint8(255·cam) for the Unit range.
// Values outside the range are clamped; NaN and an empty range give 0.
func (r Range) Index(v float32) uint8 {
	var t float32
	if r == Unit() {
		t = 255 * v // the reference's exact float32 arithmetic
	} else {
		t = 255 * ((v - r.Lo) / (r.Hi - r.Lo))
	}
	switch {
	case t >= 255:
		return 255
	case t > 0:
		return uint8(t)
	}
	return 0 // t ≤ 0 or NaN
}

// Colorize returns the field coloured through lut.
func Colorize(f Field, r Range, lut *LUT) (*image.RGBA, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, f.W, f.H))
	for y := range f.H {
		row := img.Pix[y*img.Stride:]
		for x, v := range f.Data[y*f.W : (y+1)*f.W] {
			c := lut[r.Index(v)]
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c[0], c[1], c[2], 255
		}
	}
	return img, nil
}

// Style says how a field is drawn over an image.
type Style struct {
	// LUT colours the field; nil means Jet.
	LUT *LUT
	// Range maps values to LUT entries: Unit() for MinMax or Shared maps,
	// Symmetric(max |v|) for Raw maps with a diverging LUT.
	Range Range
	// Alpha is the heat map's opacity in [0,1]; pytorch-grad-cam's
	// image_weight is 1 − Alpha (0.5 by default).
	Alpha float64
}

// DefaultStyle is pytorch-grad-cam's show_cam_on_image: jet, range [0,1],
// image_weight 0.5.
func DefaultStyle() Style { return Style{LUT: Jet(), Range: Unit(), Alpha: 0.5} }

// Overlay draws f over base with pytorch-grad-cam's show_cam_on_image
// formula, generalised to any opacity:
//
//	heat = LUT[index(v)]/255                     (float32)
//	out  = float32(Alpha)·heat + (1−Alpha)·img/255
//	out /= max(out)                              (over the drawn area)
//	uint8(255·out)                               (truncating)
//
// The field covers the rectangle of its size whose top-left corner is at
// (base.Bounds().Min + at); it is usually the CAM resized (cam.Resize) to
// the image size, or to the region of the image the network saw. Pixels
// outside that rectangle are copied from base unchanged. The result has
// base's bounds and any image type is accepted; base is treated as
// opaque. With DefaultStyle and a field covering the whole image, the
// result is byte-identical to the reference.
func Overlay(base image.Image, f Field, at image.Point, st Style) (*image.RGBA, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if st.Alpha < 0 || st.Alpha > 1 || st.Alpha != st.Alpha {
		return nil, fmt.Errorf("render: alpha %v outside [0,1]", st.Alpha)
	}
	lut := st.LUT
	if lut == nil {
		lut = Jet()
	}
	b := base.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, base, b.Min, draw.Src)
	area := image.Rectangle{Min: b.Min.Add(at), Max: b.Min.Add(at).Add(image.Pt(f.W, f.H))}.Intersect(b)
	if area.Empty() {
		return out, nil
	}
	// The reference computes the heat term in float32 and the image term
	// in float64 (numpy keeps float32 × python float in float32; base/255
	// is float64), then divides by the maximum. Both terms depend on one
	// byte each, so they are tabulated once. Two passes recompute the sum
	// rather than store it: a 12-megapixel photo would need 290 MB.
	var heatT [256][3]float64
	var imgT [256]float64
	wHeat := float32(st.Alpha)
	for i, c := range lut {
		for k := range 3 {
			heatT[i][k] = float64(wHeat * (float32(c[k]) / 255))
		}
	}
	for v := range imgT {
		imgT[v] = (1 - st.Alpha) * (float64(v) / 255)
	}
	hi := 0.0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		frow := f.Data[(y-b.Min.Y-at.Y)*f.W+area.Min.X-b.Min.X-at.X:]
		pix := out.Pix[out.PixOffset(area.Min.X, y):]
		for x := range area.Dx() {
			h := &heatT[st.Range.Index(frow[x])]
			p := pix[4*x : 4*x+3 : 4*x+3]
			// Plain comparisons: the max builtin pays for NaN semantics
			// that cannot occur here.
			for k := range 3 {
				if v := h[k] + imgT[p[k]]; v > hi {
					hi = v
				}
			}
		}
	}
	if hi == 0 { // black image and zero alpha: nothing to normalise
		hi = 1
	}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		frow := f.Data[(y-b.Min.Y-at.Y)*f.W+area.Min.X-b.Min.X-at.X:]
		pix := out.Pix[out.PixOffset(area.Min.X, y):]
		for x := range area.Dx() {
			h := &heatT[st.Range.Index(frow[x])]
			p := pix[4*x : 4*x+4 : 4*x+4]
			p[0] = uint8(255 * ((h[0] + imgT[p[0]]) / hi))
			p[1] = uint8(255 * ((h[1] + imgT[p[1]]) / hi))
			p[2] = uint8(255 * ((h[2] + imgT[p[2]]) / hi))
			p[3] = 255
		}
	}
	return out, nil
}

// SignedStyle draws a signed (Raw mode) map with the diverging colour map,
// grey at 0 and full colour at ±limit (e.g. MaxAbs of the map, or of
// several maps to compare them).
func SignedStyle(limit float32, alpha float64) Style {
	return Style{LUT: Coolwarm(), Range: Symmetric(limit), Alpha: alpha}
}
