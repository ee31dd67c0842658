package app

import (
	"flag"
	"image"
	"path/filepath"
	"testing"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/export"
	"camviz/internal/goldenpng"
	"camviz/internal/testfix"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/compose/*.png from the current code")

// TestComposeGolden pins every picture the window, the export and the grid
// draw — min-max, shared, raw, fcconv, blend, contrast, the grids — to
// PNGs rendered by the code before the composers were made one, pixel for
// pixel but for the rounding of the maps themselves (see golden).
func TestComposeGolden(t *testing.T) {
	s, r := newTestSession(t)
	s.LoadModel(tinyModel, "")
	s.OpenPicture("small.png", testfix.SmallChelsea(t))
	wait(t, s)
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	top := s.State().Top
	steps := []struct {
		name string
		set  func()
	}{
		{"minmax", func() {}},
		{"shared", func() { must(s.SetNorm(cam.Shared)) }},
		{"raw", func() { must(s.SetNorm(cam.Raw)) }},
		{"fcconv", func() { must(s.SetNorm(cam.MinMax)); must(s.SetMethod(analysis.FCConv)) }},
		{"blend", func() {
			must(s.SetMethod("gradcam"))
			s.SetCompare(true)
			must(s.SetCompareClasses(top[0].Class, top[1].Class))
		}},
		{"contrast", func() { s.SetContrast(true) }},
	}
	for _, st := range steps {
		st.set()
		wait(t, s)
		v := s.State().View
		if v == nil || v.Partial {
			t.Fatalf("%s: no final view", st.name)
		}
		golden(t, st.name+"_view", v.Image)
		_, img := exportTo(t, s, filepath.Join(t.TempDir(), st.name+".png"), true)
		golden(t, st.name+"_export", img)
	}
	s.SetContrast(false)
	s.SetCompare(false)
	for name, req := range map[string]*compose.GridRequest{
		"grid_methods": {Kind: compose.GridMethods, Methods: []string{"gradcam", "eigencam", "fem"}},
		"grid_classes": {Kind: compose.GridClasses},
	} {
		s.SetGrid(req)
		wait(t, s)
		res := exportGridTo(t, s, filepath.Join(t.TempDir(), name+".png"))
		golden(t, name, res)
	}
	s.SetGrid(nil)
}

func exportGridTo(t *testing.T, s *Session, path string) image.Image {
	t.Helper()
	done := make(chan struct{})
	var err error
	s.ExportGrid(path, func(_ export.Saved, e error) { err = e; close(done) })
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return goldenpng.Read(t, path)
}

// golden compares img with the composer's golden picture
// ../compose/testdata/compose/NAME.png (goldenpng's tolerance: the maps'
// rounding may move a few pixels a few levels).
func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	goldenpng.Check(t, filepath.Join("..", "compose", "testdata", "compose", name+".png"), img, *updateGolden)
}
