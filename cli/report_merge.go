package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"camviz/export"
	"camviz/internal/files"
	"camviz/metrics"
)

// shardSpec is -shard K/N; n = 0 means the whole list.
type shardSpec struct{ k, n int }

var shardRE = regexp.MustCompile(`^(\d+)/(\d+)$`)

func parseShard(s string) (shardSpec, error) {
	if s == "" {
		return shardSpec{}, nil
	}
	m := shardRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return shardSpec{}, fmt.Errorf("-shard %q: want K/N, e.g. 0/4 for the first of four jobs", s)
	}
	k, errK := strconv.Atoi(m[1])
	n, errN := strconv.Atoi(m[2])
	if errK != nil || errN != nil || n < 1 || k >= n {
		return shardSpec{}, fmt.Errorf("-shard %q: want 0 ≤ K < N", s)
	}
	return shardSpec{k: k, n: n}, nil
}

func (s shardSpec) String() string { return fmt.Sprintf("%d/%d", s.k, s.n) }

// pick is the shard's part of the input list: without -shard every file in
// the order given; with it, every n-th file starting at k of the list in
// sorted order, so that every job of an array, given the same arguments,
// sees the same list. Each input keeps its index in the whole list.
func (s shardSpec) pick(list []string) []reportInput {
	if s.n > 0 {
		list = slices.Clone(list)
		sort.Strings(list)
	}
	var out []reportInput
	for i, p := range list {
		if s.n == 0 || i%s.n == s.k {
			out = append(out, reportInput{path: p, index: i})
		}
	}
	return out
}

// maxReportJSON bounds a metrics.json read back (a merge, a re-run): a
// 50k-image run with curves stays well under it.
const maxReportJSON = 2 << 30

// gridRE is the name of a grid camviz wrote in a report folder.
var gridRE = regexp.MustCompile(`^grids/[0-9]+-[A-Za-z0-9._-]+\.png$`)

// removeOldReport deletes the grids of an earlier report in dir, as its
// metrics.json lists them, so that a re-run does not leave them behind;
// nothing else is touched (the CSV, JSON and HTML are replaced). It then
// writes an empty report, so that the folder never describes grids that
// are gone.
func removeOldReport(dir string) error {
	old, err := readReportDoc(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%w; move it away or choose another -out", err)
	}
	for _, im := range old.Images {
		if !gridRE.MatchString(im.Grid) {
			continue // not a name camviz writes: leave it
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(im.Grid))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove the earlier report's grid: %w", err)
		}
	}
	return nil
}

// readReportDoc reads dir/metrics.json, with each row's report rebuilt
// for summarize.
func readReportDoc(dir string) (*reportDoc, error) {
	path := filepath.Join(dir, "metrics.json")
	if _, err := os.Lstat(path); err != nil {
		return nil, err
	}
	data, err := files.ReadRegular(path, "report", maxReportJSON)
	if err != nil {
		return nil, err
	}
	var d reportDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%s is not the metrics.json of a camviz report", path)
	}
	for _, r := range d.Rows {
		r.report = &metrics.Report{
			Class: r.Class, Prob: r.Prob, ExplanationProb: r.ExplanationProb, AverageDrop: r.AverageDrop, IncreaseInConfidence: r.Increase,
			Deletion:  metrics.Curve{Baseline: d.Config.Deletion, Fractions: d.Fractions, Probs: r.Deletion, AUC: r.DeletionAUC},
			Insertion: metrics.Curve{Baseline: d.Config.Insertion, Fractions: d.Fractions, Probs: r.Insertion, AUC: r.InsertionAUC},
		}
	}
	return &d, nil
}

// mergeReports joins the shard folders dirs (every K of one N, same model,
// layer, methods and settings) into one report in out: rows and images in
// the order of the whole input list, the failures of every shard, the
// summary over all rows, the grids copied.
func mergeReports(e *env, out string, dirs []string) error {
	if len(dirs) == 0 {
		return errors.New("-merge OUT: give the shard folders to merge")
	}
	docs := make([]*reportDoc, len(dirs))
	outAbs, _ := filepath.Abs(out)
	for i, dir := range dirs {
		if abs, _ := filepath.Abs(dir); abs == outAbs {
			return fmt.Errorf("-merge %s: the output folder is one of the shards", out)
		}
		d, err := readReportDoc(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s holds no report (no metrics.json)", dir)
		}
		if err != nil {
			return err
		}
		docs[i] = d
	}
	if err := checkShards(dirs, docs); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "grids"), 0o755); err != nil {
		return fmt.Errorf("cannot create the output folder: %w", err)
	}
	if err := removeOldReport(out); err != nil {
		return err
	}
	m, err := mergeDocs(docs, dirs, out)
	if err != nil {
		return err
	}
	if err := writeReport(out, m); err != nil {
		return err
	}
	index := filepath.Join(out, "index.html")
	switch {
	case m.Stopped:
		return fmt.Errorf("merged %d shard(s), but some stopped early: %d of %d image(s) done, %d row(s) → %s", len(docs), m.ImagesDone, m.InputsTotal, len(m.Rows), index)
	case len(m.Failed) > 0:
		return fmt.Errorf("merged %d shard(s): %d of %d image(s) failed (listed in metrics.json); %d done, %d row(s) → %s",
			len(docs), len(m.Failed), m.InputsTotal, m.ImagesDone, len(m.Rows), index)
	}
	fmt.Fprintf(e.stderr, "camviz report: merged %d shard(s): %d image(s), %d row(s) → %s\n", len(docs), m.ImagesDone, len(m.Rows), index)
	return nil
}

// checkShards makes sure the folders are the N shards of one run.
func checkShards(dirs []string, docs []*reportDoc) error {
	first := docs[0]
	seen := map[int]string{}
	n := 0
	for i, d := range docs {
		s, err := parseShard(d.Shard)
		if err != nil || s.n == 0 {
			return fmt.Errorf("%s is not a shard's report (run it with -shard K/N)", dirs[i])
		}
		if n == 0 {
			n = s.n
		}
		switch {
		case s.n != n:
			return fmt.Errorf("%s is shard %s, %s is shard %s: not the same N", dirs[0], first.Shard, dirs[i], d.Shard)
		case seen[s.k] != "":
			return fmt.Errorf("%s and %s are both shard %s", seen[s.k], dirs[i], d.Shard)
		case d.Model != first.Model || d.Layer != first.Layer || !slices.Equal(d.Methods, first.Methods) ||
			d.Config != first.Config || d.InputsTotal != first.InputsTotal:
			return fmt.Errorf("%s and %s are reports of different runs (model, layer, methods, settings or inputs differ)", dirs[0], dirs[i])
		}
		seen[s.k] = dirs[i]
	}
	var missing []string
	for k := range n {
		if seen[k] == "" {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("shard(s) %s missing: a merge needs all %d", strings.Join(missing, ", "), n)
	}
	return nil
}

// mergeDocs joins the shards' documents and copies their grids into out.
func mergeDocs(docs []*reportDoc, dirs []string, out string) (*reportDoc, error) {
	first := docs[0]
	m := &reportDoc{Model: first.Model, Layer: first.Layer, Methods: first.Methods, Config: first.Config,
		InputsTotal: first.InputsTotal, Images: []*reportImage{}, Failed: []reportFailure{}, Columns: reportColumns,
		Extra: reportConventions(first.Config)}
	type placed struct {
		im  *reportImage
		doc int
	}
	var images []placed
	for i, d := range docs {
		m.Stopped = m.Stopped || d.Stopped
		m.ImagesTotal += d.ImagesTotal
		m.Failed = append(m.Failed, d.Failed...)
		for _, im := range d.Images {
			images = append(images, placed{im, i})
		}
	}
	sort.SliceStable(images, func(a, b int) bool { return images[a].im.Index < images[b].im.Index })
	sort.SliceStable(m.Failed, func(a, b int) bool { return m.Failed[a].Index < m.Failed[b].Index })
	taken := map[string]bool{}
	for _, p := range images {
		for _, row := range docs[p.doc].Rows {
			if row.Image == p.im.Path {
				m.Rows = append(m.Rows, row)
			}
		}
		taken[p.im.Path] = true
		if p.im.Grid != "" {
			if !gridRE.MatchString(p.im.Grid) {
				return nil, fmt.Errorf("%s: grid %q is not one camviz wrote", dirs[p.doc], p.im.Grid)
			}
			if err := copyFile(filepath.Join(dirs[p.doc], filepath.FromSlash(p.im.Grid)), filepath.Join(out, filepath.FromSlash(p.im.Grid))); err != nil {
				return nil, err
			}
		}
		m.Images = append(m.Images, p.im)
	}
	// The rows of images a stopped shard did not complete come last.
	for _, d := range docs {
		for _, row := range d.Rows {
			if !taken[row.Image] {
				m.Rows = append(m.Rows, row)
			}
		}
	}
	m.ImagesDone = len(m.Images)
	return m, nil
}

// copyFile copies a grid into the merged report, atomically.
func copyFile(src, dst string) error {
	data, err := files.ReadRegular(src, "grid", 1<<30)
	if err != nil {
		return err
	}
	return export.WriteFile(dst, data)
}
