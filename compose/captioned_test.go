package compose

import (
	"slices"
	"testing"

	"camviz/render"
)

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
