// Package render turns CAM maps into pictures: colour maps, the
// pytorch-grad-cam overlay, signed (diverging) overlays, colour bars,
// captions and composite images for export.
//
// It works on plain float32 slices ([Field]) and the standard image
// types, and does not import the cam package: a cam.Map converts to a
// Field directly (render.Field(m)) since both have the same fields.
package render

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	colorful "github.com/lucasb-eyer/go-colorful"
)

// LUT is a 256-entry RGB colour map: entry i colours the value i/255.
type LUT [256][3]uint8

// RGBA returns entry i as an opaque colour.
func (l *LUT) RGBA(i uint8) color.RGBA {
	c := l[i]
	return color.RGBA{c[0], c[1], c[2], 255}
}

// ColormapInfo is one colour map of the registry: everything camviz
// knows about it, so pickers, help texts and the CLI read this table and
// nothing else names a map.
type ColormapInfo struct {
	// Name is the public identifier used on the command line.
	Name string
	// Aliases are other accepted names.
	Aliases []string
	// Diverging maps are meant for signed values, centred at 0.
	Diverging bool
	// Description is one line for menus and help.
	Description string
	// Build makes the map's table.
	Build func() *LUT
}

// The maps drawn when the user chose none: unsigned maps in jet (as
// pytorch-grad-cam's overlays), signed ones in the diverging map.
const (
	DefaultColormap = "jet"
	SignedColormap  = "coolwarm"
)

// DefaultColormapFor is the map drawn when the user chose none.
func DefaultColormapFor(signed bool) string {
	if signed {
		return SignedColormap
	}
	return DefaultColormap
}

// colormaps is the registry, in menu order. Adding a colour map is adding
// one value here (and a test of a few of its entries).
var colormaps = [...]ColormapInfo{
	{Name: "jet", Description: "OpenCV COLORMAP_JET, as pytorch-grad-cam's overlays (byte-identical).", Build: Jet},
	{Name: "turbo", Description: "Google's Turbo: an improved rainbow, smoother in lightness than jet.", Build: Turbo},
	{Name: "viridis", Description: "Matplotlib's perceptually uniform blue-green-yellow map.", Build: Viridis},
	{Name: "inferno", Description: "Matplotlib's perceptually uniform black-red-yellow map.", Build: Inferno},
	{Name: "coolwarm", Aliases: []string{"diverging"}, Diverging: true,
		Description: "Moreland's blue-grey-red diverging map, for signed maps centred at 0.", Build: Coolwarm},
}

// Colormaps returns the registry, in menu order.
func Colormaps() []ColormapInfo {
	out := make([]ColormapInfo, len(colormaps))
	copy(out, colormaps[:])
	return out
}

// Colormap builds the colour map called name (a Name or an alias of
// Colormaps). Building takes microseconds; callers that draw often should
// keep the LUT.
func Colormap(name string) (*LUT, error) {
	for _, c := range colormaps {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c.Build(), nil
		}
	}
	return nil, fmt.Errorf("render: unknown colour map %q", name)
}

// Jet returns OpenCV's COLORMAP_JET (in RGB order), byte for byte.
//
// OpenCV (colormap.cpp, class Jet) defines jet by 256-sample
// piecewise-linear float tables (GNU Octave's jet). In 8-bit units each
// channel is a clamped "tent" rising and falling by 4 per entry, on
// half-levels:
//
//	red   = clamp(min(4i − 382.5, 1147.5 − 4i)) / 255
//	green = clamp(min(4i − 127.5,  892.5 − 4i)) / 255
//	blue  = clamp(min(127.5 + 4i,  637.5 − 4i)) / 255
//
// Because every value lies on a half-level, the bytes depend on how OpenCV
// gets there, so we compute them the same way: the tables as float32, an
// interp1 of them at linspace(0, 1, 256) in float32 (which perturbs some
// entries by an ulp), then ×255 and round half to even (convertTo).
func Jet() *LUT {
	tent := func(rise, fall float64) float32 {
		return float32(math.Max(0, math.Min(255, math.Min(rise, fall))) / 255)
	}
	var r, g, b [256]float32
	for i := range 256 {
		x := float64(i)
		r[i] = tent(4*x-382.5, 1147.5-4*x)
		g[i] = tent(4*x-127.5, 892.5-4*x)
		b[i] = tent(127.5+4*x, 637.5-4*x)
	}
	xs := linspace32(0, 1, 256)
	var l LUT
	for i := range l {
		l[i] = [3]uint8{
			cvRound255(interp1(xs, r[:], xs[i])),
			cvRound255(interp1(xs, g[:], xs[i])),
			cvRound255(interp1(xs, b[:], xs[i])),
		}
	}
	return &l
}

// linspace32 is OpenCV colormap.cpp's linspace: x0 + i·step in float32.
func linspace32(x0, x1 float32, n int) []float32 {
	xs := make([]float32, n)
	step := (x1 - x0) / float32(n-1)
	for i := range xs {
		xs[i] = x0 + float32(i)*step
	}
	return xs
}

// interp1 is OpenCV colormap.cpp's interp1_ for float: a binary search for
// X[low] < xi ≤ X[high], then Y[low] + (xi−X[low])·(Y[high]−Y[low]) /
// (X[high]−X[low]), each operation rounded to float32.
func interp1(xs, ys []float32, xi float32) float32 {
	low, high := 0, len(xs)-1
	if xi < xs[low] {
		high = 1
	}
	if xi > xs[high] {
		low = high - 1
	}
	for high-low > 1 {
		c := low + (high-low)>>1
		if xi > xs[c] {
			low = c
		} else {
			high = c
		}
	}
	num := (xi - xs[low]) * (ys[high] - ys[low])
	return ys[low] + num/(xs[high]-xs[low])
}

// cvRound255 is convertTo(CV_8U, 255): v·255 in float32, rounded half to
// even, saturated.
func cvRound255(v float32) uint8 {
	return uint8(math.Max(0, math.Min(255, math.RoundToEven(float64(v*255)))))
}

// blendFunc interpolates two colours (t in [0,1]) in some colour space.
type blendFunc func(a, b colorful.Color, t float64) colorful.Color

func blendRGB(a, b colorful.Color, t float64) colorful.Color { return a.BlendRgb(b, t) }
func blendLab(a, b colorful.Color, t float64) colorful.Color { return a.BlendLab(b, t) }

// fromAnchors builds a LUT from 33 sRGB anchors 0xRRGGBB: entries 0, 8,
// 16, …, 248 and 255 of a published 256-entry table, interpolated with
// blend. Every 8th entry keeps the ends' curvature: with every 16th, viridis
// and inferno would be off by 5 levels near the ends, turbo by 7.
func fromAnchors(hex *[33]uint32, blend blendFunc) *LUT {
	idx := func(k int) int { return min(8*k, 255) }
	col := func(k int) colorful.Color {
		h := hex[k]
		return colorful.Color{R: float64(h>>16) / 255, G: float64(h>>8&0xff) / 255, B: float64(h&0xff) / 255}
	}
	var l LUT
	for i := range l {
		k := min(i/8, 31)
		t := float64(i-idx(k)) / float64(idx(k+1)-idx(k))
		r, g, b := blend(col(k), col(k+1), t).Clamped().RGB255()
		l[i] = [3]uint8{r, g, b}
	}
	return &l
}

// Turbo returns Google's Turbo colour map (Mikhailov, 2019), from its
// published 256-entry sRGB table, interpolated in sRGB (the space the
// table is smooth in). Every entry is within 3 levels of the table.
func Turbo() *LUT {
	return fromAnchors(&[33]uint32{
		0x30123b, 0x392a73, 0x4040a2, 0x4456c7, 0x466be3, 0x4680f6, 0x4294ff, 0x37a8fa,
		0x28bceb, 0x1ccdd8, 0x18ddc2, 0x1fe9af, 0x32f298, 0x4ef97d, 0x6dfe62, 0x8bff4b,
		0xa4fc3c, 0xb9f635, 0xcdec34, 0xdfdf37, 0xeecf3a, 0xf8be39, 0xfdac34, 0xfe962b,
		0xfb7e21, 0xf46617, 0xeb500e, 0xdf3f08, 0xd02f05, 0xbe2102, 0xa91601, 0x920b01,
		0x7a0403,
	}, blendRGB)
}

// Viridis returns matplotlib's viridis, from its published 256-entry
// table, interpolated in CIE L*a*b* (viridis was designed in a perceptual
// space; Lab is the closest go-colorful offers). Every entry is within 2
// levels of the table.
func Viridis() *LUT {
	return fromAnchors(&[33]uint32{
		0x440154, 0x470d60, 0x48186a, 0x482374, 0x472d7b, 0x453781, 0x424086, 0x3e4989,
		0x3b528b, 0x375b8d, 0x33638d, 0x2f6b8e, 0x2c728e, 0x297a8e, 0x26828e, 0x23898e,
		0x21918c, 0x1f988b, 0x1fa088, 0x22a785, 0x28ae80, 0x32b67a, 0x3fbc73, 0x4ec36b,
		0x5ec962, 0x70cf57, 0x84d44b, 0x98d83e, 0xaddc30, 0xc2df23, 0xd8e219, 0xece51b,
		0xfde725,
	}, blendLab)
}

// Inferno returns matplotlib's inferno, from its published 256-entry
// table, interpolated in CIE L*a*b*. Every entry is within 2 levels of the
// table.
func Inferno() *LUT {
	return fromAnchors(&[33]uint32{
		0x000004, 0x040312, 0x0b0724, 0x150b37, 0x210c4a, 0x2f0a5b, 0x3d0965, 0x4a0c6b,
		0x57106e, 0x64156e, 0x71196e, 0x7d1e6d, 0x8a226a, 0x972766, 0xa32c61, 0xb0315b,
		0xbc3754, 0xc73e4c, 0xd24644, 0xdb503b, 0xe45a31, 0xeb6628, 0xf1731d, 0xf68013,
		0xf98e09, 0xfb9d07, 0xfcac11, 0xfbbc21, 0xf9cb35, 0xf5db4c, 0xf2ea69, 0xf3f68a,
		0xfcffa4,
	}, blendLab)
}

// Coolwarm returns Moreland's diverging map ("Diverging Color Maps for
// Scientific Visualization", 2009): from blue (59,76,192) through a
// neutral grey (221,221,221) to red (180,4,38), interpolated in his Msh
// space (polar CIE Lab) with the hue spin near the grey midpoint. The
// grey sits at 127.5, between the two middle entries; with a Symmetric
// range 0 falls on entry 127, within a level of that grey.
func Coolwarm() *LUT {
	cool := colorful.Color{R: 59.0 / 255, G: 76.0 / 255, B: 192.0 / 255}
	warm := colorful.Color{R: 180.0 / 255, G: 4.0 / 255, B: 38.0 / 255}
	var l LUT
	for i := range l {
		c := mshInterpolate(cool, warm, float64(i)/255)
		r, g, b := c.Clamped().RGB255()
		l[i] = [3]uint8{r, g, b}
	}
	return &l
}

type msh struct{ m, s, h float64 }

func toMsh(c colorful.Color) msh {
	L, a, b := c.Lab()
	L, a, b = 100*L, 100*a, 100*b // go-colorful scales Lab by 1/100
	m := math.Sqrt(L*L + a*a + b*b)
	return msh{m, math.Acos(L / m), math.Atan2(b, a)}
}

func (x msh) color() colorful.Color {
	L := x.m * math.Cos(x.s)
	a := x.m * math.Sin(x.s) * math.Cos(x.h)
	b := x.m * math.Sin(x.s) * math.Sin(x.h)
	return colorful.Lab(L/100, a/100, b/100)
}

// adjustHue spins the hue of an unsaturated colour towards sat's, so that
// the path from a saturated to a neutral colour stays perceptually even.
func adjustHue(sat msh, mUnsat float64) float64 {
	if sat.m >= mUnsat {
		return sat.h
	}
	spin := sat.s * math.Sqrt(mUnsat*mUnsat-sat.m*sat.m) / (sat.m * math.Sin(sat.s))
	if sat.h > -math.Pi/3 {
		return sat.h + spin
	}
	return sat.h - spin
}

// mshInterpolate is Moreland's InterpolateColor: two distinct saturated
// colours pass through an unsaturated white of magnitude max(M1, M2, 88).
func mshInterpolate(c1, c2 colorful.Color, t float64) colorful.Color {
	a, b := toMsh(c1), toMsh(c2)
	hueDiff := math.Abs(math.Remainder(a.h-b.h, 2*math.Pi))
	if a.s > 0.05 && b.s > 0.05 && hueDiff > math.Pi/3 {
		mid := math.Max(math.Max(a.m, b.m), 88)
		if t < 0.5 {
			b, t = msh{mid, 0, 0}, 2*t
		} else {
			a, t = msh{mid, 0, 0}, 2*t-1
		}
	}
	switch {
	case a.s < 0.05 && b.s > 0.05:
		a.h = adjustHue(b, a.m)
	case b.s < 0.05 && a.s > 0.05:
		b.h = adjustHue(a, b.m)
	}
	return msh{
		(1-t)*a.m + t*b.m,
		(1-t)*a.s + t*b.s,
		(1-t)*a.h + t*b.h,
	}.color()
}
