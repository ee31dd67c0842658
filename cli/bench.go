package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"camviz/app"
	"camviz/inference/blas"
)

func init() {
	register(command{
		name:  "bench",
		usage: "bench [-model M.onnx] -input INPUT [-runs N] [-json]",
		help:  "time model load, forward, forward+gradient and a class switch; report memory",
		run:   bench,
	})
}

type benchResult struct {
	Model        string  `json:"model"`
	BLAS         string  `json:"blas"`
	Threads      int     `json:"threads"`
	Runs         int     `json:"runs"`
	Layer        string  `json:"layer"`
	LoadS        float64 `json:"load_s"`
	ForwardS     float64 `json:"forward_s"`
	ForwardGradS float64 `json:"forward_grad_s"`
	SecondClassS float64 `json:"second_class_s"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	RSSMB        float64 `json:"rss_mb"`
}

func bench(e *env, args []string) error {
	fs := newFlags("bench")
	var mf modelFlags
	mf.add(fs)
	input := fs.String("input", "", "image or .npy tensor")
	runs := fs.Int("runs", 5, "repetitions; medians are reported")
	asJSON := fs.Bool("json", false, "one JSON object")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *input == "" {
		return errors.New("-input is required")
	}
	if *runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	r := benchResult{BLAS: blas.Name, Threads: runtime.GOMAXPROCS(0), Runs: *runs}
	var m *app.Model
	var err error
	r.LoadS, err = median(*runs, func() error {
		m = nil
		runtime.GC()
		m, err = mf.load()
		return err
	})
	if err != nil {
		return err
	}
	r.Model, r.Layer = m.Name, m.Layer
	in, err := m.OpenInput(*input, mf.mode)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if r.ForwardS, err = median(*runs, func() error {
		_, err := m.Net.Forward(ctx, in.Tensor, false)
		return err
	}); err != nil {
		return err
	}
	var a *app.Analysis
	if r.ForwardGradS, err = median(*runs, func() error {
		if a, err = m.Analyze(ctx, in); err != nil {
			return err
		}
		_, err := a.Grad(ctx, m.Layer, a.Top(1)[0].Class)
		return err
	}); err != nil {
		return err
	}
	class := 0
	if r.SecondClassS, err = median(*runs, func() error {
		class = (class + 1) % m.Net.NumClasses()
		_, err := a.Pass().Grad(ctx, m.Layer, class)
		return err
	}); err != nil {
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
	fmt.Fprintf(e.stdout, "%s (BLAS %s, %d threads, median of %d)\n", r.Model, r.BLAS, r.Threads, r.Runs)
	fmt.Fprintf(e.stdout, "  load            %8.3f s\n  forward         %8.3f s\n  forward+grad    %8.3f s\n  second class    %8.4f s\n  RSS             %8.0f MB (peak %.0f MB)\n",
		r.LoadS, r.ForwardS, r.ForwardGradS, r.SecondClassS, r.RSSMB, r.PeakRSSMB)
	return nil
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
