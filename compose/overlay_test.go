package compose

import (
	"context"
	"image"
	"testing"

	"camviz/analysis"
	"camviz/cam"
	"camviz/imgio"
)

// TestThinImagesDrawInCropMode: a 29999×3 strip (within the decoder's
// limits) gives a drawable picture in both modes; in crop mode, where the
// part the model saw is a 3×3 patch, the map is drawn on the model's view.
func TestThinImagesDrawInCropMode(t *testing.T) {
	a := goldenAnalysis(t)
	m := a.Model
	for _, size := range []image.Point{{29999, 3}, {3, 29999}} {
		pic := image.NewNRGBA(image.Rect(0, 0, size.X, size.Y))
		for i := range pic.Pix {
			pic.Pix[i] = uint8(i * 7)
		}
		for _, mode := range []string{imgio.ModeCrop, imgio.ModeWhole} {
			in, err := m.ImageInput("strip.png", pic, mode)
			if err != nil {
				t.Fatal(err)
			}
			an, err := m.Analyze(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			lm, err := an.Map(context.Background(), analysis.MapRequest{Method: "gradcam", Class: an.Top(1)[0].Class})
			if err != nil {
				t.Fatal(err)
			}
			p, err := an.Place(lm, cam.MinMax, 0)
			if err != nil {
				t.Fatalf("%v %s: %v", size, mode, err)
			}
			if p.Area.Dx() < analysis.MinDrawnSide || p.Area.Dy() < analysis.MinDrawnSide {
				t.Errorf("%v %s: the map covers %v", size, mode, p.Area)
			}
			img, err := DrawSmall(an, lm, 64, cam.MinMax, 0, OverlayOptions{Colormap: "jet", Alpha: 0.5})
			if err != nil || img.Bounds().Dx() < 8 || img.Bounds().Dy() < 8 {
				t.Errorf("%v %s: small drawing %v, %v", size, mode, img.Bounds(), err)
			}
		}
	}
}
