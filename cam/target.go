package cam

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// A gradient method explains one scalar of the network's output, its
// target. Changing the target changes only the gradient seed: the vector
// s = d(target)/d(logits) that the backward pass starts from, so that the
// gradients at a layer are Σ_j s_j · d(logit_j)/dA. The methods themselves
// are unchanged (pytorch-grad-cam's utils/model_targets.py).

// TargetInfo describes one target of the -target option.
type TargetInfo struct {
	// Name is the public identifier (-target NAME).
	Name string
	// Description is one sentence on the scalar explained.
	Description string
	// seed writes d(target)/d(y) for class k into s, given the softmax p
	// of the logits y (float64, as the derivatives are formed).
	seed func(s, y, p []float64, k int)
}

// targets is the table of -target values, in help order.
var targets = [...]TargetInfo{
	{"logit", "The raw logit y_K of the class (pytorch-grad-cam's ClassifierOutputTarget).", seedLogit},
	{"prob", "The softmax probability p_K of the class (ClassifierOutputSoftmaxTarget).", seedProb},
	{"rest", "ReST: y_K − cross-entropy(y, K) = y_K + log p_K (ClassifierOutputReST).", seedReST},
	{"neg", "The negated logit −y_K: what speaks against the class (counterfactual map).", seedNeg},
}

// Targets returns every target, in help order.
func Targets() []TargetInfo {
	out := make([]TargetInfo, len(targets))
	copy(out, targets[:])
	return out
}

// Seed returns the gradient seed d(target)/d(logits) for the named target
// (see Targets) and class k, given the logits of one image:
//
//	logit: s_j = δ_jk
//	prob:  s_j = p_k·(δ_jk − p_j)          (p = softmax(y))
//	rest:  s_j = 2·δ_jk − p_j              (d/dy of y_k + log p_k)
//	neg:   s_j = −δ_jk
//
// Backpropagating s from the logits gives the gradients of the target at
// any layer; by linearity that is also Σ_j s_j·G_j for the per-class
// gradients G_j. The softmax is computed stably (max subtracted). An
// unknown name, a class out of range or a non-finite logit is an error.
func Seed(target string, logits []float32, k int) ([]float32, error) {
	var t *TargetInfo
	for i := range targets {
		if targets[i].Name == target {
			t = &targets[i]
		}
	}
	if t == nil {
		return nil, fmt.Errorf("cam: unknown target %q (want %s)", target, targetNames())
	}
	y, p, err := logitSoftmax(logits, k)
	if err != nil {
		return nil, err
	}
	s := make([]float64, len(y))
	t.seed(s, y, p, k)
	return toFloat32(s), nil
}

func seedLogit(s, _, _ []float64, k int) { s[k] = 1 }

func seedNeg(s, _, _ []float64, k int) { s[k] = -1 }

func seedProb(s, _, p []float64, k int) {
	for j := range s {
		s[j] = -p[k] * p[j]
	}
	s[k] += p[k]
}

func seedReST(s, _, p []float64, k int) {
	for j := range s {
		s[j] = -p[j]
	}
	s[k] += 2
}

// logitSoftmax checks the logits and class and returns them in float64 with
// their softmax.
func logitSoftmax(logits []float32, k int) (y, p []float64, err error) {
	if k < 0 || k >= len(logits) {
		return nil, nil, fmt.Errorf("cam: class %d is out of range: %d logits", k, len(logits))
	}
	y = make([]float64, len(logits))
	hi := math.Inf(-1)
	for j, v := range logits {
		y[j] = float64(v)
		if math.IsNaN(y[j]) || math.IsInf(y[j], 0) {
			return nil, nil, fmt.Errorf("cam: logit %d is %v", j, v)
		}
		hi = max(hi, y[j])
	}
	p = make([]float64, len(y))
	var z float64
	for j, v := range y {
		p[j] = math.Exp(v - hi)
		z += p[j]
	}
	for j := range p {
		p[j] /= z
	}
	return y, p, nil
}

func targetNames() string {
	n := make([]string, len(targets))
	for i, t := range targets {
		n[i] = t.Name
	}
	return strings.Join(n, ", ")
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// linearTarget reports whether the target is linear in the logits, so
// that its Hessian is the logits' own (logit, neg).
func linearTarget(target string) bool { return target == "" || target == "logit" || target == "neg" }

// SeedFor returns the gradient seed of p's target and class at src's
// logits ("" is the class's logit).
func SeedFor(src Source, p Params) ([]float32, error) {
	t := p.Target
	if t == "" {
		t = "logit"
	}
	return Seed(t, src.Logits(), p.Class)
}

// TargetGradients are the gradients of p's target at layer: the cached
// one-class gradient for the logit, one seeded backward pass otherwise.
func TargetGradients(ctx context.Context, src Source, layer string, p Params) (Maps, error) {
	if p.Target == "" || p.Target == "logit" {
		return src.Gradients(ctx, layer, p.Class)
	}
	seed, err := SeedFor(src, p)
	if err != nil {
		return Maps{}, err
	}
	return src.SeedGradients(ctx, layer, seed)
}
