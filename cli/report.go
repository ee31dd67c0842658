package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"camviz/app"
	"camviz/cam"
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

// reportImageDone is called after each image is written; tests use it to
// interrupt a run at a known point.
var reportImageDone = func(ctx context.Context, done int) {}

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
	overlay app.OverlayOptions
	out     string
	trust   trustFlags
}

// reporter is one run's state: what is done and the files it goes to.
type reporter struct {
	e      *env
	errw   io.Writer // stderr, safe for the signal watcher to write to
	opt    reportOptions
	model  *app.Model
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
		var other []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "merge" {
				other = append(other, "-"+f.Name)
			}
		})
		if len(other) > 0 {
			return fmt.Errorf("-merge OUT takes only the shard folders (their settings come with them); %s does not apply", strings.Join(other, " "))
		}
		return mergeReports(e, *merge, inputs)
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
	if opt.overlay, err = app.ParseOverlayOptions(*cmap, *alpha, cam.MinMax); err != nil {
		return err
	}
	if opt.classes, err = parseClassSpec(*classList); err != nil {
		return err
	}
	files, err := collectInputs(inputs, *out)
	if err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	if opt.methods, err = m.MethodNames(*methodList, app.BaselineRandom, app.BaselineCenter); err != nil {
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
	if _, h, w := m.Net.InputSize(); *steps > h*w {
		return fmt.Errorf("-steps %d is more than the %d pixels of the model's input", *steps, h*w)
	}
	if err := os.MkdirAll(filepath.Join(*out, "grids"), 0o755); err != nil {
		return fmt.Errorf("cannot create the output folder: %w", err)
	}
	if err := removeOldReport(*out); err != nil {
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
		len(r.inputs), of, opt.classes, len(opt.methods)+2, strings.Join(opt.methods, ", "), strings.Join(app.BaselineNames(), ", "),
		metrics.Passes(*steps), *out)
	runErr := r.run(stopCtx, workCtx, mf.mode)
	stopped := stopCtx.Err() != nil
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
		return fmt.Errorf("%w (%d of %d image(s) done, %d row(s) kept in %s)", runErr, done, len(r.inputs), len(r.rows), *out)
	case stopped:
		return fmt.Errorf("interrupted: %d of %d image(s) done, %d row(s) kept in %s%s", done, len(r.inputs), len(r.rows), *out, failed)
	case len(r.failed) > 0:
		return fmt.Errorf("%d of %d image(s) failed (listed above and in metrics.json); %d done, %d row(s) → %s",
			len(r.failed), len(r.inputs), done, len(r.rows), filepath.Join(*out, "index.html"))
	}
	fmt.Fprintf(r.errw, "camviz report: %d image(s), %d row(s) in %.1f s → %s\n", done, len(r.rows), time.Since(r.start).Seconds(),
		filepath.Join(*out, "index.html"))
	return nil
}

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
	names := append(slices.Clone(r.opt.methods), app.BaselineNames()...)
	maps := make([][]*app.LayerMap, len(names))
	reps := make([][]*metrics.Report, len(names))
	for i := range names {
		maps[i] = make([]*app.LayerMap, len(classes))
		reps[i] = make([]*metrics.Report, len(classes))
	}
	for ci, k := range classes {
		for bi, b := range app.BaselineNames() {
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
			lm, err := a.Map(ctx, app.MapRequest{Method: meth, Class: k, Layer: r.opt.layer, Layers: r.opt.layers, Options: r.opt.options})
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
	if err := app.WritePNG(gridPath, grid); err != nil {
		return writeError{err}
	}
	img.W, img.H = grid.Bounds().Dx(), grid.Bounds().Dy()
	r.images = append(r.images, img)
	return nil
}

// emit records one row and shows it.
func (r *reporter) emit(img *reportImage, a *app.Analysis, method, layer string, flags cam.Flags, rep *metrics.Report, tm map[string]float64, took time.Duration) error {
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

// grid lays the cells out: names down, classes across, each cell the
// overlay with a caption, under a title line.
func (r *reporter) grid(a *app.Analysis, names []string, classes []int, maps [][]*app.LayerMap, reps [][]*metrics.Report) (*image.RGBA, error) {
	face, err := render.NewFace(13)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	cells := make([][]*image.RGBA, len(names))
	cw, ch := 0, 0
	for i := range names {
		cells[i] = make([]*image.RGBA, len(classes))
		for j, k := range classes {
			over, err := a.DrawSmall(maps[i][j], r.opt.cell, cam.MinMax, 0, r.opt.overlay)
			if err != nil {
				return nil, err
			}
			rep := reps[i][j]
			inc := "no"
			if rep.IncreaseInConfidence {
				inc = "yes"
			}
			lines := []string{
				names[i] + " · " + className(a.Model, k),
				fmt.Sprintf("p=%.3f  del %.3f  ins %.3f", rep.Prob, rep.Deletion.AUC, rep.Insertion.AUC),
				fmt.Sprintf("drop %.1f%%  increase %s", rep.AverageDrop, inc),
			}
			c, err := render.Caption(over, lines, render.CaptionOptions{Face: face})
			if err != nil {
				return nil, err
			}
			cells[i][j] = c
			cw, ch = max(cw, c.Bounds().Dx()), max(ch, c.Bounds().Dy())
		}
	}
	const gap = gridGap
	g := image.NewRGBA(image.Rect(0, 0, len(classes)*cw+(len(classes)+1)*gap, len(names)*ch+(len(names)+1)*gap))
	draw.Draw(g, g.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for i := range cells {
		for j, c := range cells[i] {
			at := image.Pt(gap+j*(cw+gap), gap+i*(ch+gap))
			draw.Draw(g, c.Bounds().Add(at), c, c.Bounds().Min, draw.Src)
		}
	}
	top := a.Top(1)[0]
	title := []string{
		fmt.Sprintf("%s — top %s p=%.3f", a.Input.Name, className(a.Model, top.Class), top.Prob),
		fmt.Sprintf("%s · layer %s", a.Model.Name, r.layerName()),
	}
	return render.Caption(g, title, render.CaptionOptions{Face: face, Above: true})
}

// className is "class 7" for unnamed classes, else "281 “tabby”".
func className(m *app.Model, k int) string {
	l := m.Label(k)
	if l == "class "+strconv.Itoa(k) {
		return l
	}
	return fmt.Sprintf("%d “%s”", k, l)
}

// gridGap is the white space between and around the grid's cells.
const gridGap = 8

// classSpec is -classes: the top K, or a list resolved per model.
type classSpec struct {
	top  int
	list []string
	ids  []int
}

var topRE = regexp.MustCompile(`^top(\d+)$`)

func parseClassSpec(s string) (classSpec, error) {
	s = strings.TrimSpace(s)
	if m := topRE.FindStringSubmatch(strings.ToLower(s)); m != nil {
		k, err := strconv.Atoi(m[1])
		if err != nil || k < 1 {
			return classSpec{}, fmt.Errorf("-classes %q: K must be at least 1", s)
		}
		return classSpec{top: k}, nil
	}
	var list []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		return classSpec{}, fmt.Errorf("-classes %q: want top1, topK or a list of classes", s)
	}
	return classSpec{list: list}, nil
}

// check resolves a list against the model's labels once, up front.
func (c *classSpec) check(m *app.Model) error {
	for _, s := range c.list {
		k, err := m.ClassByName(s)
		if err != nil {
			return fmt.Errorf("-classes: %w", err)
		}
		if !slices.Contains(c.ids, k) {
			c.ids = append(c.ids, k)
		}
	}
	return nil
}

func (c classSpec) resolve(a *app.Analysis) ([]int, error) {
	if c.top == 0 {
		return c.ids, nil
	}
	var out []int
	for _, p := range a.Top(c.top) {
		out = append(out, p.Class)
	}
	return out, nil
}

func (c classSpec) String() string {
	if c.top > 0 {
		return fmt.Sprintf("top %d class(es)", c.top)
	}
	return fmt.Sprintf("%d class(es)", len(c.list))
}
