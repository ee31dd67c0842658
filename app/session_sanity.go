package app

import (
	"context"
	"errors"
	"fmt"

	"camviz/analysis"
	"camviz/cam"
	"camviz/inference"
	"camviz/metrics"
)

// The sanity check of the map on screen, one of the panel's checks
// (session_trust.go runs them).

// RunSanity runs the sanity check for the map on screen, unless it is
// done (or running) already.
func (s *Session) RunSanity() error {
	return runTrust(s, s.sanityLane, &s.sanity, LaneSanity, s.sanityCheck)
}

// CancelSanity stops a running sanity check; nothing is kept of it.
func (s *Session) CancelSanity() { cancelTrust(s, s.sanityLane, &s.sanity, LaneSanity) }

// sanitySeed is the randomised weights' seed, `camviz sanity`'s default.
const sanitySeed = 0

// sanityCheck runs k's cascading randomisation.
func (s *Session) sanityCheck(ctx context.Context, gen uint64, a *analysis.Analysis, k trustKey, layer string) (*analysis.SanityResult, error) {
	if a.Model.ReadONNX == nil {
		return nil, errors.New("the model's ONNX file is not at hand, so its weights cannot be randomised")
	}
	onnx, err := a.Model.ReadONNX()
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
	req := k.request(layer)
	orig, err := finalMap(ctx, a, req)
	if err != nil {
		return nil, err
	}
	r := &analysis.SanityResult{Method: k.method, Layer: k.layer, Class: k.class, Seed: sanitySeed}
	label := "Sanity check: randomising weights"
	trustProgress(s, s.sanityLane, gen, &s.sanity, LaneSanity, Progress{Label: label, Total: len(params)})
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
		trustProgress(s, s.sanityLane, gen, &s.sanity, LaneSanity, Progress{Label: label, Done: i + 1, Total: len(params)})
	}
	r.Verdict = analysis.SanityVerdict(r.Final())
	return r, nil
}

// randomisedSimilarity recomputes req's map on a's input with nodes'
// weights randomised and compares it with orig.
func randomisedSimilarity(ctx context.Context, a *analysis.Analysis, onnx []byte, nodes []string, req analysis.MapRequest, orig metrics.Map) (sp, ss float64, err error) {
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
func finalMap(ctx context.Context, a *analysis.Analysis, req analysis.MapRequest) (metrics.Map, error) {
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
