package metrics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/integrate"
)

// Map is one W×H saliency map stored row-major; cam.Map and render.Field
// convert to it directly.
type Map struct {
	W, H int
	Data []float32
}

// Input is one normalised network input of C planes of H×W values,
// channel-major then row-major (an engine's [1,C,H,W] tensor); cam.Maps
// converts to it directly.
type Input struct {
	C, H, W int
	Data    []float32
}

func (x Input) validate() error {
	if x.C <= 0 || x.H <= 0 || x.W <= 0 {
		return fmt.Errorf("metrics: invalid input dimensions %d×%d×%d", x.C, x.H, x.W)
	}
	if len(x.Data) != x.C*x.H*x.W {
		return fmt.Errorf("metrics: input %d×%d×%d needs %d values, has %d", x.C, x.H, x.W, x.C*x.H*x.W, len(x.Data))
	}
	return nil
}

// Forward runs the network on n stacked inputs (n×C×H×W) and returns their
// logits, n×classes values; it has the shape of cam.BatchFunc. The input
// slice is reused between calls. It should return ctx.Err() promptly when
// ctx is cancelled.
type Forward func(ctx context.Context, inputs []float32, n int) (logits []float32, err error)

// Baseline names what a removed pixel becomes (the "substrate").
type Baseline string

const (
	// BaselineMean is the all-zero normalised tensor: the dataset's mean
	// colour. The default for deletion.
	BaselineMean Baseline = "mean"
	// BaselineBlur is the input blurred with a Gaussian of σ = 5 px per 224
	// pixels of the shorter side. The default for insertion.
	BaselineBlur Baseline = "blur"
)

// ParseBaseline returns the baseline called s ("mean" or "blur").
func ParseBaseline(s string) (Baseline, error) {
	switch b := Baseline(s); b {
	case BaselineMean, BaselineBlur:
		return b, nil
	}
	return "", fmt.Errorf("metrics: unknown baseline %q (want mean or blur)", s)
}

// Defaults.
const (
	DefaultSteps = 32
	DefaultBatch = 16
)

// Config says how Evaluate perturbs the input. The zero value means the
// defaults: 32 steps, batches of 16, deletion to the mean colour,
// insertion from the blurred input, tie seed 0.
type Config struct {
	// Steps is how many equal steps remove (or reveal) all pixels; the
	// curves have Steps+1 points. 0 means DefaultSteps.
	Steps int `json:"steps"`
	// Batch is how many images go through one forward call. 0 means
	// DefaultBatch. It does not change the results.
	Batch int `json:"-"`
	// Deletion and Insertion are the baselines; "" means mean and blur.
	Deletion  Baseline `json:"deletion_baseline"`
	Insertion Baseline `json:"insertion_baseline"`
	// BlurSigma is the blur baseline's σ in pixels; 0 means
	// 5·min(H,W)/224.
	BlurSigma float64 `json:"blur_sigma,omitempty"`
	// Seed seeds the random order of pixels with equal map values.
	Seed uint64 `json:"seed"`
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Steps == 0 {
		c.Steps = DefaultSteps
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Deletion == "" {
		c.Deletion = BaselineMean
	}
	if c.Insertion == "" {
		c.Insertion = BaselineBlur
	}
	return c
}

func (c Config) validate(pixels int) error {
	if c.Steps < 1 {
		return fmt.Errorf("metrics: %d steps (want at least 1)", c.Steps)
	}
	if c.Steps > pixels {
		return fmt.Errorf("metrics: %d steps for %d pixels: at most one step per pixel", c.Steps, pixels)
	}
	if c.Batch < 1 {
		return fmt.Errorf("metrics: batch %d (want at least 1)", c.Batch)
	}
	for _, b := range []Baseline{c.Deletion, c.Insertion} {
		if _, err := ParseBaseline(string(b)); err != nil {
			return err
		}
	}
	if !(c.BlurSigma >= 0) || math.IsInf(c.BlurSigma, 0) {
		return fmt.Errorf("metrics: blur sigma %v (want ≥ 0; 0 = the default)", c.BlurSigma)
	}
	return nil
}

// Curve is a deletion or insertion curve.
type Curve struct {
	Baseline Baseline `json:"baseline"`
	// Fractions are the shares of pixels removed (deletion) or revealed
	// (insertion) at each point: 0, …, 1, strictly increasing.
	Fractions []float64 `json:"fractions"`
	// Probs are the class probabilities at those points.
	Probs []float64 `json:"probs"`
	// AUC is the area under Probs over Fractions (trapezoid rule).
	AUC float64 `json:"auc"`
}

// Report is what Evaluate measured for one map.
type Report struct {
	Class int `json:"class"`
	// Prob is Y, the class probability on the unmodified input (the
	// deletion curve's first point).
	Prob float64 `json:"prob"`
	// Deletion falls from Prob as pixels are removed: lower AUC is better.
	Deletion Curve `json:"deletion"`
	// Insertion rises to Prob as pixels are revealed: higher AUC is better.
	Insertion Curve `json:"insertion"`
	// ExplanationProb is O, the class probability on x ⊙ map.
	ExplanationProb float64 `json:"explanation_prob"`
	// AverageDrop is max(0, Y−O)/Y·100, in percent (0 when Y is 0): lower
	// is better. Averaged over images it is the paper's Average Drop.
	AverageDrop float64 `json:"average_drop"`
	// IncreaseInConfidence is O > Y. The share of images where it holds
	// is the paper's Increase in Confidence: higher is better.
	IncreaseInConfidence bool `json:"increase_in_confidence"`
	// Passes is the number of images run through the network.
	Passes int `json:"passes"`
}

// Passes is the number of images Evaluate runs through the network for
// steps (0 = DefaultSteps): both curves and the explanation image.
func Passes(steps int) int {
	if steps == 0 {
		steps = DefaultSteps
	}
	return 2*(steps+1) + 1
}

// Evaluate measures map m of input x for class: the deletion and insertion
// curves and Average Drop / Increase in Confidence. m must have x's H×W
// size and values in [0,1] (a min-max normalised map; see package doc for
// why). It runs Passes(cfg.Steps) images through forward, cfg.Batch at a
// time, checking ctx before each batch; progress, if not nil, is called
// after each batch with the images done so far and the total. Memory: five
// copies of x plus one batch.
func Evaluate(ctx context.Context, x Input, m Map, class int, forward Forward, cfg Config, progress func(done, total int)) (*Report, error) {
	if err := checkEvaluate(x, m, class, forward); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if err := cfg.validate(x.H * x.W); err != nil {
		return nil, err
	}
	seq, err := newSequence(x, m, cfg)
	if err != nil {
		return nil, err
	}
	steps, total := cfg.Steps, Passes(cfg.Steps)
	probs, err := runPasses(ctx, x, seq.fill, total, cfg.Batch, forward, class, progress)
	if err != nil {
		return nil, err
	}
	r := &Report{
		Class:     class,
		Prob:      probs[0],
		Deletion:  Curve{Baseline: cfg.Deletion, Fractions: seq.fractions, Probs: probs[:steps+1]},
		Insertion: Curve{Baseline: cfg.Insertion, Fractions: slices.Clone(seq.fractions), Probs: probs[steps+1 : 2*steps+2]},
		Passes:    total,
	}
	r.Deletion.AUC = AUC(r.Deletion.Fractions, r.Deletion.Probs)
	r.Insertion.AUC = AUC(r.Insertion.Fractions, r.Insertion.Probs)
	r.ExplanationProb = probs[2*steps+2]
	r.AverageDrop, r.IncreaseInConfidence = Drop(r.Prob, r.ExplanationProb)
	return r, nil
}

// checkEvaluate checks Evaluate's arguments.
func checkEvaluate(x Input, m Map, class int, forward Forward) error {
	if err := x.validate(); err != nil {
		return err
	}
	if m.W != x.W || m.H != x.H || len(m.Data) != m.W*m.H {
		return fmt.Errorf("metrics: map %d×%d (%d values) does not fit the %d×%d input", m.W, m.H, len(m.Data), x.W, x.H)
	}
	for i, v := range m.Data {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("metrics: map value %v at pixel (%d,%d) is outside [0,1]: normalise the map first", v, i%m.W, i/m.W)
		}
	}
	if class < 0 {
		return fmt.Errorf("metrics: invalid class %d", class)
	}
	if forward == nil {
		return errors.New("metrics: no forward function")
	}
	return nil
}

// Drop returns Average Drop's per-image term max(0, y−o)/y·100 (0 when y
// is not positive) and Increase in Confidence's, o > y, for the class
// probability y on the image and o on the explanation image.
func Drop(y, o float64) (drop float64, increase bool) {
	if y > 0 {
		drop = max(0, y-o) / y * 100
	}
	return drop, o > y
}

// AUC is the area under the curve f(x) by the trapezoid rule. x must be
// strictly increasing and as long as f, with at least two points.
func AUC(x, f []float64) float64 { return integrate.Trapezoidal(x, f) }

// Order returns m's pixel indices by decreasing value, equal values in a
// random order seeded by seed (see the package doc); NaN sorts last.
func Order(m Map, seed uint64) []int32 {
	r := rand.New(rand.NewPCG(seed, 0x6d657472696373)) // "metrics"
	idx := make([]int32, len(m.Data))
	for i := range idx {
		idx[i] = int32(i)
	}
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	slices.SortStableFunc(idx, func(a, b int32) int {
		return cmp.Compare(m.Data[b], m.Data[a]) // decreasing; cmp puts NaN lowest
	})
	return idx
}

// classProbs returns the softmax probability of class in each of the n
// rows of logits, computed in float64.
func classProbs(logits []float32, n, class int) ([]float64, error) {
	if n <= 0 || len(logits) == 0 || len(logits)%n != 0 {
		return nil, fmt.Errorf("metrics: %d logits for a batch of %d", len(logits), n)
	}
	classes := len(logits) / n
	if class >= classes {
		return nil, fmt.Errorf("metrics: class %d is out of range for %d classes", class, classes)
	}
	out := make([]float64, n)
	for i := range out {
		row := logits[i*classes : (i+1)*classes]
		hi := math.Inf(-1)
		for _, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("metrics: the network gave a non-finite logit %v", v)
			}
			hi = max(hi, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - hi)
		}
		out[i] = math.Exp(float64(row[class])-hi) / sum
	}
	return out, nil
}
