package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"camviz/analysis"
	"camviz/cam"
	"camviz/digiteval"
	"camviz/digits"
	"camviz/metrics"
)

func init() {
	register(command{
		name: "localize",
		usage: "localize [-mnist DIR] [-n N] [-doubles N] [-seed S] [-methods LIST|all] [-json]\n" +
			"  camviz localize -boxes VOC.xml|VOCDIR|COCO.json [-images DIR] [-model M.onnx] [-labels L.txt] [-methods LIST|all]\n" +
			"           [-tolerance PX] [-layer TENSOR] [-json]",
		help: "pointing game: does each method's map peak on the object? On MNIST canvases with the embedded model\n" +
			"      (accuracy, pointing game, time), or with -boxes on your images and Pascal VOC / COCO boxes (hit rate per class and overall)",
		run: localize,
	})
}

type localizeJSON struct {
	Singles        int                  `json:"singles"`
	SingleAccuracy float64              `json:"single_accuracy"`
	Doubles        int                  `json:"doubles"`
	BothInTop2     float64              `json:"double_both_in_top2"`
	Methods        []localizeRowJSON    `json:"methods"`
	Seed           uint64               `json:"seed"`
	Faithfulness   []digiteval.Faithful `json:"faithfulness,omitempty"`
}

type localizeRowJSON struct {
	Method     string  `json:"method"`
	SingleHits float64 `json:"single_pointing"`
	DoubleHits float64 `json:"double_pointing"`
	MeanMapMS  float64 `json:"mean_map_ms"`
	SingleMaps int     `json:"single_maps"`
	DoubleMaps int     `json:"double_maps"`
}

func localize(e *env, args []string) error {
	fs := newFlags("localize")
	dir := fs.String("mnist", "", "folder with the MNIST t10k idx .gz files (default: the source tree's testdata/mnist, else beside the executable)")
	n := fs.Int("n", 500, "single-digit canvases")
	doubles := fs.Int("doubles", 200, "two-digit canvases")
	seed := fs.Uint64("seed", 1, "canvas seed")
	list := fs.String("methods", "all", "comma-separated methods, or all")
	layer := fs.String("layer", "", "target layer tensor (default: the model's)")
	asJSON := fs.Bool("json", false, "JSON output")
	faith := fs.Int("faithfulness", 0, "also measure deletion/insertion AUC, average drop and increase in confidence on this many single-digit canvases")
	steps := fs.Int("steps", 16, "steps of the deletion/insertion curves (with -faithfulness)")
	var bf boxFlags
	bf.add(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if bf.boxes != "" {
		return localizeBoxes(e, &bf, *list, *layer, *asJSON)
	}
	if bf.model.model != "" || bf.images != "" {
		return errors.New("-model and -images go with -boxes (the MNIST canvases are for the embedded model)")
	}
	if *n < 1 || *doubles < 0 || *faith < 0 {
		return errors.New("-n must be at least 1 and -doubles at least 0")
	}
	m, err := analysis.DefaultModel()
	if err != nil {
		return err
	}
	folder, err := mnistDir(*dir)
	if err != nil {
		return err
	}
	set, err := digits.LoadDir(folder, "t10k")
	if err != nil {
		return fmt.Errorf("cannot read MNIST from %s: %w", folder, unwrapPathError(err))
	}
	singles, twos := digiteval.DigitCanvases(set, *n, *doubles, *seed)
	methods, err := m.MethodNames(*list)
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, sok, _, _, err := digiteval.DigitAccuracy(ctx, m, singles)
	if err != nil {
		return err
	}
	_, _, d, dok, err := digiteval.DigitAccuracy(ctx, m, twos)
	if err != nil {
		return err
	}
	out := localizeJSON{Singles: s, SingleAccuracy: ratio(sok, s), Doubles: d, BothInTop2: ratio(dok, d), Seed: *seed}
	single, err := digiteval.PointingGame(ctx, m, singles, methods, *layer)
	if err != nil {
		return err
	}
	double, err := digiteval.PointingGame(ctx, m, twos, methods, *layer)
	if err != nil {
		return err
	}
	out.Methods = pointingRows(single, double)
	if *faith > 0 {
		rows, err := digiteval.DigitFaithfulness(ctx, m, singles[:min(*faith, len(singles))], methods, metrics.Config{Steps: *steps})
		if err != nil {
			return err
		}
		out.Faithfulness = rows
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	printLocalize(e.stdout, m.Name, *steps, out)
	return nil
}

// pointingRows joins each method's pointing game on single- and
// two-digit canvases, with the mean time per map over both.
func pointingRows(single, double []digiteval.Localization) []localizeRowJSON {
	var rows []localizeRowJSON
	for i := range single {
		maps := single[i].Maps + double[i].Maps
		ms := 0.0
		if maps > 0 {
			ms = (float64(single[i].MeanTime)*float64(single[i].Maps) + float64(double[i].MeanTime)*float64(double[i].Maps)) / float64(maps) / 1e6
		}
		rows = append(rows, localizeRowJSON{Method: single[i].Method, SingleHits: single[i].Rate(), DoubleHits: double[i].Rate(),
			MeanMapMS: ms, SingleMaps: single[i].Maps, DoubleMaps: double[i].Maps})
	}
	return rows
}

// printLocalize writes the tables of `camviz localize` (the README's).
func printLocalize(w io.Writer, model string, steps int, out localizeJSON) {
	fmt.Fprintf(w, "%s, MNIST t10k canvases, seed %d\n", model, out.Seed)
	fmt.Fprintf(w, "accuracy on %d single-digit canvases: %.1f%%; both digits in top-2 on %d two-digit canvases: %.1f%%\n\n",
		out.Singles, 100*out.SingleAccuracy, out.Doubles, 100*out.BothInTop2)
	fmt.Fprintf(w, "| method | pointing game, single (%d maps) | pointing game, two digits (%d maps) | mean time per map |\n|---|---|---|---|\n",
		out.Methods[0].SingleMaps, out.Methods[0].DoubleMaps)
	for _, r := range out.Methods {
		fmt.Fprintf(w, "| %s | %.1f%% | %.1f%% | %.2f ms |\n", r.Method, 100*r.SingleHits, 100*r.DoubleHits, r.MeanMapMS)
	}
	if len(out.Faithfulness) > 0 {
		f0 := out.Faithfulness[0]
		fmt.Fprintf(w, "\nfaithfulness on %d single-digit canvases (%d steps; lower deletion, higher insertion is better)\n\n", f0.Maps, steps)
		fmt.Fprintf(w, "| method | deletion AUC | insertion AUC | average drop %% | increase in confidence |\n|---|---|---|---|---|\n")
		for _, f := range out.Faithfulness {
			fmt.Fprintf(w, "| %s | %.3f | %.3f | %.1f | %.1f%% |\n", f.Method, f.Deletion, f.Insertion, f.Drop, 100*f.Incr)
		}
		fmt.Fprintf(w, "| random (baseline) | %.3f | %.3f | | |\n| center (baseline) | %.3f | %.3f | | |\n",
			f0.RandDeletion, f0.RandInsertion, f0.CenterDeletion, f0.CenterInsertion)
	}
}

// mnistFiles are the MNIST test split's files localize reads.
var mnistFiles = []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}

// mnistDir is the folder of the MNIST files: the -mnist flag if given;
// else, wherever camviz is run from, the source tree's testdata/mnist
// (where the repository keeps them), then testdata/mnist or mnist beside
// the executable, then testdata/mnist under the current folder.
func mnistDir(flagDir string) (string, error) {
	if flagDir != "" {
		if !hasMNIST(flagDir) {
			return "", fmt.Errorf("-mnist %s: the folder does not hold %s", flagDir, strings.Join(mnistFiles, " and "))
		}
		return flagDir, nil
	}
	var tried []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		tried = append(tried, filepath.Join(filepath.Dir(file), "..", "testdata", "mnist"))
	}
	if exe, err := os.Executable(); err == nil {
		tried = append(tried, filepath.Join(filepath.Dir(exe), "testdata", "mnist"), filepath.Join(filepath.Dir(exe), "mnist"))
	}
	tried = append(tried, filepath.Join("testdata", "mnist"))
	for _, d := range tried {
		if hasMNIST(d) {
			return filepath.Clean(d), nil
		}
	}
	return "", fmt.Errorf("the MNIST test files (%s) are not in %s; give their folder with -mnist DIR", strings.Join(mnistFiles, ", "), strings.Join(tried, ", "))
}

func hasMNIST(dir string) bool {
	for _, f := range mnistFiles {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// boxFlags are localize's flags for the user's own boxes.
type boxFlags struct {
	model     modelFlags
	boxes     string
	images    string
	tolerance float64
}

func (b *boxFlags) add(fs *flag.FlagSet) {
	b.model.add(fs)
	fs.StringVar(&b.boxes, "boxes", "", "Pascal VOC .xml (a file or a folder of them) or COCO instances .json with the objects' boxes")
	fs.StringVar(&b.images, "images", "", "folder of the images the boxes name (default: beside the box file; VOC also ../JPEGImages)")
	fs.Float64Var(&b.tolerance, "tolerance", 0, "a hit may lie this many pixels outside the box (TorchRay uses 15)")
}

type boxResultJSON struct {
	Boxes     string          `json:"boxes"`
	Model     string          `json:"model"`
	Tolerance float64         `json:"tolerance"`
	Images    int             `json:"images"`
	Methods   []boxMethodJSON `json:"methods"`
	Unmatched map[string]int  `json:"unmatched_categories,omitempty"`
	Layer     string          `json:"layer"`
}

type boxMethodJSON struct {
	Method    string         `json:"method"`
	Hits      int            `json:"hits"`
	Maps      int            `json:"maps"`
	HitRate   float64        `json:"hit_rate"`
	ClassMean float64        `json:"class_mean"` // the mean of the per-class hit rates
	Classes   []boxClassJSON `json:"classes"`
}

type boxClassJSON struct {
	Class   int     `json:"class"`
	Label   string  `json:"label"`
	Hits    int     `json:"hits"`
	Maps    int     `json:"maps"`
	HitRate float64 `json:"hit_rate"`
}

// localizeBoxes plays the pointing game on the user's images: for every
// image and every class with a box in it, each method's map for that class
// must peak within the tolerance of one of the class's boxes, on the
// image's own pixels.
func localizeBoxes(e *env, bf *boxFlags, list, layer string, asJSON bool) error {
	if !(bf.tolerance >= 0 && bf.tolerance < 1e6) {
		return fmt.Errorf("-tolerance %v: want pixels ≥ 0", bf.tolerance)
	}
	m, err := bf.model.load()
	if err != nil {
		return err
	}
	methods, err := m.MethodNames(list)
	if err != nil {
		return err
	}
	set, err := readBoxes(bf.boxes, bf.images, m.Labels)
	if err != nil {
		return err
	}
	if len(set.images) == 0 {
		return fmt.Errorf("%s: no box of a class the model knows (categories %s)", bf.boxes, strings.Join(slices.Sorted(maps.Keys(set.unmatched)), ", "))
	}
	if len(set.unmatched) > 0 {
		n := 0
		for _, c := range set.unmatched {
			n += c
		}
		fmt.Fprintf(e.stderr, "camviz localize: note: %d box(es) of %d categories that match no model label are skipped: %s\n",
			n, len(set.unmatched), strings.Join(slices.Sorted(maps.Keys(set.unmatched)), ", "))
	}
	ctx := context.Background()
	type tally struct{ hits, maps int }
	per := make([]map[int]*tally, len(methods))
	for i := range per {
		per[i] = map[int]*tally{}
	}
	var classes []int
	for _, img := range set.images {
		if err := pointImage(ctx, m, img, methods, layer, bf, func(mi, class int, hit bool) {
			t := per[mi][class]
			if t == nil {
				t = &tally{}
				per[mi][class] = t
			}
			t.maps++
			if hit {
				t.hits++
			}
			if !slices.Contains(classes, class) {
				classes = append(classes, class)
			}
		}); err != nil {
			return fmt.Errorf("%s: %w", img.path, err)
		}
	}
	slices.Sort(classes)
	out := boxResultJSON{Boxes: bf.boxes, Model: m.Name, Tolerance: bf.tolerance, Images: len(set.images), Unmatched: set.unmatched, Layer: layer}
	if out.Layer == "" {
		out.Layer = m.Layer
	}
	for mi, name := range methods {
		r := boxMethodJSON{Method: name}
		for _, k := range classes {
			t := per[mi][k]
			r.Hits += t.hits
			r.Maps += t.maps
			c := boxClassJSON{Class: k, Label: m.Label(k), Hits: t.hits, Maps: t.maps, HitRate: ratio(t.hits, t.maps)}
			r.ClassMean += c.HitRate / float64(len(classes))
			r.Classes = append(r.Classes, c)
		}
		r.HitRate = ratio(r.Hits, r.Maps)
		out.Methods = append(out.Methods, r)
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	printBoxes(e.stdout, out)
	return nil
}

// printBoxes writes the hit-rate table of `camviz localize -boxes`.
func printBoxes(w io.Writer, out boxResultJSON) {
	fmt.Fprintf(w, "%s, %d image(s) from %s, layer %s, tolerance %g px: pointing-game hit rate\n\n| class |", out.Model, out.Images, out.Boxes, out.Layer, out.Tolerance)
	for _, r := range out.Methods {
		fmt.Fprintf(w, " %s |", r.Method)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(out.Methods)))
	for ci, c := range out.Methods[0].Classes {
		fmt.Fprintf(w, "| %s (%d maps) |", c.Label, c.Maps)
		for _, r := range out.Methods {
			fmt.Fprintf(w, " %.1f%% |", 100*r.Classes[ci].HitRate)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| **overall** (%d maps) |", out.Methods[0].Maps)
	for _, r := range out.Methods {
		fmt.Fprintf(w, " %.1f%% |", 100*r.HitRate)
	}
	fmt.Fprintf(w, "\n| mean over classes |")
	for _, r := range out.Methods {
		fmt.Fprintf(w, " %.1f%% |", 100*r.ClassMean)
	}
	fmt.Fprintln(w)
}

// pointImage computes every method's map for every class boxed in img and
// reports whether its peak, in the image's own pixel coordinates, hits.
func pointImage(ctx context.Context, m *analysis.Model, img *boxImage, methods []string, layer string, bf *boxFlags, report func(mi, class int, hit bool)) error {
	in, err := m.OpenInput(img.path, bf.model.mode)
	if err != nil {
		return err
	}
	if g := in.Geom; img.w > 0 && img.h > 0 && (g.SrcW != img.w || g.SrcH != img.h) {
		return fmt.Errorf("the image is %d×%d but the box file says %d×%d", g.SrcW, g.SrcH, img.w, img.h)
	}
	a, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	defer a.Close()
	// Peaks are found on the working picture (at most app.MaxWorkingSide
	// pixels a side); sx, sy take them back to the file's pixels.
	sx := float64(in.Geom.SrcW) / float64(in.Source.Bounds().Dx())
	sy := float64(in.Geom.SrcH) / float64(in.Source.Bounds().Dy())
	for mi, meth := range methods {
		for _, k := range img.classes {
			lm, err := a.Map(ctx, analysis.MapRequest{Method: meth, Class: k, Layer: layer})
			if err != nil {
				return err
			}
			p, err := a.Place(lm, cam.MinMax, 0)
			if err != nil {
				return err
			}
			pt := analysis.Peak(p)
			report(mi, k, metrics.PointingHit((float64(pt.X)+0.5)*sx, (float64(pt.Y)+0.5)*sy, img.boxes[k], bf.tolerance))
		}
	}
	return nil
}
