package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"camviz/export"
	"camviz/metrics"
)

// watchSignals makes Ctrl-C and SIGTERM (timeout, docker stop, a batch
// scheduler) stop the run after the current image: stop is cancelled at
// the first signal, work at the second, which abandons the image in
// progress. release stops watching, once the watcher has finished writing.
func (r *reporter) watchSignals() (stop, work context.Context, release func()) {
	stop, stopNow := context.WithCancel(context.Background())
	work, abort := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; ; n++ {
			select {
			case <-quit:
				return
			case <-sig:
			}
			if n > 0 {
				abort()
				return
			}
			stopNow()
			fmt.Fprintln(r.errw, "\ncamviz report: stopping after the current image (send the signal again to stop at once)")
		}
	}()
	return stop, work, func() {
		signal.Stop(sig)
		close(quit)
		<-done // its last message is out before the caller writes its own
		stopNow()
		abort()
	}
}

// lockedWriter serialises writes from the run and the signal watcher.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// reportDoc is metrics.json: what a run or a merge writes, and what a
// merge reads back.
type reportDoc struct {
	Model       string            `json:"model"`
	Layer       string            `json:"layer"`
	Methods     []string          `json:"methods"`
	Config      metrics.Config    `json:"config"`
	Fractions   []float64         `json:"fractions,omitempty"`
	Shard       string            `json:"shard,omitempty"` // "K/N"; "" for a whole run or a merge
	InputsTotal int               `json:"inputs_total"`    // the whole input list, all shards
	ImagesDone  int               `json:"images_done"`
	ImagesTotal int               `json:"images_total"` // this run's part of the list
	Stopped     bool              `json:"stopped"`
	Images      []*reportImage    `json:"images"`
	Failed      []reportFailure   `json:"failed"`
	Summary     []*methodSummary  `json:"summary"`
	Rows        []*reportRow      `json:"rows"`
	Columns     []string          `json:"csv_columns"`
	Extra       map[string]string `json:"conventions"`
}

// doc is the run so far as metrics.json.
func (r *reporter) doc(stopped bool) *reportDoc {
	cfg := r.opt.cfg.WithDefaults()
	d := &reportDoc{
		Model: r.model.Name, Layer: r.layerName(), Methods: r.opt.methods, Config: cfg, InputsTotal: r.total,
		ImagesDone: len(r.images), ImagesTotal: len(r.inputs), Stopped: stopped, Images: r.images, Failed: r.failed,
		Rows: r.rows, Columns: reportColumns, Extra: reportConventions(cfg),
	}
	if r.shard.n > 0 {
		d.Shard = r.shard.String()
	}
	return d
}

// writeSummaries rewrites metrics.csv, metrics.json and index.html from
// the rows so far.
func (r *reporter) writeSummaries(stopped bool) error {
	if err := writeReport(r.opt.out, r.doc(stopped)); err != nil {
		return writeError{err}
	}
	return nil
}

// writeReport writes a report's three files, each atomically, so that
// a reader (or an interrupted run) never sees half a file and the three
// always hold the same rows.
func writeReport(dir string, d *reportDoc) error {
	if d.Rows == nil {
		d.Rows = []*reportRow{}
	}
	d.Summary = summarize(d.Rows, d.Methods)
	d.Fractions = nil
	if len(d.Rows) > 0 {
		d.Fractions = d.Rows[0].report.Deletion.Fractions
	}
	var csvBuf bytes.Buffer
	cw := csv.NewWriter(&csvBuf)
	cw.Write(reportColumns)
	for _, row := range d.Rows {
		cw.Write(row.csv())
	}
	cw.Flush()
	if err := export.WriteFile(filepath.Join(dir, "metrics.csv"), csvBuf.Bytes()); err != nil {
		return err
	}
	data, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		return err
	}
	if err := export.WriteFile(filepath.Join(dir, "metrics.json"), append(data, '\n')); err != nil {
		return err
	}
	return writeHTML(dir, d)
}

// collectInputs expands folders (recursively, image files only, hidden
// entries and the output folder skipped) and keeps files as given, in
// order, without duplicates.
func collectInputs(args []string, out string) ([]string, error) {
	outAbs, _ := filepath.Abs(out)
	var files []string
	seen := map[string]bool{}
	add := func(p string) {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		if !seen[abs] {
			seen[abs] = true
			files = append(files, p)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", arg, unwrapPathError(err))
		}
		if !st.IsDir() {
			add(arg)
			continue
		}
		before := len(files)
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != arg && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if abs, _ := filepath.Abs(p); abs == outAbs {
					return filepath.SkipDir
				}
				return nil
			}
			if imageExts[strings.ToLower(filepath.Ext(p))] {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cannot read folder %s: %w", arg, unwrapPathError(err))
		}
		if len(files) == before {
			return nil, fmt.Errorf("no image files in %s", arg)
		}
	}
	return files, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName is a file name's stem made safe for any file system and URL.
func safeName(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = strings.Trim(unsafeChars.ReplaceAllString(base, "_"), "_.")
	if base == "" {
		base = "image"
	}
	if len(base) > 60 {
		base = base[:60]
	}
	return base
}

// isTerminal reports whether w is a character device (a terminal), where
// progress may be redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
