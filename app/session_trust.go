package app

import (
	"context"
	"errors"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
)

// The faithfulness panel's three explicit checks of the current map, each
// started by the user (RunFaithfulness, RunROAD, RunSanity), each in a
// lane of its own and cancellable (CancelFaithfulness, CancelROAD,
// CancelSanity):
//
//   - deletion / insertion AUC, average drop and increase in confidence
//     against the random and centre baselines (session_metrics.go);
//   - ROAD (most relevant first at 80, least relevant first at 20, the
//     combined score over 10…90, noise 0.01: pytorch-grad-cam's defaults)
//     and CAM-mult, by metrics.ROAD and metrics.CamMultConfidenceChange;
//   - the sanity check: the weights randomised cascading from the top
//     layer down (inference.RandomizedNet, seed 0, as `camviz sanity`),
//     the current method's map recomputed after each step and compared
//     with the original by metrics.Spearman and metrics.SSIM.
//
// Results are kept per (image, method, layer, class): going back to a
// map shows what was measured for it, and a selection change neither
// cancels a running check nor restarts it (its result stays valid).
// The session owns them (trustRuns, one per check); the one invalidation
// rule: replacing the picture or the model drops them all and cancels
// the running checks (dropTrustLocked), as their maps can no longer be
// shown.

// trustKey is what a check measures: the picture as the model sees it
// (model, picture, resize mode) and the map (method, layer, class).
type trustKey struct {
	model         *analysis.Model
	pic           *compose.Photo
	mode          string
	method, layer string
	class         int
	// options and extra are the map's method options and fused layers
	// (Selection.Options, ExtraLayers).
	options cam.Settings
	extra   string
}

// request is the request of k's map at layer.
func (k trustKey) request(layer string) analysis.MapRequest {
	sel := compose.Selection{Method: k.method, Layer: layer, Options: k.options, ExtraLayers: k.extra}
	req := sel.MapRequest()
	req.Class = k.class
	return req
}

// TrustCheck is one check's part of the state for the current map.
type TrustCheck struct {
	// Running: a check of the current map is running, Done of Total
	// steps (forward passes for ROAD, randomised layers for the sanity
	// check; Total 0 until known).
	Running     bool
	Done, Total int
	// Other: the check is running, for another map.
	Other bool
	// Err is why the last check of the current map failed.
	Err string
}

// TrustState is what the ROAD and sanity checks have for the current map.
type TrustState struct {
	ROAD        *analysis.ROADResult
	Sanity      *analysis.SanityResult
	ROADRun     TrustCheck
	SanityRun   TrustCheck
	Available   bool   // a final map is on screen to check
	Unavailable string // why not, when it is not
}

// trustRuns is one check's bookkeeping.
type trustRuns[R any] struct {
	done    map[trustKey]*R
	errs    map[trustKey]string
	running trustKey
	on      bool // running is set
	n, of   int
}

func (t *trustRuns[R]) init() {
	t.done, t.errs = map[trustKey]*R{}, map[trustKey]string{}
}

func (t *trustRuns[R]) state(k trustKey, ok bool) (*R, TrustCheck) {
	var c TrustCheck
	if t.on {
		if ok && t.running == k {
			c.Running, c.Done, c.Total = true, t.n, t.of
		} else {
			c.Other = true
		}
	}
	if !ok {
		return nil, c
	}
	c.Err = t.errs[k]
	return t.done[k], c
}

// dropTrustLocked forgets every check and cancels the running ones; the
// picture or model they measure is being replaced.
func (s *Session) dropTrustLocked() {
	s.metricsLane.Cancel()
	s.roadLane.Cancel()
	s.sanityLane.Cancel()
	s.faith.init()
	s.road.init()
	s.sanity.init()
	s.faith.on, s.road.on, s.sanity.on = false, false, false
	delete(s.busy, LaneMetrics)
	delete(s.busy, LaneROAD)
	delete(s.busy, LaneSanity)
}

// trustTargetLocked is the key of the final map on screen, with its
// analysis and selection; an error when there is none.
func (s *Session) trustTargetLocked() (trustKey, *compose.View, error) {
	v := s.view
	switch {
	case s.analysis == nil || v == nil:
		return trustKey{}, nil, errors.New("no map to check")
	case v.Partial && v.Cancelled && v.Analysis == s.analysis:
		return trustKey{}, nil, errors.New("the map was cancelled before it was finished")
	case v.Partial || v.Analysis != s.analysis || !sameMap(v.Sel, s.sel):
		return trustKey{}, nil, errors.New("the map is still being computed")
	case v.Sel.Compare.On:
		return trustKey{}, nil, errors.New("turn the class comparison off to check one map")
	}
	return trustKey{model: s.analysis.Model, pic: v.Photo, mode: s.analysis.Input.Mode,
		method: v.Method.Name, layer: v.Layer, class: v.Sel.Class, options: v.Sel.Options, extra: v.Sel.ExtraLayers}, v, nil
}

// trustStateLocked is State's TrustState.
func (s *Session) trustStateLocked() TrustState {
	k, _, err := s.trustTargetLocked()
	var ts TrustState
	ts.Available = err == nil
	if err != nil {
		ts.Unavailable = err.Error()
	}
	ts.ROAD, ts.ROADRun = s.road.state(k, ts.Available)
	ts.Sanity, ts.SanityRun = s.sanity.state(k, ts.Available)
	return ts
}

// runTrust starts one check for the map on screen in its lane.
func runTrust[R any](s *Session, lane *Lane, t *trustRuns[R], name LaneName,
	measure func(ctx context.Context, gen uint64, a *analysis.Analysis, k trustKey, layer string) (*R, error)) error {
	s.mu.Lock()
	k, v, err := s.trustTargetLocked()
	if err != nil || t.done[k] != nil || (t.on && t.running == k) {
		s.mu.Unlock()
		return err
	}
	a, layer := v.Analysis, v.Sel.Layer
	t.running, t.on, t.n, t.of = k, true, 0, 0
	delete(t.errs, k)
	lane.Submit(func(ctx context.Context, gen uint64) {
		r, err := measure(ctx, gen, a, k, layer)
		finishTrust(s, lane, gen, t, k, r, err, name)
	})
	s.mu.Unlock()
	s.changed()
	return nil
}

func cancelTrust[R any](s *Session, lane *Lane, t *trustRuns[R], name LaneName) {
	s.mu.Lock()
	lane.Cancel()
	t.on = false
	delete(s.busy, name)
	s.mu.Unlock()
	s.changed()
}

// finishTrust keeps a finished check's result (or its error) under its
// key, if the check was not cancelled or superseded.
func finishTrust[R any](s *Session, lane *Lane, gen uint64, t *trustRuns[R], k trustKey, r *R, err error, name LaneName) {
	s.mu.Lock()
	if !lane.Current(gen) {
		s.mu.Unlock()
		return
	}
	t.on = false
	delete(s.busy, name)
	switch {
	case err == nil:
		t.done[k] = r
	case !errors.Is(err, context.Canceled):
		t.errs[k] = oneLine(err.Error())
	}
	s.mu.Unlock()
	s.changed()
}

// trustProgress records a check's progress (p, in its lane name) for the
// panel and the status bar.
func trustProgress[R any](s *Session, lane *Lane, gen uint64, t *trustRuns[R], name LaneName, p Progress) {
	p.Lane, p.Cancellable = name, true
	s.mu.Lock()
	ok := s.setBusyLocked(lane, gen, p)
	if ok {
		t.n, t.of = p.Done, p.Total
	}
	s.mu.Unlock()
	if ok {
		s.changed()
	}
}

// ---- export ----

// trustForLocked is what the checks have for key k, for an export.
func (s *Session) trustForLocked(k trustKey) (*analysis.FaithfulnessReport, *analysis.ROADResult, *analysis.SanityResult) {
	return s.faith.done[k], s.road.done[k], s.sanity.done[k]
}
