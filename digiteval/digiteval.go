// Package digiteval measures the embedded default model on MNIST digit
// canvases (the numbers of `camviz localize` and of the README): its
// accuracy, the pointing game of every method — the map's peak inside the
// digit's ink box — and the methods' mean faithfulness against the random
// and centre baselines. It reads a model only through package app.
package digiteval

import (
	"context"
	"fmt"
	"image"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/digits"
	"camviz/metrics"
)

// Localization is how well one method's maps point at the digit the
// model was asked about (the pointing game: the map's peak, on the
// canvas's own pixels, falls inside the digit's ink box).
type Localization struct {
	Method   string
	Maps     int
	Hits     int
	MeanTime time.Duration // per map, on the cached forward pass
}

// Rate is the share of hits.
func (l Localization) Rate() float64 {
	if l.Maps == 0 {
		return 0
	}
	return float64(l.Hits) / float64(l.Maps)
}

// DigitAccuracy runs the model once on every canvas: single-digit
// canvases count when the top class is the digit, two-digit ones when the
// top two classes are the two digits.
func DigitAccuracy(ctx context.Context, m *analysis.Model, canvases []digits.Canvas) (singles, singleOK, doubles, doubleOK int, err error) {
	for i := range canvases {
		c := &canvases[i]
		a, err := analyzeCanvas(ctx, m, c, i)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		top := a.Top(2)
		a.Close()
		switch len(c.Labels) {
		case 1:
			singles++
			if top[0].Class == c.Labels[0] {
				singleOK++
			}
		case 2:
			doubles++
			if sameClasses(top[0].Class, top[1].Class, c.Labels[0], c.Labels[1]) {
				doubleOK++
			}
		}
	}
	return singles, singleOK, doubles, doubleOK, nil
}

func sameClasses(a, b, x, y int) bool { return (a == x && b == y) || (a == y && b == x) }

// PointingGame scores each method over every digit of every canvas: the
// map for that digit's class (at layer; "" = the model's default) must
// peak inside its box.
func PointingGame(ctx context.Context, m *analysis.Model, canvases []digits.Canvas, methods []string, layer string) ([]Localization, error) {
	out := make([]Localization, len(methods))
	total := make([]time.Duration, len(methods))
	for i := range methods {
		out[i].Method = methods[i]
	}
	for i := range canvases {
		c := &canvases[i]
		a, err := analyzeCanvas(ctx, m, c, i)
		if err != nil {
			return nil, err
		}
		for j, method := range methods {
			for k, class := range c.Labels {
				start := time.Now()
				lm, err := a.Map(ctx, analysis.MapRequest{Method: method, Class: class, Layer: layer})
				if err != nil {
					return nil, err
				}
				total[j] += time.Since(start)
				p, err := a.Place(lm, cam.MinMax, 0)
				if err != nil {
					return nil, err
				}
				out[j].Maps++
				if analysis.Peak(p).In(c.Boxes[k]) {
					out[j].Hits++
				}
			}
		}
		a.Close()
	}
	for j := range out {
		if out[j].Maps > 0 {
			out[j].MeanTime = total[j] / time.Duration(out[j].Maps)
		}
	}
	return out, nil
}

func analyzeCanvas(ctx context.Context, m *analysis.Model, c *digits.Canvas, i int) (*analysis.Analysis, error) {
	in, err := m.ImageInput(fmt.Sprintf("canvas %d", i), CanvasImage(c), "")
	if err != nil {
		return nil, err
	}
	return m.Analyze(ctx, in)
}

// CanvasImage is a digits canvas as the opaque grey picture a user would
// drop on the window.
func CanvasImage(c *digits.Canvas) *image.NRGBA {
	n := digits.CanvasSize
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for i, v := range c.Pix {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = v, v, v, 255
	}
	return img
}

// DigitCanvases draws n single-digit then d two-digit canvases from one
// seeded stream: the evaluation set of `camviz localize` and the tests.
func DigitCanvases(set *digits.Set, n, d int, seed uint64) (singles, doubles []digits.Canvas) {
	rng := digits.NewSplitMix64(seed)
	for i := 0; i < n; i++ {
		singles = append(singles, digits.Single(rng, set))
	}
	for i := 0; i < d; i++ {
		doubles = append(doubles, digits.Double(rng, set))
	}
	return singles, doubles
}

// Faithful is one method's mean faithfulness over canvases, next to the
// random and centre baselines measured on the same canvases and classes.
type Faithful struct {
	Method                          string
	Deletion, Insertion, Drop, Incr float64 // means; Incr is a share
	RandDeletion, RandInsertion     float64
	CenterDeletion, CenterInsertion float64
	Maps                            int
}

// DigitFaithfulness measures each method's map for every canvas's first
// digit (the true class) with the deletion/insertion curves, average drop
// and increase in confidence.
func DigitFaithfulness(ctx context.Context, m *analysis.Model, canvases []digits.Canvas, methods []string, cfg metrics.Config) ([]Faithful, error) {
	out := make([]Faithful, len(methods))
	for i := range canvases {
		c := &canvases[i]
		a, err := analyzeCanvas(ctx, m, c, i)
		if err != nil {
			return nil, err
		}
		for j, method := range methods {
			lm, err := a.Map(ctx, analysis.MapRequest{Method: method, Class: c.Labels[0]})
			if err != nil {
				return nil, err
			}
			r, err := a.Faithfulness(ctx, lm, cfg, nil)
			if err != nil {
				return nil, err
			}
			f := &out[j]
			f.Method = method
			f.Maps++
			f.Deletion += r.Map.Deletion.AUC
			f.Insertion += r.Map.Insertion.AUC
			f.Drop += r.Map.AverageDrop
			if r.Map.IncreaseInConfidence {
				f.Incr++
			}
			f.RandDeletion += r.Random.Deletion.AUC
			f.RandInsertion += r.Random.Insertion.AUC
			f.CenterDeletion += r.Center.Deletion.AUC
			f.CenterInsertion += r.Center.Insertion.AUC
		}
		a.Close()
	}
	for j := range out {
		if n := float64(out[j].Maps); n > 0 {
			f := &out[j]
			f.Deletion, f.Insertion, f.Drop, f.Incr = f.Deletion/n, f.Insertion/n, f.Drop/n, f.Incr/n
			f.RandDeletion, f.RandInsertion = f.RandDeletion/n, f.RandInsertion/n
			f.CenterDeletion, f.CenterInsertion = f.CenterDeletion/n, f.CenterInsertion/n
		}
	}
	return out, nil
}
