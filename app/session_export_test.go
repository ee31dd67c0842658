package app

import (
	"path/filepath"
	"testing"

	"camviz/cam"
	"camviz/compose"
	"camviz/export"
	"camviz/imgio"
	"camviz/internal/goldenpng"
	"camviz/internal/testfix"
)

// TestExportSmallCanvas: saving the default model's 64×64 canvas with its
// caption enlarges the picture 7× (to 448 pixels, the most below
// captionWidth) by repeating pixels — the saved picture is the uncaptioned
// export exactly, only bigger — and no caption line is cut: the one too
// long even then is wrapped at a space (golden).
func TestExportSmallCanvas(t *testing.T) {
	s, r := newTestSession(t)
	s.LoadDefaultModel()
	img, _, err := imgio.DecodeFile(filepath.Join("..", "assets", "samples", "single_4.png"), imgio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	s.OpenPicture("single_4.png", img)
	wait(t, s)
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	_, plain := exportTo(t, s, filepath.Join(t.TempDir(), "plain.png"), false)
	res, out := exportTo(t, s, filepath.Join(t.TempDir(), "caption.png"), true)
	if b := plain.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
		t.Fatalf("the plain export is %v, want the canvas's 64×64", b)
	}
	const f = 7
	if res.Size[0] < 64*f || res.Size[1] < 64*f {
		t.Fatalf("saved %v, want the picture enlarged to %d×%d plus bar and caption", res.Size, 64*f, 64*f)
	}
	for y := 0; y < 64*f; y++ {
		for x := 0; x < 64*f; x++ {
			if g, w := goldenpng.RGBA(out, x, y), goldenpng.RGBA(plain, x/f, y/f); g != w {
				t.Fatalf("at (%d,%d): %v, the canvas's pixel (%d,%d) is %v", x, y, g, x/f, y/f, w)
			}
		}
	}
	golden(t, "small_canvas_export", out)
}

// TestExportStrip: the window's strip export writes the strip of the
// current method and class (shared read as min-max) and lists its layers.
func TestExportStrip(t *testing.T) {
	s, r := newTestSession(t)
	s.LoadModel(tinyModel, "")
	s.OpenPicture("small.png", testfix.SmallChelsea(t))
	wait(t, s)
	if err := s.SetNorm(cam.Shared); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if errs := r.errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	done := make(chan struct{})
	var res export.Saved
	var err error
	s.ExportStrip(filepath.Join(t.TempDir(), "strip"), func(x export.Saved, e error) { res, err = x, e; close(done) })
	<-done
	if err != nil {
		t.Fatal(err)
	}
	f := res.Facts
	if filepath.Ext(res.PNG) != ".png" || f.Norm != "minmax" || len(f.Grid) != 6 || f.Grid[5].Layer != "/avgpool/AveragePool_output_0" {
		t.Errorf("wrote %s with facts norm %q, grid %+v", res.PNG, f.Norm, f.Grid)
	}
	// 150-pixel cells enlarged 3× to fit the 512-pixel cell side.
	if res.Size[0] != 6*450+7*compose.SheetGap {
		t.Errorf("strip is %d wide, want six 450-pixel cells", res.Size[0])
	}
}
