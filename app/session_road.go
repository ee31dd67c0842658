package app

import (
	"context"
	"fmt"
	"time"

	"camviz/analysis"
	"camviz/metrics"
)

// ROAD and CAM-mult of the map on screen, one of the panel's checks
// (session_trust.go runs them).

// RunROAD measures ROAD and CAM-mult for the map on screen, unless they
// are measured (or being measured) already.
func (s *Session) RunROAD() error {
	return runTrust(s, s.roadLane, &s.road, LaneROAD, s.measureROAD)
}

// CancelROAD stops a running ROAD measurement; nothing is kept of it.
func (s *Session) CancelROAD() { cancelTrust(s, s.roadLane, &s.road, LaneROAD) }

// measureROAD computes k's ROAD and CAM-mult at pytorch-grad-cam's
// defaults.
func (s *Session) measureROAD(ctx context.Context, gen uint64, a *analysis.Analysis, k trustKey, layer string) (*analysis.ROADResult, error) {
	cfg := metrics.ROADConfig{Imputer: metrics.Imputer{Noise: metrics.DefaultROADNoise}}.WithDefaults()
	lm, err := a.Map(ctx, k.request(layer))
	if err != nil {
		return nil, err
	}
	m, _, err := a.InputMap(lm)
	if err != nil {
		return nil, err
	}
	// ROAD's images, then CAM-mult's two.
	total, done := roadPasses(cfg)+2, 0
	fwd := a.BatchForward()
	counted := func(ctx context.Context, in []float32, n int) ([]float32, error) {
		out, err := fwd(ctx, in, n)
		if err == nil {
			done += n
			trustProgress(s, s.roadLane, gen, &s.road, LaneROAD, Progress{Label: "Measuring ROAD", Done: min(done, total), Total: total})
		}
		return out, err
	}
	// Before the first pass: one analysing pass's time an image.
	trustProgress(s, s.roadLane, gen, &s.road, LaneROAD, Progress{Label: "Measuring ROAD", Total: total, Expected: time.Duration(total) * a.ForwardTime()})
	x := a.MetricsInput()
	rep, err := metrics.ROAD(ctx, x, m, k.class, counted, cfg)
	if err != nil {
		return nil, fmt.Errorf("ROAD: %w", err)
	}
	cm, err := metrics.CamMultConfidenceChange(ctx, x, m, k.class, counted)
	if err != nil {
		return nil, fmt.Errorf("CAM-mult: %w", err)
	}
	return &analysis.ROADResult{Method: k.method, Layer: k.layer, Class: k.class, ROADReport: *rep, CamMult: cm,
		Noise: cfg.Imputer.Noise, MoRFPercentile: cfg.MoRFPercentile, LeRFPercentile: cfg.LeRFPercentile,
		Percentiles: cfg.Percentiles, Verdict: analysis.ROADVerdict(rep.Combined)}, nil
}

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
