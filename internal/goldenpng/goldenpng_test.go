package goldenpng

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	grey := func(v uint8) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, 100, 100))
		for i := range img.Pix {
			img.Pix[i] = v
		}
		return img
	}
	want := grey(100)
	oneOff := grey(100)
	oneOff.SetRGBA(3, 4, color.RGBA{100 + MaxLevels + 1, 100, 100, 100})
	few := grey(100)
	for i := range 50 { // 0.5%: allowed
		few.SetRGBA(i, 0, color.RGBA{100 + MaxLevels, 100, 100, 100})
	}
	many := grey(100)
	for i := range 51 {
		many.SetRGBA(i, 1, color.RGBA{101, 100, 100, 100})
	}
	for _, c := range []struct {
		name string
		got  image.Image
		want string
	}{
		{"same", grey(100), ""},
		{"a few pixels a little off", few, ""},
		{"one pixel too far", oneOff, "at (3,4)"},
		{"too many pixels", many, "51 pixels (0.51%) differ"},
		{"another size", image.NewRGBA(image.Rect(0, 0, 100, 99)), "(0,0)-(100,99), golden (0,0)-(100,100)"},
	} {
		got := Diff(c.got, want)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
