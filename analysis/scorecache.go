package analysis

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"camviz/cam"
)

// scoreRuns keeps an analysis's ScoreCAM runs — every masked pass's
// logits — per layer and options, so that one run serves every class. It
// lives in the Analysis, which holds one image through one model: a new
// image or model is a new Analysis, which drops the runs with it.
type scoreRuns struct {
	mu   sync.Mutex
	runs map[string]*cam.ScoreRun
}

// scoreRunKey names a run by layer and options (sorted by name).
func scoreRunKey(layer string, options map[string]float64) string {
	names := make([]string, 0, len(options))
	for k := range options {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(layer)
	for _, k := range names {
		fmt.Fprintf(&b, "\x00%s=%g", k, options[k])
	}
	return b.String()
}

var _ cam.ScoreRuns = source{}

// ScoreRun is the analysis's kept ScoreCAM run, or nil.
func (s source) ScoreRun(layer string, options map[string]float64) *cam.ScoreRun {
	r := &s.a.scoreRuns
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[scoreRunKey(layer, options)]
}

// KeepScoreRun keeps a finished ScoreCAM run for the other classes.
func (s source) KeepScoreRun(layer string, options map[string]float64, run *cam.ScoreRun) {
	r := &s.a.scoreRuns
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[string]*cam.ScoreRun{}
	}
	r.runs[scoreRunKey(layer, options)] = run
}

// ScoreChannelLogits are the kept ScoreCAM run's logits of class for each
// channel's masked input at layer (with ScoreCAM's options), if a run was
// kept: what a score-based method can reuse instead of running the masked
// passes again.
func (a *Analysis) ScoreChannelLogits(layer string, options map[string]float64, class int) ([]float32, bool) {
	run := source{a}.ScoreRun(layer, options)
	if run == nil {
		return nil, false
	}
	s, err := run.ChannelScores(class)
	return s, err == nil
}
