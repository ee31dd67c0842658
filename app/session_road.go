package app

import (
	"context"
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
	cfg := metrics.ROADConfig{Imputer: metrics.Imputer{Noise: metrics.DefaultROADNoise}}
	progress := func(done, total int) {
		trustProgress(s, s.roadLane, gen, &s.road, LaneROAD, Progress{Label: "Measuring ROAD", Done: done, Total: total})
	}
	// Before the first pass: one analysing pass's time an image.
	total := analysis.ROADPasses(cfg)
	trustProgress(s, s.roadLane, gen, &s.road, LaneROAD, Progress{Label: "Measuring ROAD", Total: total, Expected: time.Duration(total) * a.ForwardTime()})
	return a.ROAD(ctx, k.request(layer), cfg, progress)
}
