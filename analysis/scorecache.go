package analysis

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"camviz/cam"
	"camviz/inference"
)

// scoreRuns keeps an analysis's ScoreCAM runs — every masked pass's
// logits — per layer and options, so that one run serves every class. It
// lives in the Analysis, which holds one image through one model: a new
// image or model is a new Analysis, which drops the runs with it.
type scoreRuns struct {
	mu   sync.Mutex
	runs map[string]*cam.ScoreRun
	// zero is the all-zero image's kept pass, made when a masked image
	// first needs it (zeroMu held while it is made).
	zeroMu sync.Mutex
	zero   *inference.ZeroPass
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

var _ cam.MaskBatcher = source{}

// MaskBatch is the model's batch for masked-input passes.
func (s source) MaskBatch() int { return s.a.Model.Net.MaskBatch() }

var _ cam.BoxedSource = source{}

// ForwardBoxed runs masked images through the network, each convolution
// only where the image's box reaches (inference.ZeroPass), where that
// pays (inference.Box.WindowPays). A batch where it pays for none runs as
// an ordinary batch and needs no zero pass: ScoreCAM's first, strongest
// channel usually does, so its partial map costs one pass, not two.
func (s source) ForwardBoxed() cam.BoxedFunc {
	plain := s.a.BatchForward()
	return func(ctx context.Context, in []float32, boxes []cam.Box) ([]float32, error) {
		_, h, w := s.a.Model.Net.InputSize()
		b := make([]inference.Box, len(boxes))
		whole := true
		for i, c := range boxes {
			b[i] = inference.Box{Y0: c.Y0, X0: c.X0, Y1: c.Y1, X1: c.X1}
			whole = whole && !b[i].WindowPays(h, w)
		}
		if whole {
			return plain(ctx, in, len(boxes))
		}
		z, err := s.a.zeroPass(ctx)
		if err != nil {
			return nil, err
		}
		return z.ScoresZeroOutside(ctx, in, b)
	}
}

var _ cam.ApartSource = source{}

// Apart says whether ForwardBoxed runs an image with box b through the
// zero pass's windows, so ScoreCAM batches it with others that do.
func (s source) Apart(b cam.Box) bool {
	_, h, w := s.a.Model.Net.InputSize()
	return inference.Box{Y0: b.Y0, X0: b.X0, Y1: b.Y1, X1: b.X1}.WindowPays(h, w)
}

// zeroPass is the analysis's all-zero pass, made on first use and kept
// with the analysis (the GC takes it with the image).
func (a *Analysis) zeroPass(ctx context.Context) (*inference.ZeroPass, error) {
	r := &a.scoreRuns
	r.zeroMu.Lock()
	defer r.zeroMu.Unlock()
	if r.zero == nil {
		z, err := a.Model.Net.ZeroPass(ctx)
		if err != nil {
			return nil, err
		}
		r.zero = z
	}
	return r.zero, nil
}
