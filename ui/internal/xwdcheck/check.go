package main

import (
	"fmt"
	"image"
	"math"
)

// report is what the smoke test measures on a screenshot.
type report struct {
	Area        image.Rectangle
	Distinct    int     // distinct colours (5 bits a channel) in Area
	Mean        float64 // mean luminance in Area, 0–255
	Cool, Warm  int     // saturated jet colours: cyan–blue and red–yellow
	CoolFrac    float64
	WarmFrac    float64
	Black       float64 // fraction of near-black pixels in Area
	WholeColors int     // distinct colours on the whole screenshot
}

// measure counts what tells a heat map over a photo from a blank or
// black window, a photo without its heat map, or a flat-colour UI.
func measure(img *image.RGBA, area image.Rectangle) report {
	area = area.Intersect(img.Bounds())
	r := report{Area: area}
	seen := map[uint16]bool{}
	whole := map[uint16]bool{}
	var sum float64
	n := 0
	black := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			o := img.PixOffset(x, y)
			cr, cg, cb := img.Pix[o], img.Pix[o+1], img.Pix[o+2]
			key := uint16(cr>>3)<<10 | uint16(cg>>3)<<5 | uint16(cb>>3)
			whole[key] = true
			if !image.Pt(x, y).In(area) {
				continue
			}
			n++
			seen[key] = true
			l := 0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)
			sum += l
			if l < 8 {
				black++
			}
			h, s, v := hsv(cr, cg, cb)
			if s < 0.45 || v < 0.35 {
				continue
			}
			switch {
			case h >= 165 && h <= 245:
				r.Cool++
			case h <= 60 || h >= 345:
				r.Warm++
			}
		}
	}
	r.Distinct, r.WholeColors = len(seen), len(whole)
	if n > 0 {
		r.Mean = sum / float64(n)
		r.CoolFrac = float64(r.Cool) / float64(n)
		r.WarmFrac = float64(r.Warm) / float64(n)
		r.Black = float64(black) / float64(n)
	}
	return r
}

// verdict says what is wrong with a screenshot, "" when it shows a heat
// map over a picture.
func (r report) verdict() string {
	switch {
	case r.Area.Dx() < 100 || r.Area.Dy() < 100:
		return fmt.Sprintf("the overlay area %v is too small", r.Area)
	case r.Black > 0.9:
		return "the overlay area is black"
	case r.Distinct < 500:
		return fmt.Sprintf("the overlay area has only %d distinct colours: no picture was drawn", r.Distinct)
	case r.CoolFrac < 0.02:
		return fmt.Sprintf("only %.1f%% of the overlay area is saturated cyan/blue: no jet heat map", 100*r.CoolFrac)
	case r.WarmFrac < 0.02:
		return fmt.Sprintf("only %.1f%% of the overlay area is saturated red/yellow: no jet heat map", 100*r.WarmFrac)
	}
	return ""
}

// hsv converts to hue (degrees), saturation and value (0–1).
func hsv(r8, g8, b8 uint8) (h, s, v float64) {
	r, g, b := float64(r8)/255, float64(g8)/255, float64(b8)/255
	mx := math.Max(r, math.Max(g, b))
	mn := math.Min(r, math.Min(g, b))
	v = mx
	d := mx - mn
	if mx == 0 || d == 0 {
		return 0, 0, v
	}
	s = d / mx
	switch mx {
	case r:
		h = 60 * math.Mod((g-b)/d, 6)
	case g:
		h = 60 * ((b-r)/d + 2)
	default:
		h = 60 * ((r-g)/d + 4)
	}
	if h < 0 {
		h += 360
	}
	return h, s, v
}
