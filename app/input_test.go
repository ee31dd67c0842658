package app

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"camviz/cam"
	"camviz/imgio"
)

// TestGreyModelTakesItsOwnNPY: a 1-channel model reads a [1,1,H,W] (or
// [1,H,W]) tensor and scores it as it scores the picture the tensor came
// from; an RGB tensor is refused naming the model's shape.
func TestGreyModelTakesItsOwnNPY(t *testing.T) {
	m, err := NewModel("grey", greyModelONNX(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, h, w := m.Net.InputSize()
	if c != 1 {
		t.Fatalf("the model takes %d channels; this test needs a grey one", c)
	}
	pic := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := 8; y < 22; y++ {
		for x := 15; x < 19; x++ {
			pic.Set(x, y, color.White) // a stroke, like a 1
		}
	}
	fromImage, err := m.ImageInput("one.png", pic, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := fromImage.Tensor.Data().([]float32)
	for _, shape := range [][]int{{1, 1, h, w}, {1, h, w}} {
		p := filepath.Join(dir, "grey.npy")
		if err := imgio.WriteNPYFile(p, data, shape...); err != nil {
			t.Fatal(err)
		}
		in, err := m.OpenInput(p, "")
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		a, err := m.Analyze(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Analyze(context.Background(), fromImage)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Scores, b.Scores) { // the same tensor through the same path
			t.Errorf("%v: scores %v, from the picture %v", shape, a.Scores, b.Scores)
		}
		if in.Source.Bounds() != image.Rect(0, 0, w, h) {
			t.Errorf("%v: picture %v", shape, in.Source.Bounds())
		}
	}
	rgb := filepath.Join(dir, "rgb.npy")
	imgio.WriteNPYFile(rgb, make([]float32, 3*h*w), 1, 3, h, w)
	_, err = m.OpenInput(rgb, "")
	want := fmt.Sprintf("rgb.npy: the tensor is [1 3 %d %d]; this model takes [1 1 %d %d] (one grey %d×%d image", h, w, h, w, w, h)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("RGB tensor: %v\nwant %q", err, want)
	}
}

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
			lm, err := an.Map(context.Background(), MapRequest{Method: "gradcam", Class: an.Top(1)[0].Class})
			if err != nil {
				t.Fatal(err)
			}
			p, err := an.Place(lm, cam.MinMax, 0)
			if err != nil {
				t.Fatalf("%v %s: %v", size, mode, err)
			}
			if p.Area.Dx() < MinDrawnSide || p.Area.Dy() < MinDrawnSide {
				t.Errorf("%v %s: the map covers %v", size, mode, p.Area)
			}
			img, err := an.DrawSmall(lm, 64, cam.MinMax, 0, OverlayOptions{Colormap: "jet", Alpha: 0.5})
			if err != nil || img.Bounds().Dx() < 8 || img.Bounds().Dy() < 8 {
				t.Errorf("%v %s: small drawing %v, %v", size, mode, img.Bounds(), err)
			}
		}
	}
}
