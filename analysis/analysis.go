package analysis

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"camviz/inference"

	"gorgonia.org/tensor"
)

// Analysis is one image through one model: the kept forward pass and the
// gradients asked of it so far. Asking for another class or method at a
// layer already seen costs only a backward pass or nothing at all.
type Analysis struct {
	Model  *Model
	Input  *Input
	Scores []float32
	Probs  []float32

	pass *inference.Pass
	life life
	// forward is how long the analysing forward pass took, the prior
	// of the window's time estimates.
	forward time.Duration

	mu    sync.Mutex
	grads map[gradKey][]float32
	// inputGrads are input gradients by seed (and guided), see
	// source.InputGradients.
	inputGrads map[string]*tensor.Dense
	cache      mapCache
	faith      faithCache
	// scoreRuns: ScoreCAM's masked passes, kept for every class (scorecache.go)
	scoreRuns scoreRuns
}

type gradKey struct {
	layer string
	class int
}

// Prediction is one ranked class.
type Prediction struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Prob  float32 `json:"prob"`
	Score float32 `json:"score"`
}

// Analyze runs the forward pass and keeps it, timed.
func (m *Model) Analyze(ctx context.Context, in *Input) (*Analysis, error) {
	start := time.Now()
	m, err := m.sizedFor(in)
	if err != nil {
		return nil, err
	}
	p, err := m.Net.Forward(ctx, in.Tensor, true)
	if err != nil {
		return nil, err
	}
	forward := time.Since(start)
	if err := p.CheckFinite(); err != nil {
		return nil, err
	}
	scores := append([]float32(nil), p.Scores()...)
	return &Analysis{Model: m, Input: in, Scores: scores, Probs: p.Probs(), pass: p, forward: forward, grads: map[gradKey][]float32{}}, nil
}

// ForwardTime is how long the analysing forward pass took.
func (a *Analysis) ForwardTime() time.Duration { return a.forward }

// Top ranks the k most probable classes.
func (a *Analysis) Top(k int) []Prediction {
	idx := make([]int, len(a.Probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a.Probs[idx[i]] > a.Probs[idx[j]] })
	k = min(k, len(idx))
	out := make([]Prediction, k)
	for i := range out {
		c := idx[i]
		out[i] = Prediction{Class: c, Label: a.Model.Label(c), Prob: a.Probs[c], Score: a.Scores[c]}
	}
	return out
}

// Activation returns the layer's activations (C×H×W, batch 1) and shape.
func (a *Analysis) Activation(layer string) ([]float32, []int, error) {
	t, err := a.pass.Activation(layer)
	if err != nil {
		return nil, nil, err
	}
	return t.Data().([]float32), t.Shape(), nil
}

// Grad returns d score[class] / d layer, cached per (layer, class).
func (a *Analysis) Grad(ctx context.Context, layer string, class int) ([]float32, error) {
	key := gradKey{layer, class}
	a.mu.Lock()
	g, ok := a.grads[key]
	a.mu.Unlock()
	if ok {
		return g, nil
	}
	release, err := a.hold()
	if err != nil {
		return nil, err
	}
	defer release()
	t, err := a.pass.Grad(ctx, layer, class)
	if err != nil {
		return nil, err
	}
	g = t.Data().([]float32)
	a.mu.Lock()
	a.grads[key] = g
	a.mu.Unlock()
	return g, nil
}

// Pass is the kept forward pass, for methods that re-run part of the net.
func (a *Analysis) Pass() *inference.Pass { return a.pass }

// CheckClass validates a class index against the model.
func (a *Analysis) CheckClass(k int) error {
	if k < 0 || k >= len(a.Scores) {
		return fmt.Errorf("class %d is out of range: the model has %d classes", k, len(a.Scores))
	}
	return nil
}

// Close gives the forward pass's buffers back for reuse, once the calls
// using it have returned; later Map, Grad and Prefetch calls fail with
// ErrClosed (maps and gradients already returned stay valid). The window
// closes the analyses of a picture it replaces: a new pass then reuses
// their memory instead of faulting in fresh pages (on VGG16 that halved
// the time from a new image to its map).
func (a *Analysis) Close() {
	if a.life.close() {
		a.pass.Release()
	}
}

// ErrClosed says the analysis was closed: its picture was replaced.
var ErrClosed = errors.New("the picture was replaced")

// life counts the calls using an analysis's pass, so Close can wait for
// the last one.
type life struct {
	mu       sync.Mutex
	users    int
	closed   bool
	released bool
}

// use registers a user; false once closed.
func (l *life) use() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.users++
	return true
}

// done unregisters a user; true when the pass is now to be released.
func (l *life) done() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.users--
	return l.releaseLocked()
}

func (l *life) close() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return l.releaseLocked()
}

func (l *life) releaseLocked() bool {
	if l.closed && l.users == 0 && !l.released {
		l.released = true
		return true
	}
	return false
}

// hold keeps the pass alive until the returned function runs.
func (a *Analysis) hold() (func(), error) {
	if !a.life.use() {
		return nil, ErrClosed
	}
	return func() {
		if a.life.done() {
			a.pass.Release()
		}
	}, nil
}

// Prefetch computes the gradients of several classes at a layer in one
// backward pass and caches them, so switching among them later is a
// cache hit. The GUI calls it for the top classes after the first map.
func (a *Analysis) Prefetch(ctx context.Context, layer string, classes []int) error {
	var missing []int
	a.mu.Lock()
	for _, c := range classes {
		if _, ok := a.grads[gradKey{layer, c}]; !ok {
			missing = append(missing, c)
		}
	}
	a.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	release, err := a.hold()
	if err != nil {
		return err
	}
	defer release()
	gs, err := a.pass.Grads(ctx, layer, missing)
	if err != nil {
		return err
	}
	a.mu.Lock()
	for j, c := range missing {
		a.grads[gradKey{layer, c}] = gs[j].Data().([]float32)
	}
	a.mu.Unlock()
	return nil
}

// Ranking lists every class, most probable first.
func (a *Analysis) Ranking() []int {
	idx := make([]int, len(a.Probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a.Probs[idx[i]] > a.Probs[idx[j]] })
	return idx
}
