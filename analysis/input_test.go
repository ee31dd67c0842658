package analysis

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
