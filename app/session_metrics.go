package app

import (
	"context"
	"fmt"
	"strings"

	"camviz/cam"
	"camviz/metrics"

	"golang.org/x/image/font"
)

// The window's faithfulness panel: once the user turns measuring on
// (SetMeasure), every map committed for a new (analysis, method, layer,
// class) is measured in the metrics lane with (*Analysis).Faithfulness.
// The map lane goes first: a measurement starts only after the map it
// measures is on screen, and any change of what it measures cancels it
// at once, so it never holds a map back. A measurement is kept only
// while it is for the current selection; a stale one is never shown or
// exported.

// faithTarget is what one measurement measures.
type faithTarget struct {
	a             *Analysis
	method, layer string // layer: the one the map was computed at
	class         int
}

// faithResult is a finished measurement: a report or why there is none.
type faithResult struct {
	target faithTarget
	report *FaithfulnessReport
	err    string
}

// FaithState is the faithfulness panel's part of the state.
type FaithState struct {
	// On: the user asked for measurements (SetMeasure).
	On bool
	// Config is how maps are measured (defaults applied).
	Config metrics.Config
	// Report measures the current selection's map (class A's while
	// comparing): nil until it is measured, and again as soon as the
	// selection moves to another map. Analysis is the analysis measured.
	Report   *FaithfulnessReport
	Analysis *Analysis
	// Err is why the current map could not be measured.
	Err string
	// Measuring: a measurement of the current map is running, Done of
	// Total forward passes (Total 0 until the first batch is done).
	Measuring   bool
	Done, Total int
}

// faithSame reports whether two selections ask for the same measurement.
func faithSame(a, b Selection) bool {
	return a.Method == b.Method && a.Class == b.Class && a.Layer == b.Layer && a.Mode == b.Mode &&
		a.Options == b.Options && a.ExtraLayers == b.ExtraLayers
}

func (s *Session) faithConfig() metrics.Config { return s.opts.Faithfulness.WithDefaults() }

// SetMeasure turns faithfulness measuring on or off. On, the current map
// is measured as soon as it is on screen, and every later one too; off
// cancels a running measurement.
func (s *Session) SetMeasure(on bool) {
	s.mu.Lock()
	if s.measure == on {
		s.mu.Unlock()
		return
	}
	s.measure = on
	if on {
		s.kickMetricsLocked()
	} else {
		s.dropFaithLocked()
	}
	s.mu.Unlock()
	s.changed()
}

// dropFaithLocked forgets the measurement and cancels a running one: what
// it measures is no longer on screen.
func (s *Session) dropFaithLocked() {
	s.metricsLane.Cancel()
	s.faith = nil
	s.faithRun = faithTarget{}
	delete(s.busy, LaneMetrics)
}

// kickMetricsLocked starts measuring the view on screen if measuring is
// on, the view is final and for the current selection, and it is not
// measured (or being measured) already.
func (s *Session) kickMetricsLocked() {
	v := s.view
	if !s.measure || s.analysis == nil || v == nil || v.Partial || v.Analysis != s.analysis || !faithSame(v.Sel, s.sel) {
		return
	}
	t := faithTarget{a: s.analysis, method: v.Method.Name, layer: v.Layer, class: v.Sel.Class}
	if (s.faith != nil && s.faith.target == t) || s.faithRun == t {
		return
	}
	s.faith = nil
	s.faithRun = t
	sel := v.Sel
	s.metricsLane.Submit(func(ctx context.Context, gen uint64) { s.runMetrics(ctx, gen, t, sel) })
}

func (s *Session) runMetrics(ctx context.Context, gen uint64, t faithTarget, sel Selection) {
	const label = "Measuring faithfulness"
	s.setBusy(s.metricsLane, gen, Progress{Lane: LaneMetrics, Label: label + "…"})
	// The map is in the analysis's cache: the map lane just drew it.
	req := sel.mapRequest() // the map on screen: its options and layers too
	req.Method, req.Class = t.method, t.class
	lm, err := t.a.Map(ctx, req)
	var r *FaithfulnessReport
	if err == nil {
		r, err = t.a.Faithfulness(ctx, lm, s.opts.Faithfulness, func(done, total int) {
			s.setBusy(s.metricsLane, gen, Progress{Lane: LaneMetrics, Label: label, Done: done, Total: total})
		})
	}
	s.mu.Lock()
	if !s.metricsLane.Current(gen) {
		// Superseded or dropped: whoever did it owns the state.
		s.mu.Unlock()
		return
	}
	delete(s.busy, LaneMetrics)
	s.faithRun = faithTarget{}
	if ctx.Err() == nil && s.measure && s.analysis == t.a && faithSame(sel, s.sel) {
		res := &faithResult{target: t, report: r}
		if err != nil {
			res.report, res.err = nil, oneLine(err.Error())
		}
		s.faith = res
		if s.onFaith != nil {
			s.onFaith(res, s.sel)
		}
	}
	s.mu.Unlock()
	s.changed()
}

// faithStateLocked is State's FaithState.
func (s *Session) faithStateLocked() FaithState {
	fs := FaithState{On: s.measure, Config: s.faithConfig()}
	if f := s.faith; f != nil && s.measure {
		fs.Report, fs.Analysis, fs.Err = f.report, f.target.a, f.err
	}
	if p, ok := s.busy[LaneMetrics]; ok {
		fs.Measuring, fs.Done, fs.Total = true, p.Done, p.Total
	}
	return fs
}

// faithForLocked is the measurement of lm's map of a, if measuring is on
// and it is ready.
func (s *Session) faithForLocked(a *Analysis, method, layer string, class int) *FaithfulnessReport {
	f := s.faith
	if !s.measure || f == nil || f.report == nil || f.target != (faithTarget{a: a, method: method, layer: layer, class: class}) {
		return nil
	}
	return f.report
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
func NewFaithFacts(r *FaithfulnessReport, cfg metrics.Config) *FaithFacts {
	cfg = cfg.WithDefaults()
	f := &FaithFacts{Method: r.Method, Layer: r.Layer, Class: r.Class, Prob: r.Map.Prob, Steps: cfg.Steps,
		DeletionBaseline: cfg.Deletion, InsertionBaseline: cfg.Insertion, Seed: cfg.Seed,
		FaithNumbers: Numbers(r.Map), Verdict: r.Verdict()}
	f.Baselines.Random = Numbers(r.Random)
	f.Baselines.Center = Numbers(r.Center)
	return f
}

// Verdict says in plain words whether the map beats the random baseline
// on the deletion and insertion curves, and the centre one.
func (r *FaithfulnessReport) Verdict() string { return strings.Join(r.VerdictLines(), "; ") }

// VerdictLines are Verdict's parts: how the map does against random, then
// against the centre blob, after a note when the map is empty.
func (r *FaithfulnessReport) VerdictLines() []string {
	var out []string
	if r.Flags&(cam.NonPositive|cam.Flat) != 0 {
		out = append(out, "the map is empty: it ranks pixels at random")
	}
	switch del, ins := r.beats(r.Random); {
	case del && ins:
		out = append(out, "beats random on both curves")
	case del:
		out = append(out, "beats random on deletion, not on insertion")
	case ins:
		out = append(out, "beats random on insertion, not on deletion")
	default:
		out = append(out, "no better than random on either curve")
	}
	switch del, ins := r.beats(r.Center); {
	case del && ins:
		out = append(out, "beats the centre blob on both curves")
	case del:
		out = append(out, "beats the centre blob on deletion only")
	case ins:
		out = append(out, "beats the centre blob on insertion only")
	default:
		out = append(out, "no better than the centre blob")
	}
	return out
}

// beats reports whether the map's deletion AUC is lower than base's and
// its insertion AUC higher.
func (r *FaithfulnessReport) beats(base *metrics.Report) (del, ins bool) {
	return r.Map.Deletion.AUC < base.Deletion.AUC, r.Map.Insertion.AUC > base.Insertion.AUC
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// faithCaptionLines are the forms of the caption line, longest first:
// the map's four numbers, the random baseline's in brackets.
func faithCaptionLines(r *FaithfulnessReport) []string {
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
func faithCaption(r *FaithfulnessReport, face font.Face, width int) string {
	return longestFitting(faithCaptionLines(r), face, width)
}
