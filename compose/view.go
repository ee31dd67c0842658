package compose

import (
	"fmt"
	"image"
	"strings"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/render"
)

// Photo names the picture a view is drawn on.
type Photo struct {
	Name, Path string
	Size       image.Point // as decoded
}

// View is a map drawn over the display copy of the picture.
type View struct {
	Sel      Selection // what it shows
	Analysis *analysis.Analysis
	Method   analysis.Method
	Layer    string // the layer the map was computed at
	Image    *image.RGBA
	Base     image.Image  // the photo alone, same size as Image
	Field    render.Field // the values drawn, over Area
	A, B     render.Field // the two classes' maps while comparing
	Area     image.Rectangle
	Range    render.Range
	Colormap string
	Scale    float32 // the shared scale (Shared mode and comparisons)
	Flags    cam.Flags
	Partial  bool // a slow method's picture so far
	// Cancelled: a partial picture whose job the user cancelled.
	Cancelled bool
	Done      int // …after Done of Total batches
	Total     int
	Elapsed   time.Duration // computing the map(s); 0 from the cache

	// Photo is the picture drawn on, for the view's facts (nil for
	// partial views).
	Photo *Photo
}

// ValueAt is the map's value at display pixel (x, y).
func (v *View) ValueAt(x, y int) (float32, bool) {
	return fieldAt(v.Field, v.Area, x, y)
}

// PairAt is class A's and B's value at (x, y) while comparing.
func (v *View) PairAt(x, y int) (a, b float32, ok bool) {
	if v.A.W == 0 {
		return 0, 0, false
	}
	a, ok = fieldAt(v.A, v.Area, x, y)
	b, _ = fieldAt(v.B, v.Area, x, y)
	return a, b, ok
}

func fieldAt(f render.Field, area image.Rectangle, x, y int) (float32, bool) {
	p := image.Pt(x, y)
	if !p.In(area) || f.W == 0 {
		return 0, false
	}
	i := (y-area.Min.Y)*f.W + x - area.Min.X
	if i < 0 || i >= len(f.Data) {
		return 0, false
	}
	return f.Data[i], true
}

// Note says in words what is odd about the map, "" when nothing is.
func (v *View) Note() string { return DescribeFlags(v.Flags) }

// Title is a one-line description of the view.
func (v *View) Title() string {
	a := v.Analysis
	if v.Sel.Compare.On {
		c := v.Sel.Compare
		what := fmt.Sprintf("blend %.0f%% “%s” → “%s”", 100*c.T, a.Model.Label(c.A), a.Model.Label(c.B))
		if c.Contrast {
			what = fmt.Sprintf("“%s” − “%s”", a.Model.Label(c.A), a.Model.Label(c.B))
		}
		return fmt.Sprintf("%s · %s · %s · shared scale %.3g", v.Method.Display, ShortLayer(v.Layer), what, v.Scale)
	}
	k := v.Sel.Class
	return fmt.Sprintf("%s · %s · “%s” p=%.3f · %s", v.Method.Display, ShortLayer(v.Layer), a.Model.Label(k), a.Probs[k], normName(v.Sel.Norm))
}

// normName is how a caption names the mode (cam.Modes' Caption).
func normName(m cam.Mode) string {
	x, _ := m.Info()
	return x.Caption
}

// areaOn is where the model's view of the picture lies on base (a copy of
// the analysed picture at another size).
func areaOn(a *analysis.Analysis, base image.Image) image.Rectangle {
	src := a.Input.Source.Bounds()
	b := base.Bounds()
	sx := float64(b.Dx()) / float64(src.Dx())
	sy := float64(b.Dy()) / float64(src.Dy())
	r := a.Input.Geom.Src.Scale(sx, sy).Round().Intersect(image.Rect(0, 0, b.Dx(), b.Dy()))
	if r.Empty() {
		r = image.Rect(0, 0, b.Dx(), b.Dy())
	}
	return r
}

// PlaceOn post-processes lm onto base's pixels (a copy of the analysed
// picture at another size), where the model's view lies on it.
func PlaceOn(a *analysis.Analysis, base image.Image, lm *analysis.LayerMap, norm cam.Mode, scale float32) (analysis.Picture, error) {
	p, err := analysis.PlaceIn(lm, areaOn(a, base), norm, scale)
	if err != nil {
		return analysis.Picture{}, err
	}
	return *p, nil
}

// DescribeFlags says in words what post-processing noticed about a map.
func DescribeFlags(f cam.Flags) string { return DescribeFlagsAt(f, "at this layer") }

// DescribeFlagsAt is DescribeFlags naming where the map was read ("at
// this layer"; a fixed-layer method's own layer).
func DescribeFlagsAt(f cam.Flags, where string) string {
	var s []string
	if f&cam.NonPositive != 0 {
		s = append(s, "nowhere positive: the class gets no positive evidence "+where+", so the normalised map is all zero (pytorch-grad-cam shows the same)")
	}
	if f&cam.Flat != 0 {
		s = append(s, "constant: normalising it leaves nothing to show")
	}
	if f&(cam.HasNaN|cam.HasInf) != 0 {
		s = append(s, "partly NaN or infinite (shown as zero): the model's numbers are broken here")
	}
	if f&cam.BadScale != 0 {
		s = append(s, "without a usable shared scale: no class has positive evidence")
	}
	return strings.Join(s, "; ")
}
