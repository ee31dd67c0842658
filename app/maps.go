package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"sync"
	"time"

	"camviz/cam"
	"camviz/imgio"
	"camviz/inference"

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
	// Progress, if set, hears from slow methods after each batch; Partial
	// is the map so far (at the layer's resolution) for ScoreCAM.
	Progress func(done, total int, partial *cam.Map)
}

// LayerMap is a method's map at its layer's resolution, before the ReLU
// and normalisation of post-processing.
type LayerMap struct {
	Method, Layer string
	Class         int
	Map           cam.Map
	Elapsed       time.Duration // computing it (zero when it came from the cache)
	// Extent is the part of the model's input the map covers, in [0,1]
	// coordinates; the zero value means all of it. fcconv's dense scores
	// sit at the centres of the fc6 windows, so they cover only the middle.
	Extent imgio.RectF
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
	method, layer string
	class         int
	fcScale       float64
}

// mapCache holds an analysis's layer maps; they are small (a few KB).
type mapCache struct {
	mu    sync.Mutex
	maps  map[mapKey]cachedMap
	dense map[float64]*tensor.Dense // fcconv's all-class score maps per scale
}

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
	layer := req.Layer
	if layer == "" || meth.FixedLayer {
		layer = a.Model.Layer
	}
	if _, err := a.Model.Net.Layer(layer); err != nil {
		return nil, err
	}
	if req.FCScale == 0 {
		req.FCScale = 2
	}
	key := mapKey{meth.Name, layer, req.Class, 0}
	if meth.Name == FCConv {
		key.fcScale = req.FCScale
	}
	if m, ok := a.cache.get(key); ok {
		return &LayerMap{Method: meth.Name, Layer: m.layer, Class: req.Class, Map: m.Map, Extent: m.extent}, nil
	}
	start := time.Now()
	m, usedLayer, err := a.compute(ctx, meth, layer, req)
	if err != nil {
		return nil, err
	}
	var extent imgio.RectF
	if meth.Name == FCConv {
		extent = a.fcExtent(req.FCScale)
	}
	a.cache.put(key, cachedMap{m, usedLayer, extent})
	return &LayerMap{Method: meth.Name, Layer: usedLayer, Class: req.Class, Map: m, Elapsed: time.Since(start), Extent: extent}, nil
}

// cachedMap is a computed layer map with where it applies.
type cachedMap struct {
	cam.Map
	layer  string
	extent imgio.RectF
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
	c.maps[k] = m
}

func (a *Analysis) compute(ctx context.Context, meth Method, layer string, req MapRequest) (cam.Map, string, error) {
	switch meth.Name {
	case FCConv:
		m, err := a.fcconv(ctx, req.Class, req.FCScale)
		return m, "fc head", err
	case CAM:
		return a.linearCAM(req.Class)
	}
	if meth.Needs.Has(cam.NeedsImage) { // what the model sees, as a picture
		_, h, w := a.Model.Net.InputSize()
		return cam.SobelCAM(a.Model.picture(a.Input.Tensor.Data().([]float32), w, h)), "input", nil
	}
	acts, err := a.maps(layer)
	if err != nil {
		return cam.Map{}, "", err
	}
	switch {
	case meth.Needs.Has(cam.NeedsTailPasses):
		m, err := a.ablation(ctx, layer, acts, req)
		return m, layer, err
	case meth.Needs.Has(cam.NeedsInputPasses):
		m, err := a.scoreCAM(ctx, acts, req)
		return m, layer, err
	}
	var grads cam.Maps
	if meth.Needs.Has(cam.NeedsGradients) {
		g, err := a.Grad(ctx, layer, req.Class)
		if err != nil {
			return cam.Map{}, "", err
		}
		grads = cam.Maps{C: acts.C, H: acts.H, W: acts.W, Data: g}
	}
	m, err := cam.LayerMap(meth.Name, acts, grads)
	return m, layer, err
}

// maps returns a layer's activations for the cam package.
func (a *Analysis) maps(layer string) (cam.Maps, error) {
	data, shape, err := a.Activation(layer)
	if err != nil {
		return cam.Maps{}, err
	}
	if len(shape) != 4 || shape[0] != 1 {
		return cam.Maps{}, fmt.Errorf("layer %q has shape %v, not [1,C,H,W]", layer, shape)
	}
	return cam.Maps{C: shape[1], H: shape[2], W: shape[3], Data: data}, nil
}

func (a *Analysis) ablation(ctx context.Context, layer string, acts cam.Maps, req MapRequest) (cam.Map, error) {
	tail := func(ctx context.Context, in []float32, n int) ([]float32, error) {
		return a.pass.ScoresWith(ctx, layer, in, n)
	}
	var progress func(done, total int)
	if req.Progress != nil {
		progress = func(done, total int) { req.Progress(done, total, nil) }
	}
	batch := req.Batch
	if lo, _, _ := cam.Range(acts.Data); batch == 0 && lo == 0 {
		// Zeroing a channel does not depend on the batch (the reference's
		// "min − 1e7" oddity only applies when min ≠ 0), so take big
		// batches: the tail is bound by reading fc6's 411 MB once per batch.
		batch = 128
	}
	y := a.Scores[req.Class]
	// The shortcut through fc6 (see inference.Pass.AblationScores) where
	// the model allows it; otherwise the tail, batch by batch.
	var w []float32
	logits, err := a.pass.AblationScores(ctx, layer, cam.AblationFills(acts, batch), progress)
	switch {
	case errors.Is(err, inference.ErrNoChannelPath):
		w, err = cam.AblationWeights(ctx, acts, req.Class, y, batch, tail, progress)
	case err == nil:
		w, err = cam.AblationWeightsFrom(logits, acts.C, req.Class, y)
	}
	if err != nil {
		return cam.Map{}, err
	}
	return cam.WeightedSum(acts, w)
}

func (a *Analysis) scoreCAM(ctx context.Context, acts cam.Maps, req MapRequest) (cam.Map, error) {
	s := a.Input.Tensor.Shape()
	x := cam.Maps{C: s[1], H: s[2], W: s[3], Data: a.Input.Tensor.Data().([]float32)}
	forward := a.batchForward()
	var progress func(cam.ScoreProgress)
	if req.Progress != nil {
		progress = func(p cam.ScoreProgress) { m := p.Map; req.Progress(p.Done, p.Total, &m) }
	}
	batch := req.Batch
	if batch == 0 {
		// Measured on VGG16 (BenchmarkForwardBatch): 180 ms per image in
		// batches of 4, 218–223 ms in batches of 8 or 16, whose activations
		// no longer fit the arena and are faulted in afresh every batch.
		batch = 4
	}
	w, err := cam.ScoreWeights(ctx, acts, x, req.Class, batch, forward, progress)
	if err != nil {
		return cam.Map{}, err
	}
	return cam.WeightedSum(acts, w)
}

// batchForward runs batches of inputs through the whole network, giving
// each pass's buffers back for the next batch (ScoreCAM, faithfulness).
func (a *Analysis) batchForward() cam.BatchFunc {
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

func (a *Analysis) fcconv(ctx context.Context, class int, scale float64) (cam.Map, error) {
	if !(scale >= 1 && scale <= 8) { // NaN fails both
		return cam.Map{}, fmt.Errorf("fcconv scale %g is outside 1–8", scale)
	}
	a.cache.mu.Lock()
	dense := a.cache.dense[scale]
	a.cache.mu.Unlock()
	if dense == nil {
		head, err := a.Model.Net.FCHead()
		if err != nil {
			return cam.Map{}, err
		}
		big, err := upscaleInput(a.Input.Tensor, scale)
		if err != nil {
			return cam.Map{}, err
		}
		if dense, err = a.Model.Net.DenseScores(ctx, head, big); err != nil {
			return cam.Map{}, err
		}
		a.cache.mu.Lock()
		if a.cache.dense == nil {
			a.cache.dense = map[float64]*tensor.Dense{}
		}
		a.cache.dense[scale] = dense
		a.cache.mu.Unlock()
	}
	s := dense.Shape()
	h, w := s[1], s[2]
	all := dense.Data().([]float32)
	m := cam.NewMap(w, h)
	copy(m.Data, all[class*h*w:(class+1)*h*w])
	return m, nil
}

// fcExtent is where fcconv's dense map lies on the input: position i of
// n is the fc6 window over feature cells [i, i+k) of n+k−1, centred at
// (i + k/2)/(n+k−1) of the input's width; each position spans one cell.
func (a *Analysis) fcExtent(scale float64) imgio.RectF {
	a.cache.mu.Lock()
	dense := a.cache.dense[scale]
	a.cache.mu.Unlock()
	head, err := a.Model.Net.FCHead()
	if dense == nil || err != nil {
		return imgio.RectF{}
	}
	s := dense.Shape()
	axis := func(n, k int) (lo, hi float64) {
		cells := float64(n + k - 1)
		return (float64(k) - 1) / 2 / cells, (float64(n-1) + float64(k)/2 + 0.5) / cells
	}
	x0, x1 := axis(s[2], head.W)
	y0, y1 := axis(s[1], head.H)
	return imgio.RectF{X0: x0, Y0: y0, X1: x1, Y1: y1}
}

// upscaleInput resizes the normalised input tensor by scale (bilinear),
// so the dense map covers exactly the picture the model saw.
func upscaleInput(x *tensor.Dense, scale float64) (*tensor.Dense, error) {
	s := x.Shape()
	c, h, w := s[1], s[2], s[3]
	bh, bw := int(float64(h)*scale+0.5), int(float64(w)*scale+0.5)
	data := x.Data().([]float32)
	out := make([]float32, c*bh*bw)
	r, err := cam.NewResizer(w, h, bw, bh)
	if err != nil {
		return nil, err
	}
	for ch := 0; ch < c; ch++ {
		r.Resize(out[ch*bh*bw:(ch+1)*bh*bw], data[ch*h*w:(ch+1)*h*w])
	}
	return tensor.New(tensor.WithShape(1, c, bh, bw), tensor.WithBacking(out)), nil
}

func (a *Analysis) linearCAM(class int) (cam.Map, string, error) {
	head, err := a.Model.Net.LinearHead()
	if err != nil {
		return cam.Map{}, "", err
	}
	acts, err := a.maps(head.Feature)
	if err != nil {
		return cam.Map{}, "", err
	}
	m, err := cam.WeightedSum(acts, head.Weights[class*head.C:(class+1)*head.C])
	return m, head.Feature, err
}
