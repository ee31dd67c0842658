package compose

import (
	"slices"

	"camviz/analysis"
	"camviz/cam"
	"camviz/render"
)

// Selection is what the user has chosen to look at.
type Selection struct {
	Method   string
	Class    int
	Layer    string   // "" = the model's default layer
	Mode     string   // imgio.ModeWhole or imgio.ModeCrop; "" = the model's own
	Norm     cam.Mode // MinMax (per map), Shared (with the top-5) or Raw (signed)
	Colormap string   // "" = automatic: render.DefaultColormapFor the norm
	Alpha    float64  // heat map opacity
	Overlay  bool     // false shows the photo alone
	Compare  Compare

	// Method options (app.Session.SetOption): values by option name, kept
	// across method changes (each method takes those it has), and the
	// layers fused with Layer (comma-separated; -layer A,B, RefineCAM).
	Options     cam.Settings
	ExtraLayers string
}

// Compare is the two-class comparison: Class is A while it is on.
type Compare struct {
	On       bool
	A, B     int
	T        float64 // blend position: 0 shows A, 1 shows B
	Contrast bool    // show A − B, signed, instead of the blend
}

// DefaultSelection is the selection of a fresh window.
func DefaultSelection() Selection {
	return Selection{Method: cam.DefaultMethod, Alpha: 0.5, Overlay: true, Compare: Compare{T: 0.5}}
}

// EffectiveColormap is the colour map a selection draws with.
func (s Selection) EffectiveColormap() string {
	switch {
	case s.Compare.On && s.Compare.Contrast:
		return render.SignedColormap
	case s.Colormap != "":
		return s.Colormap
	}
	return render.DefaultColormapFor(s.Norm == cam.Raw)
}

// MapRequest is the map request of sel's method, layers and options (the
// class is the caller's).
func (sel Selection) MapRequest() analysis.MapRequest {
	req := analysis.MapRequest{Method: sel.Method, Layer: sel.Layer, Options: sel.Options}
	if layers := sel.Layers(); len(layers) > 1 {
		req.Layers = layers
	}
	return req
}

// Layers are the selection's layers, Layer first, then the extra layers;
// nil when Layer is the model's default and there are no extras.
func (sel Selection) Layers() []string {
	if sel.ExtraLayers == "" {
		if sel.Layer == "" {
			return nil
		}
		return []string{sel.Layer}
	}
	extra, _ := cam.ParseLayers(sel.ExtraLayers) // SetLayers checked them
	// SetLayer may since have picked one of the extras as the layer.
	return append([]string{sel.Layer}, slices.DeleteFunc(extra, func(l string) bool { return l == sel.Layer })...)
}
