package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"camviz/app"
	"camviz/digits"
	"camviz/metrics"
)

func init() {
	register(command{
		name:  "localize",
		usage: "localize [-mnist DIR] [-n N] [-doubles N] [-seed S] [-methods LIST|all] [-json]",
		help:  "measure how well each method points at the digit on MNIST canvases with the embedded model (accuracy, pointing game, time)",
		run:   localize,
	})
}

type localizeJSON struct {
	Singles        int               `json:"singles"`
	SingleAccuracy float64           `json:"single_accuracy"`
	Doubles        int               `json:"doubles"`
	BothInTop2     float64           `json:"double_both_in_top2"`
	Methods        []localizeRowJSON `json:"methods"`
	Seed           uint64            `json:"seed"`
	Faithfulness   []app.Faithful    `json:"faithfulness,omitempty"`
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
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *n < 1 || *doubles < 0 || *faith < 0 {
		return errors.New("-n must be at least 1 and -doubles at least 0")
	}
	m, err := app.DefaultModel()
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
	singles, twos := app.DigitCanvases(set, *n, *doubles, *seed)
	methods, err := m.MethodNames(*list)
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, sok, _, _, err := app.DigitAccuracy(ctx, m, singles)
	if err != nil {
		return err
	}
	_, _, d, dok, err := app.DigitAccuracy(ctx, m, twos)
	if err != nil {
		return err
	}
	out := localizeJSON{Singles: s, SingleAccuracy: ratio(sok, s), Doubles: d, BothInTop2: ratio(dok, d), Seed: *seed}
	single, err := app.PointingGame(ctx, m, singles, methods, *layer)
	if err != nil {
		return err
	}
	double, err := app.PointingGame(ctx, m, twos, methods, *layer)
	if err != nil {
		return err
	}
	for i, name := range methods {
		maps := single[i].Maps + double[i].Maps
		ms := 0.0
		if maps > 0 {
			ms = (float64(single[i].MeanTime)*float64(single[i].Maps) + float64(double[i].MeanTime)*float64(double[i].Maps)) / float64(maps) / 1e6
		}
		out.Methods = append(out.Methods, localizeRowJSON{Method: name, SingleHits: single[i].Rate(), DoubleHits: double[i].Rate(),
			MeanMapMS: ms, SingleMaps: single[i].Maps, DoubleMaps: double[i].Maps})
	}
	if *faith > 0 {
		rows, err := app.DigitFaithfulness(ctx, m, singles[:min(*faith, len(singles))], methods, metrics.Config{Steps: *steps})
		if err != nil {
			return err
		}
		out.Faithfulness = rows
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	fmt.Fprintf(e.stdout, "%s, MNIST t10k canvases, seed %d\n", m.Name, *seed)
	fmt.Fprintf(e.stdout, "accuracy on %d single-digit canvases: %.1f%%; both digits in top-2 on %d two-digit canvases: %.1f%%\n\n",
		s, 100*out.SingleAccuracy, d, 100*out.BothInTop2)
	fmt.Fprintf(e.stdout, "| method | pointing game, single (%d maps) | pointing game, two digits (%d maps) | mean time per map |\n|---|---|---|---|\n",
		single[0].Maps, double[0].Maps)
	for _, r := range out.Methods {
		fmt.Fprintf(e.stdout, "| %s | %.1f%% | %.1f%% | %.2f ms |\n", r.Method, 100*r.SingleHits, 100*r.DoubleHits, r.MeanMapMS)
	}
	if len(out.Faithfulness) > 0 {
		f0 := out.Faithfulness[0]
		fmt.Fprintf(e.stdout, "\nfaithfulness on %d single-digit canvases (%d steps; lower deletion, higher insertion is better)\n\n", f0.Maps, *steps)
		fmt.Fprintf(e.stdout, "| method | deletion AUC | insertion AUC | average drop %% | increase in confidence |\n|---|---|---|---|---|\n")
		for _, f := range out.Faithfulness {
			fmt.Fprintf(e.stdout, "| %s | %.3f | %.3f | %.1f | %.1f%% |\n", f.Method, f.Deletion, f.Insertion, f.Drop, 100*f.Incr)
		}
		fmt.Fprintf(e.stdout, "| random (baseline) | %.3f | %.3f | | |\n| center (baseline) | %.3f | %.3f | | |\n",
			f0.RandDeletion, f0.RandInsertion, f0.CenterDeletion, f0.CenterInsertion)
	}
	return nil
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
