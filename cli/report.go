package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/metrics"
	"camviz/render"
)

func init() {
	register(command{
		name: "report",
		usage: "report [-model M.onnx] [-labels L.txt] [-methods LIST|all] [-classes top1|topK|LIST] [-layer TENSOR[,TENSOR…]] [-steps N]\n" +
			"           [-batch N] [-seed N] [-deletion mean|blur] [-insertion mean|blur] [-cell PX] [-shard K/N]\n" +
			"           [-metrics road-morf,road-lerf,road-combined,cam-mult] [-road-noise 0.01] [-road-morf-percentile 80]\n" +
			"           [-road-lerf-percentile 20] [the methods' options: -target, -eigen-smooth, -samples, … (camviz methods)]\n" +
			"           -out DIR INPUT...\n" +
			"  camviz report -merge OUT SHARD_DIR...",
		help: "faithfulness report over images (files or folders): deletion/insertion AUC, average drop and increase in confidence\n" +
			"      per image × method × class against random and centre baselines; writes DIR/metrics.csv, metrics.json,\n" +
			"      index.html and a PNG grid per image; images that fail are listed and skipped (exit 1); Ctrl-C or SIGTERM\n" +
			"      stops after the current image, a second one at once; -shard K/N measures every N-th of the sorted inputs\n" +
			"      from K, -merge joins the shards' folders into one report",
		run: report,
	})
}

// reportColumns are metrics.csv's columns; the first nine are the
// contract, the rest may grow.
var reportColumns = []string{
	"image", "method", "class", "label", "prob", "deletion_auc", "insertion_auc", "average_drop", "increase_in_confidence",
	"explanation_prob", "layer", "flags", "seconds", "road_morf", "road_lerf", "road_combined", "cam_mult",
}

// imageExts are the files a folder INPUT contributes (explicit files may
// be anything the model can open, .npy tensors included).
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".webp": true, ".tif": true, ".tiff": true}

type reportRow struct {
	Image           string    `json:"image"`
	Method          string    `json:"method"`
	Class           int       `json:"class"`
	Label           string    `json:"label"`
	Prob            float64   `json:"prob"`
	DeletionAUC     float64   `json:"deletion_auc"`
	InsertionAUC    float64   `json:"insertion_auc"`
	AverageDrop     float64   `json:"average_drop"`
	Increase        bool      `json:"increase_in_confidence"`
	ExplanationProb float64   `json:"explanation_prob"`
	Layer           string    `json:"layer,omitempty"`
	Flags           string    `json:"flags,omitempty"`
	Seconds         float64   `json:"seconds"`
	Deletion        []float64 `json:"deletion_curve"`
	Insertion       []float64 `json:"insertion_curve"`
	// Metrics are the -metrics asked (ROAD, CAM-mult), by JSON key.
	Metrics map[string]float64 `json:"metrics,omitempty"`

	report *metrics.Report
}

func (r *reportRow) csv() []string {
	inc := "0"
	if r.Increase {
		inc = "1"
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	out := []string{r.Image, r.Method, strconv.Itoa(r.Class), r.Label, g(r.Prob), g(r.DeletionAUC), g(r.InsertionAUC),
		g(r.AverageDrop), inc, g(r.ExplanationProb), r.Layer, r.Flags, strconv.FormatFloat(r.Seconds, 'f', 3, 64)}
	for _, k := range reportColumns[len(out):] {
		v, ok := r.Metrics[k]
		if !ok {
			out = append(out, "")
			continue
		}
		out = append(out, g(v))
	}
	return out
}

// reportImage is one input's entry in index.html and metrics.json.
type reportImage struct {
	Path string `json:"image"`
	// Index is the image's place in the run's whole input list (before
	// -shard picks its part): it orders a merged report and names grids.
	Index int    `json:"index"`
	Grid  string `json:"grid,omitempty"` // relative to DIR
	W     int    `json:"grid_width,omitempty"`
	H     int    `json:"grid_height,omitempty"`
	Top   string `json:"top"`
	rows  []*reportRow
}

type reportOptions struct {
	methods []string
	classes classSpec
	layer   string
	layers  []string     // -layer A,B: several, fused
	options cam.Settings // the methods' options (methodFlags)
	cfg     metrics.Config
	cell    int
	overlay compose.OverlayOptions
	out     string
	trust   trustFlags
}

// reporter is one run's state: what is done and the files it goes to.
type reporter struct {
	e      *env
	errw   io.Writer // stderr, safe for the signal watcher to write to
	opt    reportOptions
	model  *analysis.Model
	inputs []reportInput
	total  int // the whole input list's length, for grid names
	shard  shardSpec
	images []*reportImage
	rows   []*reportRow
	failed []reportFailure
	live   bool // stderr is a terminal: show passes as they go
	start  time.Time
}

// reportInput is one file to measure and its place in the whole list.
type reportInput struct {
	path  string
	index int
}

// reportFailure is an image that could not be measured.
type reportFailure struct {
	File  string `json:"file"`
	Index int    `json:"index"`
	Error string `json:"error"`
}

// writeError marks a failure to write the report itself, which stops the
// run (unlike a bad image, which is listed and skipped).
type writeError struct{ err error }

func (w writeError) Error() string { return w.err.Error() }
func (w writeError) Unwrap() error { return w.err }

func report(e *env, args []string) error {
	fs := newFlags("report")
	var mf modelFlags
	mf.add(fs)
	methodList := fs.String("methods", cam.DefaultMethod, "comma-separated CAM methods, or all (the random and center baselines are always added)")
	classList := fs.String("classes", "top1", "top1, topK (the K most probable), or a comma-separated list of indices or labels (give the index for a label with a comma)")
	layer := fs.String("layer", "", "target layer tensor; several (A,B,…) are fused (default: the model's)")
	steps := fs.Int("steps", metrics.DefaultSteps, "deletion/insertion steps (curves have N+1 points; 2·(N+1)+1 forward passes per map)")
	batch := fs.Int("batch", metrics.DefaultBatch, "images per forward pass (and, when given, the masked-input methods' batch)")
	seed := fs.Uint64("seed", 0, "seed of the random baseline map, of the order of tied pixels and, when given, of the methods' generators (randomcam, sscam, …)")
	deletion := fs.String("deletion", string(metrics.BaselineMean), "deletion baseline: mean (the dataset mean colour) or blur")
	insertion := fs.String("insertion", string(metrics.BaselineBlur), "insertion baseline: blur (σ = 5 px at 224) or mean")
	cell := fs.Int("cell", 256, "longest side of each overlay in the grids, in pixels")
	cmap := fs.String("colormap", render.DefaultColormap, "colour map of the grids: "+render.ColormapNames())
	alpha := fs.Float64("alpha", 0.5, "heatmap opacity in the grids, 0–1")
	out := fs.String("out", "", "output folder (created; the files of an earlier report in it are replaced)")
	var tf trustFlags
	tf.add(fs, "")
	shardFlag := fs.String("shard", "", "K/N: measure only every N-th input starting at K (0 ≤ K < N) of the sorted input list, for one job of an array")
	merge := fs.String("merge", "", "OUT: merge the shard folders given as INPUT into one report in OUT")
	var optf methodFlags
	optf.add(fs, "seed", "batch")
	inputs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *merge != "" {
		return reportMerge(e, fs, *merge, inputs)
	}
	if err := tf.parse(); err != nil {
		return err
	}
	tf.names = slices.DeleteFunc(tf.names, func(n string) bool { return !strings.HasPrefix(tf.key(n), "road_") && n != "cam-mult" }) // the rest are columns already
	shard, err := parseShard(*shardFlag)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return errors.New("no INPUT given (image files, .npy tensors or folders)")
	}
	if *out == "" {
		return errors.New("-out DIR is required")
	}
	if *steps < 1 {
		return errors.New("-steps must be at least 1")
	}
	if *batch < 1 {
		return errors.New("-batch must be at least 1")
	}
	if *cell < 16 {
		return errors.New("-cell must be at least 16 pixels")
	}
	opt := reportOptions{layer: *layer, cell: *cell, out: *out, trust: tf,
		cfg: metrics.Config{Steps: *steps, Batch: *batch, Seed: *seed}}
	if opt.cfg.Deletion, err = metrics.ParseBaseline(*deletion); err != nil {
		return fmt.Errorf("-deletion: %w", err)
	}
	if opt.cfg.Insertion, err = metrics.ParseBaseline(*insertion); err != nil {
		return fmt.Errorf("-insertion: %w", err)
	}
	if opt.overlay, err = compose.ParseOverlayOptions(*cmap, *alpha, cam.MinMax); err != nil {
		return err
	}
	if opt.classes, err = parseClassSpec(*classList); err != nil {
		return err
	}
	return runReport(e, opt, mf, inputs, shard, *methodList, fs, &optf)
}

// reportMerge is -merge OUT: it takes no other flag (the shards' settings
// come with them).
func reportMerge(e *env, fs *flag.FlagSet, out string, dirs []string) error {
	var other []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "merge" {
			other = append(other, "-"+f.Name)
		}
	})
	if len(other) > 0 {
		return fmt.Errorf("-merge OUT takes only the shard folders (their settings come with them); %s does not apply", strings.Join(other, " "))
	}
	return mergeReports(e, out, dirs)
}

// runReport checks opt against the model, then measures this shard's
// inputs into opt.out.
func runReport(e *env, opt reportOptions, mf modelFlags, inputs []string, shard shardSpec, methodList string,
	fs *flag.FlagSet, optf *methodFlags) error {
	files, err := collectInputs(inputs, opt.out)
	if err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	if opt.methods, err = m.MethodNames(methodList, analysis.BaselineRandom, analysis.BaselineCenter); err != nil {
		return err
	}
	if opt.layers, err = parseLayers(m, opt.layer, opt.methods); err != nil {
		return err
	}
	optf.shared(fs, "seed", "batch")
	if opt.options, err = optf.settings(m, opt.methods, "seed", "batch"); err != nil {
		return err
	}
	if err := opt.classes.check(m); err != nil {
		return err
	}
	if _, h, w := m.Net.InputSize(); opt.cfg.Steps > h*w {
		return fmt.Errorf("-steps %d is more than the %d pixels of the model's input", opt.cfg.Steps, h*w)
	}
	if err := os.MkdirAll(filepath.Join(opt.out, "grids"), 0o755); err != nil {
		return fmt.Errorf("cannot create the output folder: %w", err)
	}
	if err := removeOldReport(opt.out); err != nil {
		return err
	}
	r := &reporter{e: e, errw: &lockedWriter{w: e.stderr}, opt: opt, model: m, inputs: shard.pick(files), total: len(files),
		shard: shard, images: []*reportImage{}, failed: []reportFailure{}, live: isTerminal(e.stderr), start: time.Now()}
	if err := r.writeSummaries(false); err != nil {
		return err
	}
	stopCtx, workCtx, release := r.watchSignals()
	defer release()
	of := ""
	if shard.n > 0 {
		of = fmt.Sprintf(" (shard %s of %d)", shard, len(files))
	}
	fmt.Fprintf(r.errw, "camviz report: %d image(s)%s × %s × %d map(s) (%s + %s), %d passes each → %s\n",
		len(r.inputs), of, opt.classes, len(opt.methods)+2, strings.Join(opt.methods, ", "), strings.Join(analysis.BaselineNames(), ", "),
		metrics.Passes(opt.cfg.Steps), opt.out)
	runErr := r.run(stopCtx, workCtx, mf.mode)
	return r.finish(runErr, stopCtx.Err() != nil)
}

// finish writes the summaries a last time and says how the run ended:
// the error when it failed, was stopped or lost images.
func (r *reporter) finish(runErr error, stopped bool) error {
	if err := r.writeSummaries(stopped || runErr != nil); err != nil && runErr == nil {
		runErr = err
	}
	if r.live {
		fmt.Fprint(r.errw, "\r\033[K")
	}
	done := len(r.images)
	failed := ""
	if n := len(r.failed); n > 0 {
		failed = fmt.Sprintf("; %d image(s) failed, listed in metrics.json", n)
	}
	switch {
	case runErr != nil:
		return fmt.Errorf("%w (%d of %d image(s) done, %d row(s) kept in %s)", runErr, done, len(r.inputs), len(r.rows), r.opt.out)
	case stopped:
		return fmt.Errorf("interrupted: %d of %d image(s) done, %d row(s) kept in %s%s", done, len(r.inputs), len(r.rows), r.opt.out, failed)
	case len(r.failed) > 0:
		return fmt.Errorf("%d of %d image(s) failed (listed above and in metrics.json); %d done, %d row(s) → %s",
			len(r.failed), len(r.inputs), done, len(r.rows), filepath.Join(r.opt.out, "index.html"))
	}
	fmt.Fprintf(r.errw, "camviz report: %d image(s), %d row(s) in %.1f s → %s\n", done, len(r.rows), time.Since(r.start).Seconds(),
		filepath.Join(r.opt.out, "index.html"))
	return nil
}
