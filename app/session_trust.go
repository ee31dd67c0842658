package app

import (
	"context"
	"errors"
	"fmt"

	"camviz/cam"
	"camviz/inference"
	"camviz/metrics"
)

// The faithfulness panel's two explicit checks of the current map, each
// started by the user (RunROAD, RunSanity), each in a lane of its own and
// cancellable (CancelROAD, CancelSanity):
//
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
// Replacing the picture or the model drops them all and cancels the
// running checks: their maps can no longer be shown.

// trustKey is what a check measures: the picture as the model sees it
// (model, picture, resize mode) and the map (method, layer, class).
type trustKey struct {
	model         *Model
	pic           *picture
	mode          string
	method, layer string
	class         int
}

// ROADResult is one map's ROAD and CAM-mult numbers.
type ROADResult struct {
	Method string `json:"method"`
	Layer  string `json:"layer"`
	Class  int    `json:"class"`
	metrics.ROADReport
	CamMult float64 `json:"cam_mult"`
	// How it was measured.
	Noise          float64   `json:"road_noise"`
	MoRFPercentile float64   `json:"road_morf_percentile"`
	LeRFPercentile float64   `json:"road_lerf_percentile"`
	Percentiles    []float64 `json:"road_percentiles"`
	Verdict        string    `json:"verdict"`
}

// SanityResult is one map's cascading randomisation: entry i is after
// randomising Layers[0…i], the last with every layer randomised (as
// `camviz sanity -json`).
type SanityResult struct {
	Method     string    `json:"method"`
	Layer      string    `json:"layer"` // the map's layer
	Class      int       `json:"class"`
	Seed       uint64    `json:"seed"`
	Layers     []string  `json:"layers"`     // the randomised nodes, top down
	Similarity []float64 `json:"similarity"` // Spearman rank correlation
	SSIM       []float64 `json:"ssim"`
	Verdict    string    `json:"verdict"`
}

// Sanity verdict thresholds on the rank correlation once every layer is
// randomised: below sanityFalls the map has fallen apart (issue 17 asks
// Grad-CAM below 0.5), above sanitySurvives it has survived (sobelcam,
// which ignores the model, stays above 0.9).
const (
	sanityFalls    = 0.5
	sanitySurvives = 0.9
)

// Final is the rank correlation with every layer randomised.
func (r *SanityResult) Final() float64 { return r.Similarity[len(r.Similarity)-1] }

// sanityVerdict says in plain words what the cascade shows.
func sanityVerdict(final float64) string {
	switch {
	case final < sanityFalls:
		return "the map falls apart when the weights are randomised: it depends on what the model learned"
	case final > sanitySurvives:
		return "the map survives randomisation: it may show the image, not the model"
	}
	return "the map only partly changes when the weights are randomised: it shows the model in part, the image in part"
}

// roadVerdict says in plain words what ROAD's combined score shows: it is
// (LeRF − MoRF)/2, positive when removing the pixels the map marks hurts
// the class more than removing the others.
func roadVerdict(combined float64) string {
	if combined > 0 {
		return "removing what the map marks hurts the class more than removing the rest: the map points at what the model uses"
	}
	return "removing what the map marks hurts the class no more than removing the rest: the map does not point at what the model uses"
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
	ROAD        *ROADResult
	Sanity      *SanityResult
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
func (s *Session) trustTargetLocked() (trustKey, *View, error) {
	v := s.view
	switch {
	case s.analysis == nil || v == nil:
		return trustKey{}, nil, errors.New("no map to check")
	case v.Partial || v.Analysis != s.analysis || !v.Sel.sameMap(s.sel):
		return trustKey{}, nil, errors.New("the map is still being computed")
	case v.Sel.Compare.On:
		return trustKey{}, nil, errors.New("turn the class comparison off to check one map")
	}
	return trustKey{model: s.analysis.Model, pic: v.pic, mode: s.analysis.Input.Mode,
		method: v.Method.Name, layer: v.Layer, class: v.Sel.Class}, v, nil
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

// RunROAD measures ROAD and CAM-mult for the map on screen, unless they
// are measured (or being measured) already.
func (s *Session) RunROAD() error {
	return runTrust(s, s.roadLane, &s.road, LaneROAD, s.measureROAD)
}

// RunSanity runs the sanity check for the map on screen, unless it is
// done (or running) already.
func (s *Session) RunSanity() error {
	return runTrust(s, s.sanityLane, &s.sanity, LaneSanity, s.sanityCheck)
}

// runTrust starts one check for the map on screen in its lane.
func runTrust[R any](s *Session, lane *Lane, t *trustRuns[R], name LaneName,
	measure func(ctx context.Context, gen uint64, a *Analysis, k trustKey, layer string) (*R, error)) error {
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

// CancelROAD stops a running ROAD measurement; nothing is kept of it.
func (s *Session) CancelROAD() { cancelTrust(s, s.roadLane, &s.road, LaneROAD) }

// CancelSanity stops a running sanity check; nothing is kept of it.
func (s *Session) CancelSanity() { cancelTrust(s, s.sanityLane, &s.sanity, LaneSanity) }

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

// trustProgress records a check's progress for the panel and the status
// bar.
func trustProgress[R any](s *Session, lane *Lane, gen uint64, t *trustRuns[R], name LaneName, label string, done, total int) {
	s.mu.Lock()
	ok := s.setBusyLocked(lane, gen, Progress{Lane: name, Label: label, Done: done, Total: total, Cancellable: true})
	if ok {
		t.n, t.of = done, total
	}
	s.mu.Unlock()
	if ok {
		s.changed()
	}
}

// measureROAD computes k's ROAD and CAM-mult at pytorch-grad-cam's
// defaults.
func (s *Session) measureROAD(ctx context.Context, gen uint64, a *Analysis, k trustKey, layer string) (*ROADResult, error) {
	cfg := metrics.ROADConfig{Imputer: metrics.Imputer{Noise: metrics.DefaultROADNoise}}.WithDefaults()
	lm, err := a.Map(ctx, MapRequest{Method: k.method, Class: k.class, Layer: layer})
	if err != nil {
		return nil, err
	}
	m, _, err := a.InputMap(lm)
	if err != nil {
		return nil, err
	}
	// ROAD's images, then CAM-mult's two.
	total, done := roadPasses(cfg)+2, 0
	fwd := a.batchForward()
	counted := func(ctx context.Context, in []float32, n int) ([]float32, error) {
		out, err := fwd(ctx, in, n)
		if err == nil {
			done += n
			trustProgress(s, s.roadLane, gen, &s.road, LaneROAD, "Measuring ROAD", min(done, total), total)
		}
		return out, err
	}
	trustProgress(s, s.roadLane, gen, &s.road, LaneROAD, "Measuring ROAD", 0, total)
	x := a.MetricsInput()
	rep, err := metrics.ROAD(ctx, x, m, k.class, counted, cfg)
	if err != nil {
		return nil, fmt.Errorf("ROAD: %w", err)
	}
	cm, err := metrics.CamMultConfidenceChange(ctx, x, m, k.class, counted)
	if err != nil {
		return nil, fmt.Errorf("CAM-mult: %w", err)
	}
	return &ROADResult{Method: k.method, Layer: k.layer, Class: k.class, ROADReport: *rep, CamMult: cm,
		Noise: cfg.Imputer.Noise, MoRFPercentile: cfg.MoRFPercentile, LeRFPercentile: cfg.LeRFPercentile,
		Percentiles: cfg.Percentiles, Verdict: roadVerdict(rep.Combined)}, nil
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

// sanitySeed is the randomised weights' seed, `camviz sanity`'s default.
const sanitySeed = 0

// sanityCheck runs k's cascading randomisation.
func (s *Session) sanityCheck(ctx context.Context, gen uint64, a *Analysis, k trustKey, layer string) (*SanityResult, error) {
	if a.Model.onnx == nil {
		return nil, errors.New("the model's ONNX file is not at hand, so its weights cannot be randomised")
	}
	onnx, err := a.Model.onnx()
	if err != nil {
		return nil, err
	}
	params, err := inference.ParamLayers(onnx)
	if err != nil {
		return nil, err
	}
	if len(params) == 0 {
		return nil, errors.New("the model has no Conv or Gemm layer with weights to randomise")
	}
	req := MapRequest{Method: k.method, Class: k.class, Layer: layer}
	orig, err := finalMap(ctx, a, req)
	if err != nil {
		return nil, err
	}
	r := &SanityResult{Method: k.method, Layer: k.layer, Class: k.class, Seed: sanitySeed}
	label := "Sanity check: randomising weights"
	trustProgress(s, s.sanityLane, gen, &s.sanity, LaneSanity, label, 0, len(params))
	var nodes []string
	for i, p := range params {
		nodes = append(nodes, p.Node)
		sp, ss, err := randomisedSimilarity(ctx, a, onnx, nodes, req, orig)
		if err != nil {
			return nil, fmt.Errorf("randomised down to %s: %w", p.Node, err)
		}
		r.Layers = append(r.Layers, p.Node)
		r.Similarity = append(r.Similarity, sp)
		r.SSIM = append(r.SSIM, ss)
		trustProgress(s, s.sanityLane, gen, &s.sanity, LaneSanity, label, i+1, len(params))
	}
	r.Verdict = sanityVerdict(r.Final())
	return r, nil
}

// randomisedSimilarity recomputes req's map on a's input with nodes'
// weights randomised and compares it with orig.
func randomisedSimilarity(ctx context.Context, a *Analysis, onnx []byte, nodes []string, req MapRequest, orig metrics.Map) (sp, ss float64, err error) {
	net, err := inference.RandomizedNet(onnx, nodes, sanitySeed)
	if err != nil {
		return 0, 0, err
	}
	rm := *a.Model
	rm.Net = net
	ra, err := rm.Analyze(ctx, a.Input)
	if err != nil {
		return 0, 0, err
	}
	defer ra.Close()
	m, err := finalMap(ctx, ra, req)
	if err != nil {
		return 0, 0, err
	}
	if sp, err = metrics.Spearman(orig, m); err != nil {
		return 0, 0, err
	}
	if ss, err = metrics.SSIM(orig, m); err != nil {
		return 0, 0, err
	}
	return sp, ss, nil
}

// finalMap is req's min-max map at the input size, as `camviz sanity`
// compares them.
func finalMap(ctx context.Context, a *Analysis, req MapRequest) (metrics.Map, error) {
	lm, err := a.Map(ctx, req)
	if err != nil {
		return metrics.Map{}, err
	}
	_, h, w := a.Model.Net.InputSize()
	f, _, err := lm.Final(w, h, cam.MinMax, 0)
	if err != nil {
		return metrics.Map{}, err
	}
	return metrics.Map(f), nil
}

// ---- export ----

// trustForLocked is what the checks have for key k, for an export.
func (s *Session) trustForLocked(k trustKey) (*FaithfulnessReport, *ROADResult, *SanityResult) {
	return s.faith.done[k], s.road.done[k], s.sanity.done[k]
}

// trustCaptionLines are the exported caption's lines for the checks'
// numbers, each in forms longest first.
func trustCaptionLines(road *ROADResult, san *SanityResult) [][]string {
	var out [][]string
	if road != nil {
		out = append(out, []string{
			fmt.Sprintf("ROAD: most relevant first %.3f · least relevant first %.3f · combined %.3f · CAM-mult %.3f (logit change)",
				road.MoRF, road.LeRF, road.Combined, road.CamMult),
			fmt.Sprintf("ROAD MoRF %.3f · LeRF %.3f · combined %.3f · CAM-mult %.3f", road.MoRF, road.LeRF, road.Combined, road.CamMult),
			fmt.Sprintf("ROAD %.2f/%.2f/%.2f · mult %.2f", road.MoRF, road.LeRF, road.Combined, road.CamMult),
		})
	}
	if san != nil {
		out = append(out, []string{
			fmt.Sprintf("Sanity check: rank correlation %.3f, SSIM %.3f with every layer randomised (%d layers)",
				san.Final(), san.SSIM[len(san.SSIM)-1], len(san.Layers)),
			fmt.Sprintf("Sanity: rank corr. %.3f, SSIM %.3f, all randomised", san.Final(), san.SSIM[len(san.SSIM)-1]),
			fmt.Sprintf("Sanity ρ %.2f SSIM %.2f", san.Final(), san.SSIM[len(san.SSIM)-1]),
		})
	}
	return out
}
