package metrics

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// ROADPercentiles are the percentiles ROAD's combined score averages
// over, pytorch-grad-cam's default.
var ROADPercentiles = []float64{10, 20, 30, 40, 50, 60, 70, 80, 90}

// Default single-percentile ROAD settings, pytorch-grad-cam's.
const (
	DefaultMoRFPercentile = 80
	DefaultLeRFPercentile = 20
)

// ROADConfig says how ROAD perturbs the input. The zero value means
// pytorch-grad-cam's percentiles (MoRF 80, LeRF 20, combined over 10…90)
// with no imputation noise (the reference's default noise is
// DefaultROADNoise). An empty, non-nil Percentiles skips the combined
// score (and its 18 imputations).
type ROADConfig struct {
	MoRFPercentile float64   `json:"morf_percentile"`
	LeRFPercentile float64   `json:"lerf_percentile"`
	Percentiles    []float64 `json:"percentiles"`
	Imputer        Imputer   `json:"imputer"`
}

// ROADReport holds the ROAD scores of one map, each a change of the
// target's raw logit, imputed minus original.
type ROADReport struct {
	// MoRF: the most relevant pixels removed, those at or above the
	// MoRFPercentile-th percentile of the map. Lower (a larger drop) is
	// better.
	MoRF float64 `json:"road_morf"`
	// LeRF: the least relevant pixels removed, those at or below the
	// (100−LeRFPercentile)-th percentile. Higher (a smaller drop) is
	// better.
	LeRF float64 `json:"road_lerf"`
	// Combined is (mean LeRF − mean MoRF)/2 over Percentiles: higher is
	// better.
	Combined float64 `json:"road_combined"`
	// Passes is the number of images run through the network.
	Passes int `json:"passes"`
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c ROADConfig) WithDefaults() ROADConfig {
	if c.MoRFPercentile == 0 {
		c.MoRFPercentile = DefaultMoRFPercentile
	}
	if c.LeRFPercentile == 0 {
		c.LeRFPercentile = DefaultLeRFPercentile
	}
	if c.Percentiles == nil {
		c.Percentiles = ROADPercentiles
	}
	return c
}

// Percentile is numpy's np.percentile(v, p) with its default linear
// interpolation: sorted, the value at rank p/100·(n−1), interpolated
// between its two neighbours, rounded to float32 as numpy returns it for
// float32 data. p is in [0,100]; v must not be empty.
func Percentile(v []float32, p float64) float32 {
	s := slices.Clone(v)
	slices.Sort(s)
	rank := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(s)-1)
	t := rank - float64(lo)
	return float32(float64(s[lo]) + t*(float64(s[hi])-float64(s[lo])))
}

// RemovalMask is the set of pixels ROAD removes from map m at percentile
// p, as pytorch-grad-cam's RemoveMostRelevantFirst /
// RemoveLeastRelevantFirst decide it: most relevant first removes every
// pixel with m ≥ Percentile(m, p); least relevant first does the same on
// 1 − m (computed in float32), removing every pixel with
// 1 − m ≥ Percentile(1 − m, p).
func RemovalMask(m Map, p float64, mostRelevant bool) []bool {
	v := m.Data
	if !mostRelevant {
		v = make([]float32, len(m.Data))
		for i, x := range m.Data {
			v[i] = 1 - x
		}
	}
	thr := Percentile(v, p)
	out := make([]bool, len(v))
	for i, x := range v {
		out[i] = !(x < thr)
	}
	return out
}

// ROAD measures map m of input x for class with Remove And Debias
// (pytorch-grad-cam's ROADMostRelevantFirst, ROADLeastRelevantFirst and
// ROADCombined): for each percentile, the pixels RemovalMask picks are
// replaced by cfg.Imputer's noisy linear imputation and the class's raw
// logit on the result is compared with the logit on x. m must have x's
// H×W size; pytorch-grad-cam passes the final min-max map. The imputed
// images and x go through forward DefaultBatch at a time, ctx checked
// before each batch; 2·len(Percentiles)+1 images in all (the single
// percentiles are reused when they are in the list, as the defaults are).
func ROAD(ctx context.Context, x Input, m Map, class int, forward Forward, cfg ROADConfig) (*ROADReport, error) {
	cfg = cfg.WithDefaults()
	if err := checkMap(x, m); err != nil {
		return nil, err
	}
	type job struct {
		p    float64
		morf bool
	}
	var jobs []job
	add := func(j job) {
		if !slices.Contains(jobs, j) {
			jobs = append(jobs, j)
		}
	}
	for _, p := range append(slices.Clone(cfg.Percentiles), cfg.MoRFPercentile, cfg.LeRFPercentile) {
		if !(p >= 0 && p <= 100) {
			return nil, fmt.Errorf("metrics: ROAD percentile %v is outside [0,100]", p)
		}
	}
	for _, p := range cfg.Percentiles {
		add(job{p, true})
		add(job{p, false})
	}
	add(job{cfg.MoRFPercentile, true})
	add(job{cfg.LeRFPercentile, false})

	images := [][]float32{x.Data}
	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		im, err := cfg.Imputer.Impute(x, RemovalMask(m, j.p, j.morf), uint64(i))
		if err != nil {
			return nil, err
		}
		images = append(images, im.Data)
	}
	logits, err := classLogits(ctx, forward, images, x.C*x.H*x.W, class)
	if err != nil {
		return nil, err
	}
	change := func(j job) float64 {
		return float64(float32(logits[1+slices.Index(jobs, j)]) - float32(logits[0]))
	}
	r := &ROADReport{MoRF: change(job{cfg.MoRFPercentile, true}), LeRF: change(job{cfg.LeRFPercentile, false}), Passes: len(images)}
	if n := len(cfg.Percentiles); n > 0 {
		var morf, lerf float64
		for _, p := range cfg.Percentiles {
			morf += change(job{p, true})
			lerf += change(job{p, false})
		}
		r.Combined = (lerf/float64(n) - morf/float64(n)) / 2
	}
	return r, nil
}

// CamMultConfidenceChange is pytorch-grad-cam's
// CamMultImageConfidenceChange: the class's raw logit on x ⊙ m (every
// channel of the normalised input times the map) minus its logit on x.
// m must have x's H×W size, values in [0,1] (the final min-max map).
// Higher is better.
func CamMultConfidenceChange(ctx context.Context, x Input, m Map, class int, forward Forward) (float64, error) {
	if err := checkMap(x, m); err != nil {
		return 0, err
	}
	plane := x.H * x.W
	mult := make([]float32, len(x.Data))
	for c := range x.C {
		for p, w := range m.Data {
			mult[c*plane+p] = x.Data[c*plane+p] * w
		}
	}
	l, err := classLogits(ctx, forward, [][]float32{x.Data, mult}, len(x.Data), class)
	if err != nil {
		return 0, err
	}
	return float64(float32(l[1]) - float32(l[0])), nil
}

func checkMap(x Input, m Map) error {
	if err := x.validate(); err != nil {
		return err
	}
	if m.W != x.W || m.H != x.H || len(m.Data) != m.W*m.H {
		return fmt.Errorf("metrics: map %d×%d (%d values) does not fit the %d×%d input", m.W, m.H, len(m.Data), x.W, x.H)
	}
	return nil
}

// classLogits runs images (each size values) through forward, DefaultBatch
// at a time, and returns the class's logit for each.
func classLogits(ctx context.Context, forward Forward, images [][]float32, size, class int) ([]float64, error) {
	out := make([]float64, 0, len(images))
	buf := make([]float32, min(DefaultBatch, len(images))*size)
	for i0 := 0; i0 < len(images); i0 += DefaultBatch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(DefaultBatch, len(images)-i0)
		for i := range n {
			copy(buf[i*size:], images[i0+i])
		}
		logits, err := forward(ctx, buf[:n*size], n)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if len(logits) == 0 || len(logits)%n != 0 {
			return nil, fmt.Errorf("metrics: %d logits for a batch of %d", len(logits), n)
		}
		classes := len(logits) / n
		if class < 0 || class >= classes {
			return nil, fmt.Errorf("metrics: class %d is out of range for %d classes", class, classes)
		}
		for i := range n {
			v := logits[i*classes+class]
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("metrics: the network gave a non-finite logit %v", v)
			}
			out = append(out, float64(v))
		}
	}
	return out, nil
}
