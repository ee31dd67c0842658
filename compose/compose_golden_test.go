package compose

import (
	"context"
	"testing"

	"camviz/analysis"
	"camviz/cam"
	"camviz/internal/testfix"
)

// TestComposeExportGolden draws, without a session or jobs, the exports
// the window saves — min-max, shared, raw, fcconv, blend, contrast, each
// with its caption and colour bar (Exported), and the two comparison grids
// (GridExport) — from an analysis and a selection alone, and holds them
// to the same golden pictures the session's exports are held to (app's
// TestComposeGolden).
func TestComposeExportGolden(t *testing.T) {
	a := stripAnalysis(t)
	ctx := context.Background()
	top := a.Top(2)
	sel := DefaultSelection()
	sel.Class = top[0].Class
	steps := []struct {
		name string
		set  func(*Selection)
	}{
		{"minmax", func(*Selection) {}},
		{"shared", func(s *Selection) { s.Norm = cam.Shared }},
		{"raw", func(s *Selection) { s.Norm = cam.Raw }},
		{"fcconv", func(s *Selection) { s.Norm, s.Method = cam.MinMax, analysis.FCConv }},
		{"blend", func(s *Selection) {
			s.Method = "gradcam"
			s.Compare = Compare{On: true, A: top[0].Class, B: top[1].Class, T: 0.5}
		}},
		{"contrast", func(s *Selection) { s.Compare.Contrast = true }},
	}
	photo := &Photo{Name: "small.png", Size: a.Input.Source.Bounds().Size()}
	for _, st := range steps {
		st.set(&sel)
		img, _, err := Exported(ctx, a, photo, sel, true, func(string) Checks { return Checks{} })
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		golden(t, st.name+"_export", img)
	}
	sel.Compare = Compare{}
	for name, req := range map[string]GridRequest{
		"grid_methods": {Kind: GridMethods, Methods: []string{"gradcam", "eigencam", "fem"}},
		"grid_classes": {Kind: GridClasses},
	} {
		img, _, err := GridExport(ctx, a, photo, testfix.SmallChelsea(t), req, sel)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		golden(t, name, img)
	}
}
