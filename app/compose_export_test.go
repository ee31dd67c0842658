package app

import (
	"path/filepath"
	"slices"
	"testing"

	"camviz/imgio"
	"camviz/render"
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
			if g, w := rgbaOf(out, x, y), rgbaOf(plain, x/f, y/f); g != w {
				t.Fatalf("at (%d,%d): %v, the canvas's pixel (%d,%d) is %v", x, y, g, x/f, y/f, w)
			}
		}
	}
	golden(t, "small_canvas_export", out)
}

func TestEnlargement(t *testing.T) {
	for _, c := range []struct{ w, want, f int }{
		{64, 300, 5},  // ceil(300/64)
		{64, 1000, 7}, // no further than captionWidth
		{150, 400, 3}, // ceil(400/150)
		{480, 600, 1}, // already as wide as the smallest font needs
		{300, 200, 1}, // wide enough
		{1000, 2000, 1},
		{0, 100, 1},
	} {
		if got := enlargement(c.w, c.want); got != c.f {
			t.Errorf("enlargement(%d, %d) = %d, want %d", c.w, c.want, got, c.f)
		}
	}
}

func TestWrapLines(t *testing.T) {
	face, err := render.NewFace(12)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	w := measure(face, "Grad-CAM at features.29")
	got := wrapLines([]string{"short", "Grad-CAM at features.29 · minmax", "averyveryveryveryverylongwordthatcannotbreak x"}, face, w)
	want := []string{"short", "Grad-CAM at features.29", "· minmax", "averyveryveryveryverylongwordthatcannotbreak", "x"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapLines = %q, want %q", got, want)
	}
	for _, l := range got[:3] {
		if measure(face, l) > w {
			t.Errorf("%q is wider than %d", l, w)
		}
	}
}
