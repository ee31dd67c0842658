package compose

import (
	"context"
	"flag"
	"image"
	"image/draw"
	"path/filepath"
	"testing"

	"camviz/analysis"
	"camviz/imgio"
	"camviz/internal/goldenpng"
	"camviz/render"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/compose/*.png from the current code")

// The tiny VGG16 the golden maps were made with, and the test photo.
const (
	goldenDir   = "../testdata/golden/tinyvgg16"
	tinyModel   = goldenDir + "/model.onnx"
	chelseaPath = "../testdata/images/chelsea.png"
)

// smallChelsea is the test photo at 150×100, so the golden PNGs stay small.
func smallChelsea(t *testing.T) *image.NRGBA {
	t.Helper()
	src, _, err := imgio.DecodeFile(chelseaPath, imgio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, 150, 100))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// golden compares img with testdata/compose/NAME.png (goldenpng's
// tolerance: the maps' rounding may move a few pixels a few levels).
func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	goldenpng.Check(t, filepath.Join("testdata", "compose", name+".png"), img, *updateGolden)
}

// goldenAnalysis is the tiny VGG16 on its golden input.
func goldenAnalysis(t testing.TB) *analysis.Analysis {
	t.Helper()
	m, err := analysis.LoadModel(tinyModel, "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.OpenInput(goldenDir+"/input.npy", "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustFace(t *testing.T, size float64) font.Face {
	t.Helper()
	f, err := render.NewFace(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func rgbaOf(img image.Image, x, y int) (c struct{ R, G, B, A uint8 }) {
	r, g, b, a := img.At(x, y).RGBA()
	c.R, c.G, c.B, c.A = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
	return
}
