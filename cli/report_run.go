package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/export"
	"camviz/metrics"
)

// reportImageDone is called after each image is written; tests use it to
// interrupt a run at a known point.
var reportImageDone = func(ctx context.Context, done int) {}

// reportImageStart is called before each image is measured, with the
// contexts that the first and the second signal cancel; tests use it to
// signal the run at a known point.
var reportImageStart = func(stop, work context.Context, done int) {}

// run measures every image, writing as it goes, until stop is cancelled.
// An image that fails is listed and skipped; a report file that cannot be
// written ends the run.
func (r *reporter) run(stop, work context.Context, mode string) error {
	for _, in := range r.inputs {
		if stop.Err() != nil {
			return nil
		}
		reportImageStart(stop, work, len(r.images)+len(r.failed))
		kept := len(r.rows)
		if err := r.image(work, in, mode); err != nil {
			var we writeError
			switch {
			case work.Err() != nil:
				return nil // the rows of the image in progress are kept
			case errors.As(err, &we):
				return err
			}
			r.rows = r.rows[:kept]
			r.failed = append(r.failed, reportFailure{File: in.path, Index: in.index, Error: oneLine(err.Error())})
			if r.live {
				fmt.Fprint(r.errw, "\r\033[K")
			}
			fmt.Fprintf(r.errw, "camviz report: %s: %s\n", in.path, oneLine(err.Error()))
		}
		if err := r.writeSummaries(false); err != nil {
			return err
		}
		reportImageDone(stop, len(r.images))
	}
	return nil
}

// image measures one input: for each class the baselines, then each
// method; each row is shown as soon as it is measured, the grid written
// once the image is complete (the CSV, JSON and HTML follow in run).
func (r *reporter) image(ctx context.Context, input reportInput, mode string) error {
	m, path := r.model, input.path
	in, err := m.OpenInput(path, mode)
	if err != nil {
		return err
	}
	a, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	classes, err := r.opt.classes.resolve(a)
	if err != nil {
		return err
	}
	top := a.Top(1)[0]
	img := &reportImage{Path: path, Index: input.index, Top: fmt.Sprintf("%s p=%.3f", className(m, top.Class), top.Prob)}
	tag := fmt.Sprintf("[%d/%d] %s", len(r.images)+len(r.failed)+1, len(r.inputs), filepath.Base(path))
	// cells[row][col]: methods then baselines down, classes across.
	names := append(slices.Clone(r.opt.methods), analysis.BaselineNames()...)
	maps := make([][]*analysis.LayerMap, len(names))
	reps := make([][]*metrics.Report, len(names))
	for i := range names {
		maps[i] = make([]*analysis.LayerMap, len(classes))
		reps[i] = make([]*metrics.Report, len(classes))
	}
	for ci, k := range classes {
		for bi, b := range analysis.BaselineNames() {
			row := len(r.opt.methods) + bi
			start := time.Now()
			rep, err := a.BaselineFaithfulness(ctx, b, k, r.opt.cfg, r.progress(tag, b, k))
			if err != nil {
				return err
			}
			if maps[row][ci], err = a.BaselineLayerMap(b, k, r.opt.cfg); err != nil {
				return err
			}
			reps[row][ci] = rep
			tm, err := r.opt.trust.measure(ctx, a, maps[row][ci])
			if err != nil {
				return err
			}
			if err := r.emit(img, a, b, "", 0, rep, tm, time.Since(start)); err != nil {
				return err
			}
		}
		for mi, meth := range r.opt.methods {
			start := time.Now()
			lm, err := a.Map(ctx, analysis.MapRequest{Method: meth, Class: k, Layer: r.opt.layer, Layers: r.opt.layers, Options: r.opt.options})
			if err != nil {
				return err
			}
			f, err := a.Faithfulness(ctx, lm, r.opt.cfg, r.progress(tag, meth, k))
			if err != nil {
				return err
			}
			maps[mi][ci], reps[mi][ci] = lm, f.Map
			tm, err := r.opt.trust.measure(ctx, a, lm)
			if err != nil {
				return err
			}
			if err := r.emit(img, a, meth, lm.Layer, f.Flags, f.Map, tm, time.Since(start)); err != nil {
				return err
			}
		}
	}
	grid, err := r.grid(a, names, classes, maps, reps)
	if err != nil {
		return err
	}
	width := max(3, len(strconv.Itoa(r.total)))
	img.Grid = filepath.ToSlash(filepath.Join("grids", fmt.Sprintf("%0*d-%s.png", width, input.index+1, safeName(path))))
	gridPath := filepath.Join(r.opt.out, img.Grid)
	if err := export.WritePNG(gridPath, grid); err != nil {
		return writeError{err}
	}
	img.W, img.H = grid.Bounds().Dx(), grid.Bounds().Dy()
	r.images = append(r.images, img)
	return nil
}

// emit records one row and shows it.
func (r *reporter) emit(img *reportImage, a *analysis.Analysis, method, layer string, flags cam.Flags, rep *metrics.Report, tm map[string]float64, took time.Duration) error {
	row := &reportRow{
		Image: img.Path, Method: method, Class: rep.Class, Label: a.Model.Label(rep.Class), Prob: rep.Prob,
		DeletionAUC: rep.Deletion.AUC, InsertionAUC: rep.Insertion.AUC, AverageDrop: rep.AverageDrop,
		Increase: rep.IncreaseInConfidence, ExplanationProb: rep.ExplanationProb, Layer: layer, Flags: flags.String(),
		Seconds: took.Seconds(), Deletion: rep.Deletion.Probs, Insertion: rep.Insertion.Probs, Metrics: tm, report: rep,
	}
	img.rows = append(img.rows, row)
	r.rows = append(r.rows, row)
	if r.live {
		fmt.Fprint(r.errw, "\r\033[K")
	}
	inc := "no"
	if row.Increase {
		inc = "yes"
	}
	fmt.Fprintf(r.errw, "[%d/%d] %s  %-12s class %d “%s”  p=%.3f  deletion %.3f  insertion %.3f  drop %.1f%%  increase %s  (%.1f s)\n",
		len(r.images)+len(r.failed)+1, len(r.inputs), filepath.Base(img.Path), method, row.Class, row.Label, row.Prob,
		row.DeletionAUC, row.InsertionAUC, row.AverageDrop, inc, row.Seconds)
	return nil
}

// progress shows the forward passes of one measurement on a terminal.
func (r *reporter) progress(tag, method string, class int) func(done, total int) {
	if !r.live {
		return nil
	}
	return func(done, total int) {
		fmt.Fprintf(r.errw, "\r\033[K%s  %s class %d: %d/%d passes", tag, method, class, done, total)
	}
}

func (r *reporter) layerName() string {
	if r.opt.layer != "" {
		return r.opt.layer
	}
	return r.model.Layer
}

func reportConventions(cfg metrics.Config) map[string]string {
	return map[string]string{
		"probabilities":   "softmax of the logits, for the row's class",
		"deletion":        fmt.Sprintf("pixels replaced by the %s baseline in order of decreasing map value, %d equal steps; lower AUC is better", cfg.Deletion, cfg.Steps),
		"insertion":       fmt.Sprintf("pixels revealed from the %s baseline in the same order; higher AUC is better", cfg.Insertion),
		"baselines":       "mean: the all-zero normalised input (the dataset mean colour); blur: Gaussian blur of the input, σ = 5 px per 224 px",
		"ties":            fmt.Sprintf("equal map values are ordered by a random permutation (seed %d), not row by row", cfg.Seed),
		"average_drop":    "max(0, Y−O)/Y·100 with Y the probability on the input and O on input ⊙ map (normalised space: pixels pulled to the mean colour); lower is better",
		"increase":        "1 when O > Y; the mean over rows is the Increase in Confidence (%); higher is better",
		"map":             "each method's map post-processed like pytorch-grad-cam (ReLU, min-max) at the input size",
		"random / center": "chance baselines: uniform noise and a centred Gaussian (σ = side/4)",
	}
}
