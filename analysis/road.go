package analysis

import (
	"context"
	"fmt"

	"camviz/metrics"
)

// ROAD measures req's map with ROAD (most and least relevant first,
// combined) and CAM-mult at cfg — its zero fields mean pytorch-grad-cam's
// defaults, a zero noise no noise — on the map post-processed as the
// metrics measure it (InputMap). progress, if not nil, hears the forward
// images done of ROADPasses(cfg).
func (a *Analysis) ROAD(ctx context.Context, req MapRequest, cfg metrics.ROADConfig, progress func(done, total int)) (*ROADResult, error) {
	cfg = cfg.WithDefaults()
	lm, err := a.Map(ctx, req)
	if err != nil {
		return nil, err
	}
	m, _, err := a.InputMap(lm)
	if err != nil {
		return nil, err
	}
	total, done := ROADPasses(cfg), 0
	fwd := a.BatchForward()
	counted := func(ctx context.Context, in []float32, n int) ([]float32, error) {
		out, err := fwd(ctx, in, n)
		if err == nil && progress != nil {
			done += n
			progress(min(done, total), total)
		}
		return out, err
	}
	x := a.MetricsInput()
	rep, err := metrics.ROAD(ctx, x, m, lm.Class, counted, cfg)
	if err != nil {
		return nil, fmt.Errorf("ROAD: %w", err)
	}
	cm, err := metrics.CamMultConfidenceChange(ctx, x, m, lm.Class, counted)
	if err != nil {
		return nil, fmt.Errorf("CAM-mult: %w", err)
	}
	return &ROADResult{Method: lm.Method, Layer: lm.Layer, Class: lm.Class, ROADReport: *rep, CamMult: cm,
		Noise: cfg.Imputer.Noise, MoRFPercentile: cfg.MoRFPercentile, LeRFPercentile: cfg.LeRFPercentile,
		Percentiles: cfg.Percentiles, Verdict: ROADVerdict(rep.Combined)}, nil
}

// ROADPasses is how many images ROAD runs through the network for cfg:
// ROAD's, then CAM-mult's two.
func ROADPasses(cfg metrics.ROADConfig) int { return roadPasses(cfg.WithDefaults()) + 2 }

// roadPasses is the number of images metrics.ROAD runs for cfg (with its
// defaults applied): the original and one per distinct (percentile,
// direction).
func roadPasses(cfg metrics.ROADConfig) int {
	type job struct {
		p    float64
		morf bool
	}
	seen := map[job]bool{{cfg.MoRFPercentile, true}: true, {cfg.LeRFPercentile, false}: true}
	for _, p := range cfg.Percentiles {
		seen[job{p, true}], seen[job{p, false}] = true, true
	}
	return 1 + len(seen)
}
