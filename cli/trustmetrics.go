package cli

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"camviz/analysis"
	"camviz/inference"
	"camviz/metrics"

	"gorgonia.org/tensor"
)

// trustMetricNames are the values of -metrics, each with the JSON key
// (and report column) it fills.
var trustMetricNames = []struct{ name, key string }{
	{"road-morf", "road_morf"},
	{"road-lerf", "road_lerf"},
	{"road-combined", "road_combined"},
	{"cam-mult", "cam_mult"},
	{"deletion", "deletion_auc"},
	{"insertion", "insertion_auc"},
	{"avgdrop", "average_drop"},
}

// trustFlags are -metrics and the ROAD settings, shared by cam and report.
type trustFlags struct {
	list              string
	noise, morf, lerf float64
	names             []string // parsed list
}

func (f *trustFlags) add(fs *flag.FlagSet, def string) {
	fs.StringVar(&f.list, "metrics", def, "comma-separated faithfulness metrics: road-morf, road-lerf, road-combined, cam-mult, deletion, insertion, avgdrop")
	fs.Float64Var(&f.noise, "road-noise", metrics.DefaultROADNoise, "ROAD imputation noise (σ of the Gaussian added to imputed values; 0 = none)")
	fs.Float64Var(&f.morf, "road-morf-percentile", metrics.DefaultMoRFPercentile, "ROAD most-relevant-first: remove the pixels at or above this percentile of the map")
	fs.Float64Var(&f.lerf, "road-lerf-percentile", metrics.DefaultLeRFPercentile, "ROAD least-relevant-first percentile (of 1 − map)")
}

// parse checks the flags; it must run before measure.
func (f *trustFlags) parse() error {
	f.names = nil
	for _, n := range strings.Split(f.list, ",") {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(f.names, n) {
			continue
		}
		if f.key(n) == "" {
			return fmt.Errorf("-metrics: unknown metric %q (want road-morf, road-lerf, road-combined, cam-mult, deletion, insertion or avgdrop)", n)
		}
		f.names = append(f.names, n)
	}
	for _, p := range []struct {
		flag string
		v    float64
	}{{"-road-morf-percentile", f.morf}, {"-road-lerf-percentile", f.lerf}} {
		if !(p.v > 0 && p.v < 100) {
			return fmt.Errorf("%s %v: want a percentile strictly between 0 and 100", p.flag, p.v)
		}
	}
	if !(f.noise >= 0 && f.noise < 1e6) {
		return fmt.Errorf("-road-noise %v: want a value ≥ 0", f.noise)
	}
	return nil
}

func (f *trustFlags) key(name string) string {
	for _, m := range trustMetricNames {
		if m.name == name {
			return m.key
		}
	}
	return ""
}

func (f *trustFlags) want(names ...string) bool {
	for _, n := range names {
		if slices.Contains(f.names, n) {
			return true
		}
	}
	return false
}

// measure computes the asked metrics of lm's map (post-processed to the
// input size as pytorch-grad-cam's metrics take it), keyed by JSON key.
func (f *trustFlags) measure(ctx context.Context, a *analysis.Analysis, lm *analysis.LayerMap) (map[string]float64, error) {
	if len(f.names) == 0 {
		return nil, nil
	}
	x := a.MetricsInput()
	m, _, err := a.InputMap(lm)
	if err != nil {
		return nil, err
	}
	fwd := netForward(a.Model.Net, x)
	out := map[string]float64{}
	if f.want("road-morf", "road-lerf", "road-combined") {
		cfg := metrics.ROADConfig{MoRFPercentile: f.morf, LeRFPercentile: f.lerf, Imputer: metrics.Imputer{Noise: f.noise}}
		if !f.want("road-combined") {
			cfg.Percentiles = []float64{}
		}
		r, err := metrics.ROAD(ctx, x, m, lm.Class, fwd, cfg)
		if err != nil {
			return nil, err
		}
		for n, v := range map[string]float64{"road-morf": r.MoRF, "road-lerf": r.LeRF, "road-combined": r.Combined} {
			if f.want(n) {
				out[f.key(n)] = v
			}
		}
	}
	if f.want("cam-mult") {
		if out["cam_mult"], err = metrics.CamMultConfidenceChange(ctx, x, m, lm.Class, fwd); err != nil {
			return nil, err
		}
	}
	if f.want("deletion", "insertion", "avgdrop") {
		r, err := a.Faithfulness(ctx, lm, metrics.Config{}, nil)
		if err != nil {
			return nil, err
		}
		for n, v := range map[string]float64{"deletion": r.Map.Deletion.AUC, "insertion": r.Map.Insertion.AUC, "avgdrop": r.Map.AverageDrop} {
			if f.want(n) {
				out[f.key(n)] = v
			}
		}
	}
	return out, nil
}

// netForward runs batches of inputs shaped like x through net.
func netForward(net *inference.Net, x metrics.Input) metrics.Forward {
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		p, err := net.Forward(ctx, tensor.New(tensor.WithShape(n, x.C, x.H, x.W), tensor.WithBacking(in)), false)
		if err != nil {
			return nil, err
		}
		defer p.Release()
		return slices.Clone(p.Scores()), nil
	}
}
