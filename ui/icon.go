package ui

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"sync"

	"fyne.io/fyne/v2"

	"camviz/render"
)

// IconSize is the side of the application icon.
const IconSize = 256

// drawIcon draws camviz's icon: a heat map over a rounded square, the
// hottest spot off centre as on a real photo, with a white frame.
func drawIcon() *image.NRGBA {
	const n = IconSize
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	lut := render.Jet()
	blobs := []struct{ x, y, s, w float64 }{
		{0.40, 0.42, 0.20, 1.0},
		{0.68, 0.66, 0.13, 0.75},
		{0.70, 0.30, 0.10, 0.45},
	}
	const ss = 4 // supersampling for smooth edges
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var acc [4]float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / n
					v := (float64(y) + (float64(sy)+0.5)/ss) / n
					c, a := iconSample(u, v, blobs, lut)
					for k := 0; k < 3; k++ {
						acc[k] += c[k] * a
					}
					acc[3] += a
				}
			}
			if acc[3] == 0 {
				continue
			}
			o := img.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				img.Pix[o+k] = uint8(math.Round(acc[k] / acc[3]))
			}
			img.Pix[o+3] = uint8(math.Round(255 * acc[3] / (ss * ss)))
		}
	}
	return img
}

// iconSample is the icon's colour and coverage at (u, v) in [0,1]².
func iconSample(u, v float64, blobs []struct{ x, y, s, w float64 }, lut *render.LUT) ([3]float64, float64) {
	const margin, radius, frame = 0.04, 0.16, 0.035
	d := roundedBoxDist(u, v, margin, radius)
	if d > 0 {
		return [3]float64{}, 0
	}
	if d > -frame {
		return [3]float64{250, 250, 250}, 1
	}
	heat := 0.0
	for _, b := range blobs {
		dx, dy := u-b.x, v-b.y
		heat += b.w * math.Exp(-(dx*dx+dy*dy)/(2*b.s*b.s))
	}
	heat = 0.92 * math.Min(heat, 1)
	c := lut[uint8(math.Min(255, heat*255))]
	// A faint grid: the layer's cells the map was computed on.
	g := 1.0
	if fu, fv := math.Mod(u*7, 1), math.Mod(v*7, 1); fu < 0.04 || fv < 0.04 {
		g = 0.82
	}
	return [3]float64{float64(c[0]) * g, float64(c[1]) * g, float64(c[2]) * g}, 1
}

// roundedBoxDist is the signed distance from (u, v) to a rounded square
// inset by margin (negative inside).
func roundedBoxDist(u, v, margin, r float64) float64 {
	half := 0.5 - margin - r
	dx := math.Abs(u-0.5) - half
	dy := math.Abs(v-0.5) - half
	out := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
	in := math.Min(math.Max(dx, dy), 0)
	return out + in - r
}

var iconPNG = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, drawIcon()); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// Icon is the application icon (the same picture as assets/icon.png).
func Icon() fyne.Resource { return fyne.NewStaticResource("icon.png", iconPNG()) }
