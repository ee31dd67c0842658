package cam

import (
	"fmt"
	"math"
)

// ScoreRuns is a Source that keeps ScoreCAM's runs for its image: the
// method asks it before running the masked passes and gives it what it
// ran, so another class's map costs a softmax. The keeper owns the runs
// and drops them with the image or model they were run on.
type ScoreRuns interface {
	// ScoreRun is the kept run at layer with these options, or nil.
	ScoreRun(layer string, options map[string]float64) *ScoreRun
	// KeepScoreRun keeps a finished run.
	KeepScoreRun(layer string, options map[string]float64, r *ScoreRun)
}

// ScoreRun is every masked pass of one image at one layer: row k of
// Logits is the logits of the input masked by channel k. It serves every
// class (Weights); the per-channel scores are what other score-based
// methods can build on (ChannelScores).
type ScoreRun struct {
	C, Classes int
	Logits     []float32 // C × Classes
	// Passes is how many masked images went through the network; the
	// other channels shared a pass (an identical mask) or reused the
	// un-masked one.
	Passes int
}

// ChannelScores is the class's logit for each channel's masked input.
func (r *ScoreRun) ChannelScores(class int) ([]float32, error) {
	if class < 0 || class >= r.Classes {
		return nil, fmt.Errorf("cam: class %d out of range for %d classes", class, r.Classes)
	}
	s := make([]float32, r.C)
	for k := range s {
		s[k] = r.Logits[k*r.Classes+class]
	}
	return s, nil
}

// Weights is ScoreCAM's weights for class: softmax over k of the class's
// logit for channel k's masked input.
func (r *ScoreRun) Weights(class int) ([]float32, error) {
	s, err := r.ChannelScores(class)
	if err != nil {
		return nil, err
	}
	w := make([]float32, r.C)
	softmax(w, s)
	return w, nil
}

// softmax writes exp(s_k − max s)/Σ exp(s_j − max s) into dst, computed in
// float64. NaN scores make every weight NaN, as in the reference.
func softmax(dst, s []float32) {
	hi := math.Inf(-1)
	for _, v := range s {
		hi = max(hi, float64(v))
	}
	var sum float64
	for _, v := range s {
		sum += math.Exp(float64(v) - hi)
	}
	for i, v := range s {
		dst[i] = float32(math.Exp(float64(v)-hi) / sum)
	}
}
