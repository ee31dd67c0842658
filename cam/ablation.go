package cam

import (
	"context"
	"fmt"
)

// DefaultBatch is the batch size of AblationCAM and ScoreCAM forward passes
// (pytorch-grad-cam's AblationCAM default; the golden ScoreCAM used it too).
const DefaultBatch = 32

// BatchFunc runs part of the network on n stacked inputs and returns their
// logits, n×numClasses values. For AblationWeights the inputs are n
// activation tensors of the layer (n×C×H×W) and the function runs the rest
// of the network; for ScoreWeights they are n images (n×3×H×W) and it runs
// the whole network. The input slice is reused between calls: copy it if it
// must outlive the call. It should return ctx.Err() promptly when ctx is
// cancelled.
type BatchFunc func(ctx context.Context, inputs []float32, n int) (logits []float32, err error)

// AblationWeights returns AblationCAM's channel weights
// w_k = (y − y_k)/y, where y is the class's raw logit for the unmodified
// activations a and y_k the logit with channel k of a ablated; tail runs
// the network from the layer to the logits (see BatchFunc). Channels are
// ablated in order, batch at a time (≤ 0 means DefaultBatch). progress, if
// not nil, is called after each batch with the number of channels done.
//
// The ablated value reproduces pytorch-grad-cam's AblationLayer exactly.
// When min(a) = 0 — always the case after a ReLU, as in VGG's feature
// layers — the channel is set to 0, as in the Ablation-CAM paper. Otherwise
// the reference sets it to "current minimum − 1e7" while it fills a batch
// in place, so the i-th item of every batch (from 0) gets
// min(a) − (i+1)·1e7 (computed step by step in float32); we do the same.
//
// The weights are float32 like the reference's; y = 0 makes them ±Inf or
// NaN, which Postprocess then reports. Memory: one batch of activations,
// batch×C×H×W float32 (51 MB for 32 × VGG16's 512×28×28).
func AblationWeights(ctx context.Context, a Maps, class int, y float32, batch int,
	tail BatchFunc, progress func(done, total int)) ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if class < 0 {
		return nil, fmt.Errorf("cam: invalid class %d", class)
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, a.C)
	fills := AblationFills(a, batch)
	size := len(a.Data)
	buf := make([]float32, batch*size)
	w := make([]float32, a.C)
	for k0 := 0; k0 < a.C; k0 += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, a.C-k0)
		for i := range n {
			item := buf[i*size : (i+1)*size]
			copy(item, a.Data)
			ch := item[(k0+i)*a.H*a.W : (k0+i+1)*a.H*a.W]
			for p := range ch {
				ch[p] = fills[k0+i]
			}
		}
		logits, err := tail(ctx, buf[:n*size], n)
		if err != nil {
			return nil, err
		}
		scores, err := classScores(logits, n, class)
		if err != nil {
			return nil, err
		}
		for i, yk := range scores {
			w[k0+i] = (y - yk) / y
		}
		if progress != nil {
			progress(k0+n, a.C)
		}
	}
	return w, nil
}

// AblationFills is the value AblationWeights puts in each ablated channel
// for a given batch size (see there): 0 when min(a) = 0, otherwise the
// reference's min(a) − (i+1)·1e7 for the i-th channel of its batch.
func AblationFills(a Maps, batch int) []float32 {
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, a.C)
	lo, _, _ := Range(a.Data)
	fills := make([]float32, a.C)
	for k0 := 0; k0 < a.C; k0 += batch {
		fill := lo
		for i := range min(batch, a.C-k0) {
			if lo != 0 {
				fill -= 1e7
			}
			fills[k0+i] = fill
		}
	}
	return fills
}

// AblationWeightsFrom turns the class's scores with each channel ablated
// (scores[k] for channel k) into AblationCAM's weights (y − y_k)/y, for a
// network runner that computes them all at once.
func AblationWeightsFrom(scores []float32, y float32) ([]float32, error) {
	if len(scores) == 0 {
		return nil, fmt.Errorf("cam: no ablation scores")
	}
	w := make([]float32, len(scores))
	for k, yk := range scores {
		w[k] = (y - yk) / y
	}
	return w, nil
}

// classScores picks the class's logit of each of the n rows of logits.
func classScores(logits []float32, n, class int) ([]float32, error) {
	if n <= 0 || len(logits)%n != 0 || len(logits) == 0 {
		return nil, fmt.Errorf("cam: %d logits for a batch of %d", len(logits), n)
	}
	classes := len(logits) / n
	if class >= classes {
		return nil, fmt.Errorf("cam: class %d out of range for %d classes", class, classes)
	}
	s := make([]float32, n)
	for i := range s {
		s[i] = logits[i*classes+class]
	}
	return s, nil
}
