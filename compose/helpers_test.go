package compose

import (
	"flag"
	"image"
	"path/filepath"
	"testing"

	"camviz/analysis"
	"camviz/internal/goldenpng"
	"camviz/internal/testfix"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/compose/*.png from the current code")

// The tiny VGG16 the golden maps were made with.
const (
	goldenDir = "../testdata/golden/tinyvgg16"
	tinyModel = goldenDir + "/model.onnx"
)

// golden compares img with testdata/compose/NAME.png (goldenpng's
// tolerance: the maps' rounding may move a few pixels a few levels).
func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	goldenpng.Check(t, filepath.Join("testdata", "compose", name+".png"), img, *updateGolden)
}

// goldenAnalysis is the tiny VGG16 on its golden input.
func goldenAnalysis(t testing.TB) *analysis.Analysis {
	t.Helper()
	return testfix.Analysis(t, tinyModel, goldenDir+"/input.npy")
}
