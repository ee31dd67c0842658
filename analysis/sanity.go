package analysis

import (
	"context"
	"errors"
	"fmt"

	"camviz/cam"
	"camviz/inference"
	"camviz/metrics"
)

// Sanity runs the cascading randomisation of req's map (Adebayo et al.):
// the network's Conv and Gemm weights are randomised from the top layer
// down, seeded, and after each the map is computed again and compared
// with the original (Spearman rank correlation and SSIM of the min-max
// maps at the input size). progress, if not nil, hears the layers done of
// the total, first before any.
func (a *Analysis) Sanity(ctx context.Context, req MapRequest, seed uint64, progress func(done, total int)) (*SanityResult, error) {
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
	lm, orig, err := finalMap(ctx, a, req)
	if err != nil {
		return nil, err
	}
	r := &SanityResult{Method: lm.Method, Layer: lm.Layer, Class: lm.Class, Seed: seed}
	if progress != nil {
		progress(0, len(params))
	}
	var nodes []string
	for i, p := range params {
		nodes = append(nodes, p.Node)
		sp, ss, err := randomisedSimilarity(ctx, a, onnx, nodes, seed, req, orig)
		if err != nil {
			return nil, fmt.Errorf("randomised down to %s: %w", p.Node, err)
		}
		r.Layers = append(r.Layers, p.Node)
		r.Similarity = append(r.Similarity, sp)
		r.SSIM = append(r.SSIM, ss)
		if progress != nil {
			progress(i+1, len(params))
		}
	}
	r.Verdict = SanityVerdict(r.Final())
	return r, nil
}

// randomisedSimilarity recomputes req's map on a's input with nodes'
// weights randomised and compares it with orig.
func randomisedSimilarity(ctx context.Context, a *Analysis, onnx []byte, nodes []string, seed uint64, req MapRequest, orig metrics.Map) (sp, ss float64, err error) {
	net, err := inference.RandomizedNet(onnx, nodes, seed)
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
	_, m, err := finalMap(ctx, ra, req)
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

// finalMap is req's map and its min-max map at the input size, as
// `camviz sanity` compares them.
func finalMap(ctx context.Context, a *Analysis, req MapRequest) (*LayerMap, metrics.Map, error) {
	lm, err := a.Map(ctx, req)
	if err != nil {
		return nil, metrics.Map{}, err
	}
	_, h, w := a.Model.Net.InputSize()
	f, _, err := lm.Final(w, h, cam.MinMax, 0)
	if err != nil {
		return nil, metrics.Map{}, err
	}
	return lm, metrics.Map(f), nil
}
