package analysis

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"camviz/cam"
	"camviz/metrics"
)

// Names of the chance baselines that faithfulness reports compare a
// method with; they are also their "method" names in batch reports.
const (
	// BaselineRandom is uniform noise (metrics.Random), seeded with the
	// configuration's seed.
	BaselineRandom = "random"
	// BaselineCenter is a centred Gaussian blob (metrics.CenterGaussian).
	BaselineCenter = "center"
)

// BaselineNames lists the chance baselines in report order.
func BaselineNames() []string { return []string{BaselineRandom, BaselineCenter} }

// FaithfulnessReport is how faithful one method's map is to the network,
// next to the chance baselines on the same image and class. The reports
// may be shared with the analysis's cache: do not modify them.
type FaithfulnessReport struct {
	Method, Layer string
	Class         int
	// Flags is what post-processing noticed about the method's map; a
	// NonPositive or Flat map is all zeros, which the metrics treat as a
	// random order (and an all-mean explanation image).
	Flags  cam.Flags
	Map    *metrics.Report
	Random *metrics.Report
	Center *metrics.Report
	// Elapsed is the time spent computing (zero when all came from the
	// cache).
	Elapsed time.Duration
}

// Faithfulness measures lm's map with the deletion / insertion curves and
// Average Drop / Increase in Confidence (see package metrics), and the
// random and centre baselines for the same class. The map is
// post-processed to the input tensor's size as pytorch-grad-cam does
// (cam.MinMax). Reports are cached per (method, layer, class, map values,
// cfg without Batch), the baselines per (class, cfg), so asking again or
// for another method costs only what is new. progress, if not nil, hears the forward
// passes done over all that is computed. cfg's zero fields mean the
// metrics defaults.
func (a *Analysis) Faithfulness(ctx context.Context, lm *LayerMap, cfg metrics.Config, progress func(done, total int)) (*FaithfulnessReport, error) {
	if lm == nil {
		return nil, fmt.Errorf("no map to measure")
	}
	if err := a.CheckClass(lm.Class); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	start := time.Now()
	tab := a.faithTable()
	key := faithKey{method: lm.Method, layer: lm.Layer, class: lm.Class, cfg: cacheConfig(cfg), fingerprint: fingerprint(lm.Map)}
	keys := []faithKey{key}
	for _, b := range BaselineNames() {
		keys = append(keys, faithKey{method: b, class: lm.Class, cfg: key.cfg})
	}
	// Count what must be computed, so progress has one total.
	todo := 0
	for _, k := range keys {
		if _, ok := tab.get(k); !ok {
			todo++
		}
	}
	total := todo * metrics.Passes(cfg.Steps)
	offset := 0
	stage := func(done, _ int) {
		if progress != nil {
			progress(offset+done, total)
		}
	}
	m, flags, err := a.InputMap(lm)
	if err != nil {
		return nil, err
	}
	out := &FaithfulnessReport{Method: lm.Method, Layer: lm.Layer, Class: lm.Class, Flags: flags}
	dst := []**metrics.Report{&out.Map, &out.Random, &out.Center}
	for i, k := range keys {
		if r, ok := tab.get(k); ok {
			*dst[i] = r
			continue
		}
		if i > 0 {
			m = a.baselineMap(k.method, cfg.Seed)
		}
		r, err := metrics.Evaluate(ctx, a.MetricsInput(), m, lm.Class, metrics.Forward(a.BatchForward()), cfg, stage)
		if err != nil {
			return nil, err
		}
		offset += r.Passes
		tab.put(k, r)
		*dst[i] = r
	}
	if todo > 0 {
		out.Elapsed = time.Since(start)
	}
	return out, nil
}

// BaselineFaithfulness measures one chance baseline ("random" or
// "center") for class, with the same cache as Faithfulness.
func (a *Analysis) BaselineFaithfulness(ctx context.Context, name string, class int, cfg metrics.Config, progress func(done, total int)) (*metrics.Report, error) {
	if name != BaselineRandom && name != BaselineCenter {
		return nil, fmt.Errorf("unknown baseline map %q (want %s or %s)", name, BaselineRandom, BaselineCenter)
	}
	if err := a.CheckClass(class); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	tab := a.faithTable()
	key := faithKey{method: name, class: class, cfg: cacheConfig(cfg)}
	if r, ok := tab.get(key); ok {
		return r, nil
	}
	r, err := metrics.Evaluate(ctx, a.MetricsInput(), a.baselineMap(name, cfg.Seed), class, metrics.Forward(a.BatchForward()), cfg, progress)
	if err != nil {
		return nil, err
	}
	tab.put(key, r)
	return r, nil
}

// BaselineLayerMap is a chance baseline's map at the input tensor's size,
// wrapped as a LayerMap so that it can be drawn like a method's (Place,
// Draw, Export); its Layer is "input".
func (a *Analysis) BaselineLayerMap(name string, class int, cfg metrics.Config) (*LayerMap, error) {
	if name != BaselineRandom && name != BaselineCenter {
		return nil, fmt.Errorf("unknown baseline map %q (want %s or %s)", name, BaselineRandom, BaselineCenter)
	}
	m := a.baselineMap(name, cfg.Seed)
	return &LayerMap{Method: name, Layer: "input", Class: class, Map: cam.Map(m)}, nil
}

func (a *Analysis) baselineMap(name string, seed uint64) metrics.Map {
	x := a.MetricsInput()
	if name == BaselineCenter {
		return metrics.CenterGaussian(x.W, x.H)
	}
	return metrics.Random(x.W, x.H, seed)
}

// InputMap is lm's map as the metrics measure it: post-processed by
// cam.MinMax to the input tensor's size.
func (a *Analysis) InputMap(lm *LayerMap) (metrics.Map, cam.Flags, error) {
	x := a.MetricsInput()
	m, flags, err := lm.Final(x.W, x.H, cam.MinMax, 0)
	if err != nil {
		return metrics.Map{}, 0, err
	}
	return metrics.Map(m), flags, nil
}

// MetricsInput is the analysis's input tensor for package metrics; it
// shares the tensor's data.
func (a *Analysis) MetricsInput() metrics.Input {
	s := a.Input.Tensor.Shape()
	return metrics.Input{C: s[1], H: s[2], W: s[3], Data: a.Input.Tensor.Data().([]float32)}
}

// faithKey identifies a cached report. Baselines have no layer and no
// fingerprint. The fingerprint tells apart maps that share a method, layer
// and class but not their values (fcconv at two scales, a map edited by
// the caller).
type faithKey struct {
	method, layer string
	class         int
	cfg           metrics.Config
	fingerprint   uint64
}

// fingerprintSeed is per process: fingerprints only key the in-memory
// cache.
var fingerprintSeed = maphash.MakeSeed()

func fingerprint(m cam.Map) uint64 {
	b := make([]byte, 0, 8+4*len(m.Data))
	b = binary.LittleEndian.AppendUint32(b, uint32(m.W))
	b = binary.LittleEndian.AppendUint32(b, uint32(m.H))
	for _, v := range m.Data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return maphash.Bytes(fingerprintSeed, b)
}

// cacheConfig is cfg without what does not change the numbers.
func cacheConfig(cfg metrics.Config) metrics.Config {
	cfg.Batch = 0
	return cfg
}

// faithCache holds an analysis's faithfulness reports (a few KB each),
// for as long as the analysis lives (its one owner; see the package doc).
type faithCache struct {
	mu      sync.Mutex
	reports map[faithKey]*metrics.Report
}

func (c *faithCache) get(k faithKey) (*metrics.Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.reports[k]
	return r, ok
}

func (c *faithCache) put(k faithKey, r *metrics.Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reports == nil {
		c.reports = map[faithKey]*metrics.Report{}
	}
	c.reports[k] = r
}

func (a *Analysis) faithTable() *faithCache { return &a.faith }

// Measured is how many faithfulness reports (maps and baselines) the
// analysis keeps.
func (a *Analysis) Measured() int {
	a.faith.mu.Lock()
	defer a.faith.mu.Unlock()
	return len(a.faith.reports)
}
