package imgio

import (
	"image"
	"testing"
)

// BenchmarkFlatten is the conversion of a decoded 48 MP JPEG (YCbCr 4:2:0)
// to the opaque NRGBA, without orientation, flipped, and rotated (phones'
// portrait photos are orientation 6).
//
//	go test -run x -bench Flatten -benchtime 3x ./imgio/
func BenchmarkFlatten(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 8000, 6000), image.YCbCrSubsampleRatio420)
	for _, o := range []int{1, 3, 6} {
		b.Run("orientation="+itoa(o), func(b *testing.B) {
			for b.Loop() {
				flatten(src, o)
			}
		})
	}
}
