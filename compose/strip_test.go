package compose

import (
	"context"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"

	"camviz/analysis"
	"camviz/cam"
	"camviz/internal/goldenpng"
	"camviz/internal/testfix"
)

// stripAnalysis is the tiny model on the small test photo.
func stripAnalysis(t *testing.T) *analysis.Analysis {
	t.Helper()
	return testfix.ImageAnalysis(t, tinyModel, "small.png", testfix.SmallChelsea(t))
}

// TestLayerStrip: one row, a cell per strip layer, each cell exactly the
// composed map at its layer (what DrawSmall draws for that layer's map),
// captioned with the layer (golden); a layer it cannot use shows the
// picture alone and says why.
func TestLayerStrip(t *testing.T) {
	a := stripAnalysis(t)
	ctx := context.Background()
	k := a.Top(1)[0].Class
	var heard []string
	o := OverlayOptions{Colormap: "jet", Alpha: 0.5}
	img, cells, err := LayerStrip(ctx, a, StripRequest{Method: "gradcam", Class: k, Norm: cam.MinMax, Overlay: o,
		Progress: func(done, total int, layer string) { heard = append(heard, layer) }})
	if err != nil {
		t.Fatal(err)
	}
	layers := a.Model.StripLayers()
	if !slices.Equal(heard, layers) {
		t.Errorf("progress heard %q, want every strip layer", heard)
	}
	if len(cells) != len(layers) || cells[2].Layer != layers[2] || cells[2].Class != k || cells[2].Error != "" {
		t.Errorf("cells %+v", cells)
	}
	// The cells are 150 wide (the photo's own size); the title sits above.
	const cw = 150
	if w := img.Bounds().Dx(); w != len(layers)*cw+(len(layers)+1)*SheetGap {
		t.Fatalf("strip is %d wide, want %d cells of %d", w, len(layers), cw)
	}
	top := -1
	for i, layer := range layers {
		lm, err := a.Map(ctx, analysis.MapRequest{Method: "gradcam", Class: k, Layer: layer})
		if err != nil {
			t.Fatal(err)
		}
		want, err := DrawSmall(a, lm, 0, cam.MinMax, 0, o)
		if err != nil {
			t.Fatal(err)
		}
		x := SheetGap + i*(cw+SheetGap)
		if top < 0 {
			if top = findRow(img, want, x); top < 0 {
				t.Fatalf("cell 0 (%s) is not the composed map", layer)
			}
		}
		if d := firstDiff(img, want, image.Pt(x, top)); d != "" {
			t.Errorf("cell %d (%s): %s", i, layer, d)
		}
	}
	golden(t, "strip_gradcam", img)

	bad, badCells, err := LayerStrip(ctx, a, StripRequest{Method: "gradcam", Class: k, Layers: []string{"nope", layers[4]}, Overlay: o})
	if err != nil {
		t.Fatal(err)
	}
	if findRow(bad, a.Input.Source, SheetGap) < 0 {
		t.Error("the failed cell is not the bare picture")
	}
	if want := `the model has no tensor "nope" (run ` + "`camviz layers`" + ` to list them)`; badCells[0].Error != want || badCells[1].Error != "" {
		t.Errorf("cells %+v, want the first to fail with %q", badCells, want)
	}
}

// findRow is the first y at which sub, at x, appears in img (-1 if none):
// the cells start below the title, whose height the test does not fix.
func findRow(img *image.RGBA, sub image.Image, x int) int {
	for y := 0; y+sub.Bounds().Dy() <= img.Bounds().Dy(); y++ {
		if firstDiff(img, sub, image.Pt(x, y)) == "" {
			return y
		}
	}
	return -1
}

// firstDiff says where sub, placed at at in img, differs from img.
func firstDiff(img *image.RGBA, sub image.Image, at image.Point) string {
	b := sub.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if g, w := goldenpng.RGBA(img, at.X+x, at.Y+y), goldenpng.RGBA(sub, b.Min.X+x, b.Min.Y+y); g != w {
				return fmt.Sprintf("at (%d,%d): %v, want %v", x, y, g, w)
			}
		}
	}
	return ""
}

func TestLayerStripRefuses(t *testing.T) {
	a := stripAnalysis(t)
	for _, c := range []struct {
		req  StripRequest
		want string
	}{
		{StripRequest{Method: analysis.FCConv}, "FC→conv dense scores reads a fixed layer, so a layer strip would repeat one map; pick a method that takes a layer"},
		{StripRequest{Method: "gradcam", Norm: cam.Shared}, "a layer strip normalises each layer's map on its own (minmax or raw): the layers' values do not share a scale"},
		{StripRequest{Method: "nosuch"}, "unknown method"},
		{StripRequest{Method: "gradcam", Class: 1000}, "class 1000"},
	} {
		_, _, err := LayerStrip(context.Background(), a, c.req)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.req, err, c.want)
		}
	}
}
