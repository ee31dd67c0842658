package render_test

import (
	"testing"

	"camviz/render"
)

type rgb [3]int

func near(t *testing.T, name string, i int, got [3]uint8, want rgb, tol int) {
	t.Helper()
	for k := range 3 {
		if d := int(got[k]) - want[k]; d > tol || d < -tol {
			t.Errorf("%s[%d] = %v, want %v ± %d", name, i, got, want, tol)
			return
		}
	}
}

// Reference values at entries that are not anchors of our tables (turbo,
// viridis, inferno: from the published 256-entry tables, rounded to 8
// bits), and for coolwarm from Moreland's published 33-entry table (value
// v ↦ entry 255·v).
func TestColormapsAgainstPublishedValues(t *testing.T) {
	for _, c := range []struct {
		name string
		i    int
		want rgb
		tol  int
	}{
		{"turbo", 0, rgb{48, 18, 59}, 0},
		{"turbo", 4, rgb{53, 30, 88}, 3},
		{"turbo", 100, rgb{63, 246, 138}, 3},
		{"turbo", 131, rgb{172, 251, 56}, 3},
		{"turbo", 250, rgb{139, 9, 2}, 3},
		{"turbo", 255, rgb{122, 4, 3}, 0},
		{"viridis", 0, rgb{0x44, 0x01, 0x54}, 0},
		{"viridis", 4, rgb{70, 7, 90}, 2},
		{"viridis", 100, rgb{42, 118, 142}, 2},
		{"viridis", 131, rgb{32, 147, 140}, 2},
		{"viridis", 250, rgb{241, 229, 29}, 2},
		{"viridis", 255, rgb{0xfd, 0xe7, 0x25}, 0},
		{"inferno", 0, rgb{0x00, 0x00, 0x04}, 0},
		{"inferno", 4, rgb{2, 1, 10}, 2},
		{"inferno", 100, rgb{144, 37, 104}, 2},
		{"inferno", 131, rgb{192, 58, 81}, 2},
		{"inferno", 250, rgb{245, 249, 146}, 2},
		{"inferno", 255, rgb{0xfc, 0xff, 0xa4}, 0},
		{"coolwarm", 0, rgb{59, 76, 192}, 1},
		{"coolwarm", 16, rgb{77, 104, 215}, 2}, // 0.0625
		{"coolwarm", 32, rgb{98, 130, 234}, 2}, // 0.125
		{"coolwarm", 64, rgb{141, 176, 254}, 2},
		{"coolwarm", 96, rgb{184, 208, 249}, 2},
		{"coolwarm", 127, rgb{221, 221, 221}, 2},
		{"coolwarm", 128, rgb{221, 221, 221}, 2},
		{"coolwarm", 159, rgb{245, 196, 173}, 2}, // 0.625
		{"coolwarm", 191, rgb{244, 154, 123}, 2}, // 0.75
		{"coolwarm", 223, rgb{222, 96, 77}, 2},   // 0.875
		{"coolwarm", 255, rgb{180, 4, 38}, 1},
	} {
		lut, err := render.Colormap(c.name)
		if err != nil {
			t.Fatal(err)
		}
		near(t, c.name, c.i, lut[c.i], c.want, c.tol)
	}
}

func TestColormapRegistry(t *testing.T) {
	names := map[string]bool{}
	for _, info := range render.Colormaps() {
		for _, n := range append([]string{info.Name}, info.Aliases...) {
			names[n] = true
			if _, err := render.Colormap(n); err != nil {
				t.Errorf("Colormap(%q): %v", n, err)
			}
		}
		if info.Description == "" {
			t.Errorf("%s has no description", info.Name)
		}
		if info.Diverging != (info.Name == "coolwarm") {
			t.Errorf("%s: Diverging = %v", info.Name, info.Diverging)
		}
	}
	for _, n := range []string{"jet", "turbo", "viridis", "inferno", "coolwarm", "diverging"} {
		if !names[n] {
			t.Errorf("registry lacks %q", n)
		}
	}
	if _, err := render.Colormap("rainbow"); err == nil {
		t.Error("unknown colour map accepted")
	}
	a, _ := render.Colormap("diverging")
	b, _ := render.Colormap("coolwarm")
	if *a != *b {
		t.Error("diverging is not coolwarm")
	}
}

// Sequential maps must get lighter monotonically enough to read values:
// check the luma of viridis and inferno increases overall by quarters.
func TestSequentialLightness(t *testing.T) {
	for _, name := range []string{"viridis", "inferno"} {
		lut, _ := render.Colormap(name)
		prev := -1.0
		for i := 0; i < 256; i += 32 {
			c := lut[i]
			y := 0.299*float64(c[0]) + 0.587*float64(c[1]) + 0.114*float64(c[2])
			if y <= prev {
				t.Errorf("%s: luma not increasing at %d (%v ≤ %v)", name, i, y, prev)
			}
			prev = y
		}
	}
}

func TestRangeIndex(t *testing.T) {
	nan := float32(0)
	nan = nan / nan
	for _, c := range []struct {
		r    render.Range
		v    float32
		want uint8
	}{
		{render.Unit(), 0, 0},
		{render.Unit(), 1, 255},
		{render.Unit(), 0.5, 127},     // 127.5 truncated, as np.uint8
		{render.Unit(), 0.999, 254},   // 254.745 truncated
		{render.Unit(), 0.0039, 0},    // 0.9945
		{render.Unit(), -0.2, 0},      // clamped
		{render.Unit(), 1.5, 255},     // clamped
		{render.Unit(), nan, 0},       // NaN
		{render.Symmetric(2), 0, 127}, // centre
		{render.Symmetric(2), -2, 0},
		{render.Symmetric(2), 2, 255},
		{render.Symmetric(2), 1, 191},      // 255·0.75 = 191.25
		{render.Range{Lo: 1, Hi: 1}, 1, 0}, // empty range
	} {
		if got := c.r.Index(c.v); got != c.want {
			t.Errorf("%+v.Index(%v) = %d, want %d", c.r, c.v, got, c.want)
		}
	}
}

// TestColormapDefaults: the default maps are registry entries, the signed
// one diverging, and the help text names every entry once.
func TestColormapDefaults(t *testing.T) {
	if render.DefaultColormapFor(false) != "jet" || render.DefaultColormapFor(true) != "coolwarm" {
		t.Fatalf("defaults: %q, %q", render.DefaultColormapFor(false), render.DefaultColormapFor(true))
	}
	if got, want := render.ColormapNames(), "jet, turbo, viridis, inferno, coolwarm"; got != want {
		t.Errorf("ColormapNames = %q, want %q", got, want)
	}
	for _, c := range render.Colormaps() {
		if c.Build == nil {
			t.Errorf("%s has no Build", c.Name)
		}
	}
}
