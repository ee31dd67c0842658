package analysis

import (
	"context"
	"image"
	"slices"
	"strings"
	"sync"
	"time"

	"camviz/cam"
	"camviz/imgio"

	"gorgonia.org/tensor"
)

// MapRequest asks for one class activation map.
type MapRequest struct {
	Method string
	Class  int
	Layer  string // "" = the model's default layer
	// FCScale is how much fcconv upscales the input (default 2).
	FCScale float64
	// Batch is the AblationCAM/ScoreCAM batch size (default: ScoreCAM 4;
	// AblationCAM 128, or the reference's 32 where the ablated value
	// depends on the batch, see cam.AblationWeights).
	Batch int
	// Options are the method's option values as text (cam.Settings, as
	// the command line's flags and the window's controls hold them); those
	// the method does not take are ignored.
	Options cam.Settings
	// Layers, when more than one, are several layers whose maps are fused
	// (-layer A,B; RefineCAM's layers); the first is the map's layer and
	// Layer is ignored.
	Layers []string
	// Progress, if set, hears from slow methods after each batch; Partial
	// is the map so far (at the layer's resolution) for ScoreCAM.
	Progress func(done, total int, partial *cam.Map)
}

// LayerMap is a method's map at its layer's resolution, before the ReLU
// and normalisation of post-processing.
type LayerMap struct {
	Method, Layer string
	// Options are the option values that made the map, those not at
	// their defaults ("eigen-smooth=true target=prob"; cam.Method.Describe).
	Options string
	Class   int
	Map     cam.Map
	Elapsed time.Duration // computing it (zero when it came from the cache)
	// Extent is the part of the model's input the map covers, in [0,1]
	// coordinates; the zero value means all of it. fcconv's dense scores
	// sit at the centres of the fc6 windows, so they cover only the middle.
	Extent imgio.RectF
	// Done: Map is the method's final map at the input's size (FullGrad,
	// aug-smooth), which min-max post-processing keeps as it is.
	Done bool
	// HWC is the method's image, H×W×C at the input's size (Guided
	// Backprop, Guided Grad-CAM), as pytorch-grad-cam returns it.
	HWC []float32
}

// Within is the part of area (the model's input, drawn somewhere) that
// the map covers.
func (lm *LayerMap) Within(area image.Rectangle) image.Rectangle {
	e := lm.Extent
	if e == (imgio.RectF{}) {
		return area
	}
	w, h := float64(area.Dx()), float64(area.Dy())
	r := imgio.RectF{X0: float64(area.Min.X) + e.X0*w, Y0: float64(area.Min.Y) + e.Y0*h,
		X1: float64(area.Min.X) + e.X1*w, Y1: float64(area.Min.Y) + e.Y1*h}
	return r.Round()
}

// Final post-processes the map onto a w×h frame of the model's whole
// input (what pytorch-grad-cam returns, and `camviz cam -out x.npy`
// writes); outside the map's extent the frame is zero.
func (lm *LayerMap) Final(w, h int, mode cam.Mode, scale float32) (cam.Map, cam.Flags, error) {
	if lm.Done && mode == cam.MinMax {
		if lm.Map.W == w && lm.Map.H == h {
			out := cam.NewMap(w, h)
			copy(out.Data, lm.Map.Data) // post-processed already: min-max again would rescale it
			return out, 0, nil
		}
		mode = cam.Raw // a mean of min-maxed maps at another size: only resized
	}
	sub := lm.Within(image.Rect(0, 0, w, h))
	if sub.Dx() == w && sub.Dy() == h {
		return cam.Postprocess(lm.Map, w, h, mode, scale)
	}
	part, flags, err := cam.Postprocess(lm.Map, sub.Dx(), sub.Dy(), mode, scale)
	if err != nil {
		return cam.Map{}, 0, err
	}
	out := cam.NewMap(w, h)
	for y := 0; y < sub.Dy(); y++ {
		copy(out.Data[(sub.Min.Y+y)*w+sub.Min.X:], part.Data[y*sub.Dx():(y+1)*sub.Dx()])
	}
	return out, flags, nil
}

type mapKey struct {
	method, layers string
	class          int
	// options are the values that change the map (cam.Method.Describe):
	// all but the batch size, which only changes how the passes run.
	options string
}

// mapCache holds an analysis's finished layer maps; they are small (a
// few KB). Its one owner is the Analysis, and its one rule: a map lives
// as long as its analysis (the session drops the analysis with its
// picture or model), up to mapCacheSize maps, the oldest going first. A
// map cancelled half-way is never put.
type mapCache struct {
	mu    sync.Mutex
	maps  map[mapKey]cachedMap
	order []mapKey                  // oldest first
	dense map[float64]*tensor.Dense // fcconv's all-class score maps per scale
}

// mapCacheSize bounds an analysis's kept maps: every method at a few
// layers for the top classes.
const mapCacheSize = 256

// Map computes (or recalls) the layer map for req.
func (a *Analysis) Map(ctx context.Context, req MapRequest) (*LayerMap, error) {
	release, err := a.hold()
	if err != nil {
		return nil, err
	}
	defer release()
	meth, err := a.Model.Method(req.Method)
	if err != nil {
		return nil, err
	}
	if err := a.CheckClass(req.Class); err != nil {
		return nil, err
	}
	p, err := a.params(meth, req)
	if err != nil {
		return nil, err
	}
	opts := meth.Describe(p, "batch")
	key := mapKey{meth.Name, strings.Join(append([]string{p.Layer}, p.Layers...), ","), req.Class, opts}
	if m, ok := a.cache.get(key); ok {
		return &LayerMap{Method: meth.Name, Layer: m.layer, Options: opts, Class: req.Class, Map: m.Map, Extent: m.extent, Done: m.final, HWC: m.hwc}, nil
	}
	start := time.Now()
	r, err := meth.Compute(ctx, source{a}, p)
	if err != nil {
		return nil, err
	}
	extent := imgio.RectF(r.Extent)
	a.cache.put(key, cachedMap{r.Map, r.Layer, extent, r.Final, r.HWC})
	return &LayerMap{Method: meth.Name, Layer: r.Layer, Options: opts, Class: req.Class, Map: r.Map, Elapsed: time.Since(start),
		Extent: extent, Done: r.Final, HWC: r.HWC}, nil
}

// params are cam's parameters for req: the layer (the model's default
// when req names none, or the method reads a fixed one: then several
// layers are ignored too), several layers checked one by one, and the method's options from req.Options and the
// numeric fields.
func (a *Analysis) params(meth Method, req MapRequest) (cam.Params, error) {
	layer := req.Layer
	if layer == "" || meth.FixedLayer {
		layer = a.Model.Layer
	}
	var layers []string
	if len(req.Layers) > 1 && !meth.FixedLayer {
		layers = slices.Clone(req.Layers)
		if layers[0] == "" {
			layers[0] = a.Model.Layer
		}
		layer = layers[0]
	}
	for _, l := range append([]string{layer}, layers...) {
		if _, err := a.Model.Net.Layer(l); err != nil {
			return cam.Params{}, err
		}
	}
	p := cam.Params{Class: req.Class, Layer: layer, Layers: layers, Options: req.options(), Progress: req.Progress}
	if err := meth.Apply(&p, req.Options); err != nil {
		return cam.Params{}, err
	}
	return p, nil
}

// options are the request's settings by the names of cam's options; zero
// means the method's default.
func (req MapRequest) options() map[string]float64 {
	o := map[string]float64{}
	if req.FCScale != 0 {
		o["fcscale"] = req.FCScale
	}
	if req.Batch != 0 {
		o["batch"] = float64(req.Batch)
	}
	return o
}

// cachedMap is a computed layer map with where it applies.
type cachedMap struct {
	cam.Map
	layer  string
	extent imgio.RectF
	final  bool
	hwc    []float32
}

func (c *mapCache) get(k mapKey) (cachedMap, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.maps[k]
	return m, ok
}

func (c *mapCache) put(k mapKey, m cachedMap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.maps == nil {
		c.maps = map[mapKey]cachedMap{}
	}
	if _, ok := c.maps[k]; !ok {
		if len(c.order) >= mapCacheSize {
			delete(c.maps, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.maps[k] = m
}

// Kept says whether the map cache holds a map of method at layers (the
// request's layers joined by commas), for any class and options.
func (a *Analysis) Kept(method, layers string) bool {
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	for k := range a.cache.maps {
		if k.method == method && k.layers == layers {
			return true
		}
	}
	return false
}

// BatchForward runs batches of inputs through the whole network, giving
// each pass's buffers back for the next batch (ScoreCAM, faithfulness).
func (a *Analysis) BatchForward() cam.BatchFunc {
	s := a.Input.Tensor.Shape()
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		t := tensor.New(tensor.WithShape(n, s[1], s[2], s[3]), tensor.WithBacking(in))
		p, err := a.Model.Net.Forward(ctx, t, false)
		if err != nil {
			return nil, err
		}
		scores := slices.Clone(p.Scores())
		p.Release()
		return scores, nil
	}
}
