package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/inference/blas"

	"gorgonia.org/tensor"
)

func init() {
	register(command{
		name:  "bench",
		usage: "bench [-model M.onnx] -input INPUT [-runs N] [-methods LIST] [-batch N] [the methods' options] [-json]",
		help:  "time model load, forward, forward+gradient, a class switch and each method's map on a cached image; report memory",
		run:   bench,
	})
}

type benchResult struct {
	Model string `json:"model"`
	BLAS  string `json:"blas"`
	// BLASCore is the kernel set the products ran on (OpenBLAS's name for
	// it, or "go"), CPU the processor's model name and CPUFeatures what
	// camviz read of it; BLASInfo is the whole report behind them.
	BLASCore     string    `json:"blas_core"`
	CPU          string    `json:"cpu"`
	CPUFeatures  []string  `json:"cpu_features"`
	BLASInfo     blas.Info `json:"blas_info"`
	Threads      int       `json:"threads"`
	Runs         int       `json:"runs"`
	Layer        string    `json:"layer"`
	LoadS        float64   `json:"load_s"`
	ForwardS     float64   `json:"forward_s"`
	ForwardGradS float64   `json:"forward_grad_s"`
	SecondClassS float64   `json:"second_class_s"`
	// Top5S: the five top classes' gradients in one batched backward pass
	// (what the window prefetches after the first map).
	Top5S     float64 `json:"top5_prefetch_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	RSSMB     float64 `json:"rss_mb"`
	// OneMapRSSMB: resident right after the model is loaded and one
	// Grad-CAM map computed, as in the window (after a GC); OneMapPeakMB:
	// the peak up to then (loading included).
	OneMapRSSMB float64 `json:"rss_one_map_mb"`
	// LoadFirstS is the process's first load: the file's buffer is fresh
	// memory then, which later loads in the same process reuse.
	LoadFirstS   float64 `json:"load_first_s"`
	OneMapPeakMB float64 `json:"peak_one_map_mb"`
	// NewImageMapS: a new image to its Grad-CAM map (forward, gradient,
	// map, post-processing to the input size).
	NewImageMapS float64 `json:"new_image_gradcam_s"`
	// MethodS: per method, a map for a class not computed before on the
	// cached image (for gradient methods: the class-switch time).
	MethodS map[string]float64 `json:"method_s,omitempty"`
	// FirstPartialS: ScoreCAM's first partial map.
	FirstPartialS float64 `json:"scorecam_first_partial_s,omitempty"`
	// AnotherClassS: per slow method, a second class's map on the same
	// image right after the first (ScoreCAM keeps its masked passes).
	AnotherClassS map[string]float64 `json:"another_class_s,omitempty"`
	// Batch: the batched forward pass (-batch N copies of the input), as
	// ScoreCAM's masked passes run it.
	Batch             int     `json:"batch,omitempty"`
	BatchForwardS     float64 `json:"batch_forward_s,omitempty"`
	BatchImagesPerS   float64 `json:"batch_images_per_s,omitempty"`
	ForwardImagesPerS float64 `json:"images_per_s,omitempty"`
}

func bench(e *env, args []string) error {
	fs := newFlags("bench")
	var mf modelFlags
	mf.add(fs)
	input := fs.String("input", "", "image or .npy tensor")
	runs := fs.Int("runs", 5, "repetitions; medians are reported")
	methodList := fs.String("methods", cam.DefaultMethod, "comma-separated methods to time on the cached image, or all")
	asJSON := fs.Bool("json", false, "one JSON object")
	var of methodFlags
	of.add(fs, "batch") // -batch is the batched forward's here
	batch := fs.Int("batch", 0, "also time a forward pass over this many copies of the input (images per second)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *input == "" {
		return errors.New("-input is required")
	}
	if *runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	bi := blas.Load()
	r := benchResult{BLAS: bi.Library, BLASCore: bi.Core, CPU: bi.CPU.Model, CPUFeatures: bi.CPU.Features,
		BLASInfo: bi, Threads: runtime.GOMAXPROCS(0), Runs: *runs}
	m, err := benchLoad(&r, mf, *runs)
	if err != nil {
		return err
	}
	r.Model, r.Layer = m.Name, m.Layer
	in, err := m.OpenInput(*input, mf.mode)
	if err != nil {
		return err
	}
	ctx := context.Background()
	first, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	if err := gradcamMap(ctx, first, first.Top(1)[0].Class); err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	r.OneMapRSSMB, r.OneMapPeakMB = procStatusMB("VmRSS"), procStatusMB("VmHWM")
	first.Close()
	if r.ForwardS, err = median(*runs, func() error {
		p, err := m.Net.Forward(ctx, in.Tensor, false)
		if err == nil {
			p.Release() // its buffers serve the next pass, as in a batch
		}
		return err
	}); err != nil {
		return err
	}
	r.ForwardImagesPerS = 1 / r.ForwardS
	if *batch > 1 {
		if err := benchBatch(ctx, &r, m, in, *batch, *runs); err != nil {
			return err
		}
	}
	a, err := benchGradients(ctx, &r, m, in, *runs)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := benchMethods(ctx, &r, m, in, *methodList, *runs, &of); err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	r.RSSMB = procStatusMB("VmRSS")
	r.PeakRSSMB = procStatusMB("VmHWM")
	runtime.KeepAlive(a)
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	printBench(e.stdout, &r)
	return nil
}

// benchLoad times loading the model, the first time and the median.
func benchLoad(r *benchResult, mf modelFlags, runs int) (*analysis.Model, error) {
	var m *analysis.Model
	var err error
	r.LoadS, err = median(runs, func() error {
		start := time.Now()
		m = nil
		runtime.GC()
		m, err = mf.load()
		if r.LoadFirstS == 0 {
			r.LoadFirstS = time.Since(start).Seconds()
		}
		return err
	})
	return m, err
}

// benchGradients times a forward pass with the gradient at the model's
// layer, another class's gradient, the top-5 prefetch and a new image's
// Grad-CAM map; it returns the analysis the methods are timed on.
func benchGradients(ctx context.Context, r *benchResult, m *analysis.Model, in *analysis.Input, runs int) (*analysis.Analysis, error) {
	var a *analysis.Analysis
	var err error
	if r.ForwardGradS, err = median(runs, func() error {
		if a != nil {
			a.Close() // as the window does with the picture it replaces
		}
		if a, err = m.Analyze(ctx, in); err != nil {
			return err
		}
		_, err := a.Grad(ctx, m.Layer, a.Top(1)[0].Class)
		return err
	}); err != nil {
		return a, err
	}
	class := 0
	if r.SecondClassS, err = median(runs, func() error {
		class = (class + 1) % m.Net.NumClasses()
		_, err := a.Pass().Grad(ctx, m.Layer, class)
		return err
	}); err != nil {
		return a, err
	}
	if r.Top5S, err = median(runs, func() error {
		classes := []int{}
		for j := 0; j < 5; j++ {
			class = (class + 1) % m.Net.NumClasses()
			classes = append(classes, class)
		}
		_, err := a.Pass().Grads(ctx, m.Layer, classes)
		return err
	}); err != nil {
		return a, err
	}
	if r.NewImageMapS, err = median(runs, func() error {
		b, err := m.Analyze(ctx, in)
		if err != nil {
			return err
		}
		defer b.Close() // as the window does with the image it replaces
		return gradcamMap(ctx, b, b.Top(1)[0].Class)
	}); err != nil {
		return a, err
	}
	return a, nil
}

// printBench writes r as text.
func printBench(w io.Writer, r *benchResult) {
	fmt.Fprintf(w, "%s (BLAS %s, %d threads, median of %d)\n", r.Model, r.BLAS, r.Threads, r.Runs)
	fmt.Fprintf(w, "  first load %.3f s; loaded + one map: resident %.0f MB, peak %.0f MB\n", r.LoadFirstS, r.OneMapRSSMB, r.OneMapPeakMB)
	fmt.Fprintf(w, "  load            %8.3f s\n  forward         %8.3f s\n  forward+grad    %8.3f s\n  second class    %8.4f s\n  top-5 prefetch  %8.4f s\n  new image→map   %8.3f s\n  RSS             %8.0f MB (peak %.0f MB)\n",
		r.LoadS, r.ForwardS, r.ForwardGradS, r.SecondClassS, r.Top5S, r.NewImageMapS, r.RSSMB, r.PeakRSSMB)
	for _, name := range sortedKeys(r.MethodS) {
		fmt.Fprintf(w, "  %-20s %8.4f s\n", name, r.MethodS[name])
	}
}

// median runs fn n times and returns the median wall time in seconds.
func median(n int, fn func() error) (float64, error) {
	times := make([]float64, n)
	for i := range times {
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		times[i] = time.Since(start).Seconds()
	}
	sort.Float64s(times)
	return times[n/2], nil
}

// procStatusMB reads a memory line (VmRSS, VmHWM) of /proc/self/status;
// 0 where there is no /proc.
func procStatusMB(key string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, rest, ok := strings.Cut(s.Text(), ":")
		if !ok || name != key {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err == nil {
			return kb / 1024
		}
	}
	return 0
}

func gradcamMap(ctx context.Context, a *analysis.Analysis, class int) error {
	lm, err := a.Map(ctx, analysis.MapRequest{Method: cam.DefaultMethod, Class: class})
	if err != nil {
		return err
	}
	_, ih, iw := a.Model.Net.InputSize()
	_, _, err = cam.Postprocess(lm.Map, iw, ih, cam.MinMax, 0)
	return err
}

// benchMethods times each method's map for classes not asked before, on
// one cached image, so the figure is what a user waits for on a switch.
func benchMethods(ctx context.Context, r *benchResult, m *analysis.Model, in *analysis.Input, list string, runs int, of *methodFlags) error {
	names, err := m.MethodNames(list)
	if err != nil {
		return err
	}
	settings, err := of.settings(m, names) // the methods' options, where they take them
	if err != nil {
		return err
	}
	a, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	r.MethodS = map[string]float64{}
	nc := m.Net.NumClasses()
	class := a.Top(1)[0].Class
	for _, name := range names {
		meth, err := m.Method(name)
		if err != nil {
			return err
		}
		n := runs
		if meth.Slow {
			n = 1
		}
		var first time.Duration
		start := time.Now()
		if r.MethodS[name], err = median(n, func() error {
			class = (class + 1) % nc
			start = time.Now()
			req := analysis.MapRequest{Method: name, Class: class, Options: settings, Progress: func(done, total int, partial *cam.Map) {
				if first == 0 && partial != nil {
					first = time.Since(start)
				}
			}}
			_, err := a.Map(ctx, req)
			return err
		}); err != nil {
			return err
		}
		if first > 0 && r.FirstPartialS == 0 { // the first method that draws partial maps (Score-CAM, not its faster variants after it)
			r.FirstPartialS = first.Seconds()
		}
		if !meth.Slow {
			continue
		}
		if r.AnotherClassS == nil {
			r.AnotherClassS = map[string]float64{}
		}
		if r.AnotherClassS[name], err = median(1, func() error {
			class = (class + 1) % nc
			_, err := a.Map(ctx, analysis.MapRequest{Method: name, Class: class})
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// benchBatch times the forward pass over n copies of the input.
func benchBatch(ctx context.Context, r *benchResult, m *analysis.Model, in *analysis.Input, n, runs int) error {
	one := in.Tensor.Data().([]float32)
	s := in.Tensor.Shape()
	data := make([]float32, 0, n*len(one))
	for range n {
		data = append(data, one...)
	}
	x := tensor.New(tensor.WithShape(n, s[1], s[2], s[3]), tensor.WithBacking(data))
	var err error
	r.Batch = n
	r.BatchForwardS, err = median(runs, func() error {
		p, err := m.Net.Forward(ctx, x, false)
		if err == nil {
			p.Release()
		}
		return err
	})
	r.BatchImagesPerS = float64(n) / r.BatchForwardS
	return err
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
