package cli

import (
	"flag"
	"path/filepath"
	"testing"

	"camviz/internal/goldenpng"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/compose/*.png from the current code")

// TestReportGridGolden pins the report's grid — methods and baselines
// down, classes across, each cell's overlay captioned with its metrics,
// under the title — to the picture the code drew before the report's grid
// went through the composer.
func TestReportGridGolden(t *testing.T) {
	out := t.TempDir()
	_, stderr, st := reportCmd("-model", report64, "-methods", "gradcam,eigencam", "-classes", "top2", "-steps", "2",
		"-cell", "64", "-out", out, reportImg+"chelsea.png")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	img := goldenpng.Read(t, filepath.Join(out, "grids", "001-chelsea.png"))
	goldenpng.Check(t, filepath.Join("testdata", "compose", "report_grid.png"), img, *updateGolden)
}
