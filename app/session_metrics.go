package app

import (
	"context"
	"fmt"
	"time"

	"camviz/analysis"
	"camviz/metrics"

	"golang.org/x/image/font"
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

// FaithNumbers are one map's faithfulness numbers.
type FaithNumbers struct {
	// DeletionAUC: lower is better.
	DeletionAUC float64 `json:"deletion_auc"`
	// InsertionAUC: higher is better.
	InsertionAUC float64 `json:"insertion_auc"`
	// AverageDrop in percent: lower is better.
	AverageDrop float64 `json:"average_drop"`
	// IncreaseInConfidence: the class got more probable on the image
	// times the map.
	IncreaseInConfidence bool `json:"increase_in_confidence"`
	// ExplanationProb is the class probability on the image times the map.
	ExplanationProb float64 `json:"explanation_prob"`
}

// Numbers are r's four numbers.
func Numbers(r *metrics.Report) FaithNumbers {
	return FaithNumbers{DeletionAUC: r.Deletion.AUC, InsertionAUC: r.Insertion.AUC, AverageDrop: r.AverageDrop,
		IncreaseInConfidence: r.IncreaseInConfidence, ExplanationProb: r.ExplanationProb}
}

// FaithFacts are an exported map's faithfulness, next to the chance
// baselines', for the JSON sidecar.
type FaithFacts struct {
	Method string  `json:"method"`
	Layer  string  `json:"layer"`
	Class  int     `json:"class"`
	Prob   float64 `json:"prob"`
	// How it was measured.
	Steps             int              `json:"steps"`
	DeletionBaseline  metrics.Baseline `json:"deletion_baseline"`
	InsertionBaseline metrics.Baseline `json:"insertion_baseline"`
	Seed              uint64           `json:"seed"`
	// The map's numbers.
	FaithNumbers
	Baselines struct {
		Random FaithNumbers `json:"random"`
		Center FaithNumbers `json:"center"`
	} `json:"baselines"`
	Verdict string `json:"verdict"`
}

// NewFaithFacts describes r, measured with cfg.
func NewFaithFacts(r *analysis.FaithfulnessReport, cfg metrics.Config) *FaithFacts {
	cfg = cfg.WithDefaults()
	f := &FaithFacts{Method: r.Method, Layer: r.Layer, Class: r.Class, Prob: r.Map.Prob, Steps: cfg.Steps,
		DeletionBaseline: cfg.Deletion, InsertionBaseline: cfg.Insertion, Seed: cfg.Seed,
		FaithNumbers: Numbers(r.Map), Verdict: r.Verdict()}
	f.Baselines.Random = Numbers(r.Random)
	f.Baselines.Center = Numbers(r.Center)
	return f
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// faithCaptionLines are the forms of the caption line, longest first:
// the map's four numbers, the random baseline's in brackets.
func faithCaptionLines(r *analysis.FaithfulnessReport) []string {
	m, x := Numbers(r.Map), Numbers(r.Random)
	up, xup := yesNo(m.IncreaseInConfidence), yesNo(x.IncreaseInConfidence)
	return []string{
		fmt.Sprintf("Faithfulness, map (random): deletion AUC %.3f (%.3f) · insertion AUC %.3f (%.3f) · average drop %.1f%% (%.1f%%) · confidence up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
		fmt.Sprintf("Map (random): deletion AUC %.3f (%.3f) · insertion AUC %.3f (%.3f) · drop %.1f%% (%.1f%%) · conf. up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
		fmt.Sprintf("Map (random): del. AUC %.2f (%.2f) · ins. AUC %.2f (%.2f) · drop %.0f%% (%.0f%%) · up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
		fmt.Sprintf("Map (random): del. %.2f (%.2f) · ins. %.2f (%.2f) · drop %.0f%% (%.0f%%) · up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
	}
}

// longestFitting is the longest of a caption line's forms (longest first)
// that fits width pixels in face (the shortest if none does: the caption
// clips it).
func longestFitting(lines []string, face font.Face, width int) string {
	for _, l := range lines {
		if font.MeasureString(face, l).Ceil() <= width {
			return l
		}
	}
	return lines[len(lines)-1]
}

// faithCaption is the longest form of r's caption line that fits width
// pixels in face.
func faithCaption(r *analysis.FaithfulnessReport, face font.Face, width int) string {
	return longestFitting(faithCaptionLines(r), face, width)
}
