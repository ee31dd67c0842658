package main

import (
	"fmt"
	"image"
	"image/color"
)

// textSpot is a line of text the window says it drew: the widget's area
// on the screen and the width its text measures, in pixels.
type textSpot struct {
	Area  image.Rectangle
	Width int
}

// parseTextSpot reads "x,y,w,h,textwidth".
func parseTextSpot(s string) (textSpot, error) {
	var x, y, w, h, tw int
	if _, err := fmt.Sscanf(s, "%d,%d,%d,%d,%d", &x, &y, &w, &h, &tw); err != nil || w <= 0 || h <= 0 || tw <= 0 {
		return textSpot{}, fmt.Errorf("-text %q: want x,y,w,h,textwidth with positive sizes", s)
	}
	return textSpot{Area: image.Rect(x, y, x+w, y+h), Width: tw}, nil
}

// inkDiff is how far (in the largest channel difference) a pixel must be
// from the background to be ink: anti-aliased glyph edges fall below it,
// glyph stems do not.
const inkDiff = 80

// inkExtent finds the ink in area of img: the span of columns holding a
// pixel far from the area's most common colour (the background), and the
// number of such pixels.
func inkExtent(img *image.RGBA, area image.Rectangle) (first, last, pixels int) {
	area = area.Intersect(img.Bounds())
	counts := map[color.RGBA]int{}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			counts[img.RGBAAt(x, y)]++
		}
	}
	var bg color.RGBA
	for c, n := range counts {
		if n > counts[bg] {
			bg = c
		}
	}
	first, last = -1, -1
	for x := area.Min.X; x < area.Max.X; x++ {
		for y := area.Min.Y; y < area.Max.Y; y++ {
			c := img.RGBAAt(x, y)
			if max(absDiff(c.R, bg.R), absDiff(c.G, bg.G), absDiff(c.B, bg.B)) > inkDiff {
				if first < 0 {
					first = x
				}
				last = x
				pixels++
			}
		}
	}
	return first, last, pixels
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// checkText fails unless the spot shows a line of ink as wide as its text
// measures (within 8 pixels or 5%, the glyphs' side bearings): a blank,
// clipped, covered or off-screen label, or one showing other words, fails.
func checkText(img *image.RGBA, s textSpot) error {
	if !s.Area.In(img.Bounds()) {
		return fmt.Errorf("text area %v is not inside the %v screen", s.Area, img.Bounds())
	}
	first, last, pixels := inkExtent(img, s.Area)
	if first < 0 {
		return fmt.Errorf("text area %v is blank", s.Area)
	}
	got := last - first + 1
	if d := got - s.Width; max(d, -d) > max(8, s.Width/20) || pixels < s.Width {
		return fmt.Errorf("text area %v shows ink %d px wide (%d pixels), the text measures %d px", s.Area, got, pixels, s.Width)
	}
	return nil
}
