package app

import (
	"context"
	"time"

	"camviz/analysis"
	"camviz/metrics"
)

// The window's faithfulness panel: deletion / insertion AUC, average
// drop and increase in confidence of the map on screen against the random
// and centre baselines ((*Analysis).Faithfulness). It is a check like
// ROAD and the sanity check (session_trust.go) and runs the same way:
// only when the user asks (RunFaithfulness), in its own lane, with
// progress and Cancel (CancelFaithfulness); never started unasked, never
// restarted or cancelled by a selection change. Results are kept per
// (image, method, layer, class) and shown again when the user returns to
// that map; replacing the picture or the model drops them.

// FaithState is the faithfulness panel's part of the state.
type FaithState struct {
	// Config is how maps are measured (defaults applied).
	Config metrics.Config
	// Report measures the map on screen: nil until the user measures it.
	// Analysis is the analysis measured.
	Report   *analysis.FaithfulnessReport
	Analysis *analysis.Analysis
	// Run is how a measurement goes: Done of Total forward passes (Total
	// 0 until known), Other when it measures another map, Err why the
	// last measurement of this map failed.
	Run TrustCheck
	// Available: a final map is on screen to measure; Unavailable says
	// why not when it is not.
	Available   bool
	Unavailable string
}

func (s *Session) faithConfig() metrics.Config { return s.opts.Faithfulness.WithDefaults() }

// RunFaithfulness measures the map on screen, unless it is measured (or
// being measured) already.
func (s *Session) RunFaithfulness() error {
	return runTrust(s, s.metricsLane, &s.faith, LaneMetrics, s.measureFaith)
}

// CancelFaithfulness stops a running measurement; nothing is kept of it.
func (s *Session) CancelFaithfulness() { cancelTrust(s, s.metricsLane, &s.faith, LaneMetrics) }

// measureFaith measures k's map.
func (s *Session) measureFaith(ctx context.Context, gen uint64, a *analysis.Analysis, k trustKey, layer string) (*analysis.FaithfulnessReport, error) {
	const label = "Measuring faithfulness"
	// Before the first batch: every pass of the map and both baselines
	// (fewer when some are kept), at the analysing pass's speed.
	expect := time.Duration(3*metrics.Passes(s.faithConfig().Steps)) * a.ForwardTime()
	trustProgress(s, s.metricsLane, gen, &s.faith, LaneMetrics, Progress{Label: label, Expected: expect})
	lm, err := a.Map(ctx, k.request(layer))
	if err != nil {
		return nil, err
	}
	return a.Faithfulness(ctx, lm, s.opts.Faithfulness, func(done, total int) {
		trustProgress(s, s.metricsLane, gen, &s.faith, LaneMetrics, Progress{Label: label, Done: done, Total: total})
	})
}

// faithStateLocked is State's FaithState.
func (s *Session) faithStateLocked() FaithState {
	k, v, err := s.trustTargetLocked()
	fs := FaithState{Config: s.faithConfig(), Available: err == nil}
	if err != nil {
		fs.Unavailable = err.Error()
	}
	fs.Report, fs.Run = s.faith.state(k, fs.Available)
	if fs.Report != nil {
		fs.Analysis = v.Analysis
	}
	return fs
}

// ---- words and numbers ----
