package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"camviz/internal/goldenpng"
	"camviz/internal/testfix"
	"camviz/metrics"

	"golang.org/x/net/html"
)

const (
	reportTiny    = "../testdata/golden/tinyvgg16/model.onnx"
	reportTinyNPY = "../testdata/golden/tinyvgg16/input.npy"
	// report64 is the 64×64 VGG16 fixture: 12× cheaper passes than the
	// tiny 224×224 model, for the tests that need many.
	report64  = "../testdata/models/vgg16_op14.onnx"
	reportImg = "../testdata/images/"
)

func reportCmd(args ...string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	status = Run(append([]string{"report"}, args...), &o, &e)
	return o.String(), e.String(), status
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// reportJSON is the part of metrics.json the tests read.
type reportJSON struct {
	ImagesDone  int  `json:"images_done"`
	ImagesTotal int  `json:"images_total"`
	Stopped     bool `json:"stopped"`
	Images      []struct {
		Image string `json:"image"`
		Grid  string `json:"grid"`
		W     int    `json:"grid_width"`
		H     int    `json:"grid_height"`
	} `json:"images"`
	Rows []struct {
		Image     string    `json:"image"`
		Method    string    `json:"method"`
		Class     int       `json:"class"`
		Prob      float64   `json:"prob"`
		Deletion  []float64 `json:"deletion_curve"`
		Insertion []float64 `json:"insertion_curve"`
		DelAUC    float64   `json:"deletion_auc"`
	} `json:"rows"`
	Summary []struct {
		Method string `json:"method"`
		N      int    `json:"n"`
	} `json:"summary"`
}

func readReportJSON(t *testing.T, dir string) reportJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// htmlRefs parses index.html and returns its img sources and link targets.
func htmlRefs(t *testing.T, dir string) (imgs, links []string, svgs, polylines int, text string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := html.NewTokenizer(f)
	var sb strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			return imgs, links, svgs, polylines, sb.String()
		case html.TextToken:
			sb.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			for _, a := range tok.Attr {
				switch {
				case tok.Data == "img" && a.Key == "src":
					imgs = append(imgs, a.Val)
				case tok.Data == "a" && a.Key == "href":
					links = append(links, a.Val)
				}
			}
			switch tok.Data {
			case "svg":
				svgs++
			case "polyline":
				polylines++
			}
		}
	}
}

// TestReportEndToEnd runs the command on the tiny golden model over a photo
// and a tensor and checks every output.
func TestReportEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rep")
	photo := reportImg + "chelsea.png"
	_, stderr, st := reportCmd("-model", reportTiny, "-methods", "gradcam", "-steps", "1", "-cell", "128", "-out", out, photo, reportTinyNPY)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	t.Log(stderr)
	if !strings.Contains(stderr, "[2/2] input.npy") || !strings.Contains(stderr, "2 image(s), 6 row(s)") {
		t.Errorf("progress on stderr: %q", stderr)
	}

	// metrics.csv: the contract's columns first, one row per image × map.
	recs := readCSV(t, filepath.Join(out, "metrics.csv"))
	want := []string{"image", "method", "class", "label", "prob", "deletion_auc", "insertion_auc", "average_drop", "increase_in_confidence"}
	if len(recs) == 0 || !slices.Equal(recs[0][:len(want)], want) {
		t.Fatalf("header %v", recs[0])
	}
	if len(recs) != 7 {
		t.Fatalf("%d rows, want 6 (2 images × gradcam, random, center)", len(recs)-1)
	}
	// The class probability is the model's: check it against a forward pass.
	a := testfix.Analysis(t, reportTiny, reportTinyNPY)
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		seen[r[0]+" "+r[1]] = true
		if r[2] != "7" || r[3] != "class 7" {
			t.Errorf("row %v: want the top class 7", r)
		}
		prob, _ := strconv.ParseFloat(r[4], 64)
		if math.Abs(prob-float64(a.Probs[7])) > 1e-5 {
			t.Errorf("row %v: prob %v, the model says %v", r, prob, a.Probs[7])
		}
		for _, col := range []int{5, 6} {
			if v, err := strconv.ParseFloat(r[col], 64); err != nil || v < 0 || v > 1 {
				t.Errorf("row %v: %s = %q", r, want[col], r[col])
			}
		}
		if v, err := strconv.ParseFloat(r[7], 64); err != nil || v < 0 || v > 100 {
			t.Errorf("row %v: average_drop %q", r, r[7])
		}
		if r[8] != "0" && r[8] != "1" {
			t.Errorf("row %v: increase %q", r, r[8])
		}
	}
	for _, img := range []string{photo, reportTinyNPY} {
		for _, meth := range []string{"gradcam", "random", "center"} {
			if !seen[img+" "+meth] {
				t.Errorf("no row for %s %s", img, meth)
			}
		}
	}

	// metrics.json agrees, with curves that start (deletion) and end
	// (insertion) at the class probability.
	j := readReportJSON(t, out)
	if j.ImagesDone != 2 || j.ImagesTotal != 2 || j.Stopped || len(j.Rows) != 6 || len(j.Images) != 2 || len(j.Summary) != 3 {
		t.Fatalf("metrics.json: %+v", j)
	}
	for i, r := range j.Rows {
		if r.Image != recs[i+1][0] || r.Method != recs[i+1][1] || len(r.Deletion) != 2 || len(r.Insertion) != 2 ||
			math.Abs(r.Deletion[0]-r.Prob) > 1e-5 || math.Abs(r.Insertion[1]-r.Prob) > 1e-5 {
			t.Errorf("json row %d %+v does not match the csv %v", i, r, recs[i+1])
		}
	}

	// The grids: one PNG per image, one column (top1) of three rows
	// (gradcam, random, center), 128-pixel overlays.
	sizes := map[string][2]int{"001-chelsea.png": {128, 85}, "002-input.png": {128, 128}}
	for i, im := range j.Images {
		name := filepath.Base(im.Grid)
		thumb, ok := sizes[name]
		if !ok {
			t.Fatalf("grid %q", im.Grid)
		}
		g := goldenpng.Read(t, filepath.Join(out, im.Grid))
		b := g.Bounds()
		if b.Dx() != im.W || b.Dy() != im.H {
			t.Errorf("%s is %v, metrics.json says %d×%d", name, b.Size(), im.W, im.H)
		}
		if b.Dx() != thumb[0]+2*gridGap || b.Dy() < 3*thumb[1]+4*gridGap+4*13 || b.Dy() > 3*thumb[1]+4*gridGap+12*20 {
			t.Errorf("%s is %v; want %d wide and three %d-pixel rows with captions", name, b.Size(), thumb[0]+2*gridGap, thumb[1])
		}
		// Each cell's overlay is a picture, not background; the gap is white.
		white := color.RGBAModel.Convert(color.White)
		colour := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if color.RGBAModel.Convert(g.At(gridGap/2, y)) != white {
				t.Fatalf("%s: the left margin is not white at y=%d", name, y)
			}
			if c := color.RGBAModel.Convert(g.At(gridGap+thumb[0]/2, y)).(color.RGBA); c.R != c.G || c.G != c.B {
				colour++
			}
		}
		if colour < 3*thumb[1]*9/10 {
			t.Errorf("%s: only %d coloured rows down the middle, want the three overlays", name, colour)
		}
		if i == 0 && j.Images[0].Image != photo {
			t.Errorf("first image %q", j.Images[0].Image)
		}
	}

	// index.html parses, links every grid with a relative path that exists,
	// and has the summary's inline curves.
	imgs, links, svgs, polylines, text := htmlRefs(t, out)
	for _, im := range j.Images {
		if !slices.Contains(imgs, im.Grid) || !slices.Contains(links, im.Grid) {
			t.Errorf("index.html does not show %s (img %v)", im.Grid, imgs)
		}
	}
	for _, ref := range append(imgs, links...) {
		if strings.Contains(ref, ":") || strings.HasPrefix(ref, "/") {
			t.Errorf("reference %q is not relative", ref)
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(ref))); err != nil {
			t.Errorf("reference %q: %v", ref, err)
		}
	}
	if svgs != 6 || polylines < 10 {
		t.Errorf("%d svg, %d polylines; want two curves per summary row", svgs, polylines)
	}
	for _, s := range []string{"gradcam", "random", "center", "deletion AUC", "insertion AUC"} {
		if !strings.Contains(text, s) {
			t.Errorf("index.html has no %q", s)
		}
	}
}

// TestReportFoldersAndClasses: folders are searched recursively for
// images, hidden entries and the output folder are skipped, classes can
// be listed, methods deduplicated.
func TestReportFoldersAndClasses(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		t.Helper()
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := filepath.Join(dir, "in")
	copyFile(reportImg+"chelsea.png", filepath.Join(in, "a", "chelsea.png"))
	copyFile(reportImg+"coffee.png", filepath.Join(in, "a", "b", "Coffee Cup.PNG"))
	copyFile(reportImg+"astronaut.png", filepath.Join(in, ".hidden", "astronaut.png"))
	copyFile(reportImg+"astronaut.png", filepath.Join(in, "out", "grids", "old.png")) // the output folder
	if err := os.WriteFile(filepath.Join(in, "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(in, "out")
	_, stderr, st := reportCmd("-model", report64, "-methods", "gradcam, hirescam,gradcam,random", "-classes", "2,5", "-steps", "1",
		"-cell", "64", "-out", out, in)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	recs := readCSV(t, filepath.Join(out, "metrics.csv"))[1:]
	if len(recs) != 16 {
		t.Fatalf("%d rows, want 2 images × 2 classes × 4 maps", len(recs))
	}
	images := map[string]bool{}
	methods := map[string]int{}
	for _, r := range recs {
		images[r[0]] = true
		methods[r[1]]++
		if r[2] != "2" && r[2] != "5" {
			t.Errorf("class %s", r[2])
		}
	}
	wantImages := []string{filepath.Join(in, "a", "b", "Coffee Cup.PNG"), filepath.Join(in, "a", "chelsea.png")}
	if len(images) != 2 || !images[wantImages[0]] || !images[wantImages[1]] {
		t.Fatalf("images %v, want %v", images, wantImages)
	}
	if len(methods) != 4 || methods["gradcam"] != 4 || methods["random"] != 4 {
		t.Fatalf("methods %v", methods)
	}
	for _, g := range []string{"001-Coffee_Cup.png", "002-chelsea.png"} {
		img := goldenpng.Read(t, filepath.Join(out, "grids", g))
		if w := img.Bounds().Dx(); w != 2*64+3*gridGap {
			t.Errorf("%s is %d wide, want two 64-pixel columns", g, w)
		}
	}
}

// TestReportInterrupt: Ctrl-C after the first image keeps its rows, grid
// and pages, and exits 1 with one line saying how much was done.
func TestReportInterrupt(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rep")
	old := reportImageDone
	defer func() { reportImageDone = old }()
	reportImageDone = func(ctx context.Context, done int) {
		if done != 1 {
			return
		}
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Error(err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Error("SIGINT did not cancel the run")
		}
	}
	_, stderr, st := reportCmd("-model", report64, "-steps", "1", "-cell", "64", "-out", out,
		reportImg+"chelsea.png", reportImg+"coffee.png", reportImg+"astronaut.png")
	if st != 1 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if want := "camviz report: interrupted: 1 of 3 image(s) done, 3 row(s) kept in " + out; last != want {
		t.Fatalf("last line %q, want %q", last, want)
	}
	if recs := readCSV(t, filepath.Join(out, "metrics.csv")); len(recs) != 4 || recs[1][0] != reportImg+"chelsea.png" || recs[3][0] != reportImg+"chelsea.png" {
		t.Fatalf("csv %v, want the first image's 3 rows", recs)
	}
	j := readReportJSON(t, out)
	if !j.Stopped || j.ImagesDone != 1 || j.ImagesTotal != 3 || len(j.Rows) != 3 {
		t.Fatalf("metrics.json %+v", j)
	}
	if _, err := os.Stat(filepath.Join(out, "grids", "001-chelsea.png")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "grids", "002-coffee.png")); err == nil {
		t.Fatal("the second image was drawn after the interrupt")
	}
	if recs := readCSV(t, filepath.Join(out, "metrics.csv")); len(recs) != 4 {
		t.Fatalf("%d csv rows after the interrupt, want 3", len(recs)-1)
	}
	imgs, _, _, _, text := htmlRefs(t, out)
	if !slices.Equal(imgs, []string{"grids/001-chelsea.png"}) || !strings.Contains(text, "stopped early") {
		t.Fatalf("index.html: images %v, stopped note %v", imgs, strings.Contains(text, "stopped early"))
	}
}

// TestReportSurvivesBadImages: every good image is measured, every bad
// one (corrupt, a text file, a pipe, a tensor of the wrong shape) listed on
// stderr and in metrics.json and index.html, and the exit status is 1.
func TestReportSurvivesBadImages(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.png")
	os.WriteFile(broken, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	text := filepath.Join(dir, "notes.jpg")
	os.WriteFile(text, []byte("just words"), 0o644)
	fifo := filepath.Join(dir, "pipe.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rep")
	inputs := []string{broken, reportImg + "chelsea.png", text, fifo, reportTinyNPY, reportImg + "coffee.png"}
	_, stderr, st := reportCmd(append([]string{"-model", report64, "-steps", "1", "-cell", "64", "-out", out}, inputs...)...)
	if st != 1 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	want := "camviz report: 4 of 6 image(s) failed (listed above and in metrics.json); 2 done, 6 row(s) → " + filepath.Join(out, "index.html")
	if last := lines[len(lines)-1]; last != want {
		t.Fatalf("last line %q\nwant %q", last, want)
	}
	bad := map[string]string{broken: "", text: "", fifo: "named pipe", reportTinyNPY: "[1 3 224 224]"}
	for path, why := range bad {
		if !slices.ContainsFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, "camviz report: "+path+": ") && strings.Contains(l, why)
		}) {
			t.Errorf("no stderr line for %s (%q)", path, why)
		}
	}
	recs := readCSV(t, filepath.Join(out, "metrics.csv"))
	if len(recs) != 7 || recs[1][0] != reportImg+"chelsea.png" || recs[6][0] != reportImg+"coffee.png" {
		t.Fatalf("csv %v, want the two good images' 6 rows", recs)
	}
	var j struct {
		reportJSON
		Failed []struct{ File, Error string }
	}
	data, _ := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	if j.Stopped || j.ImagesDone != 2 || j.ImagesTotal != 6 || len(j.Rows) != 6 || len(j.Failed) != 4 {
		t.Fatalf("metrics.json %+v", j)
	}
	for i, f := range j.Failed {
		if want := []string{broken, text, fifo, reportTinyNPY}[i]; f.File != want || f.Error == "" || strings.Contains(f.Error, "\n") {
			t.Errorf("failed[%d] = %+v, want %s with its error", i, f, want)
		}
	}
	imgs, _, _, _, html := htmlRefs(t, out)
	if len(imgs) != 2 || !strings.Contains(html, "Images that failed") || !strings.Contains(html, fifo) {
		t.Fatalf("index.html: images %v, failures listed %v", imgs, strings.Contains(html, "Images that failed"))
	}
}

// TestReportSIGTERMFinishesTheImage: SIGTERM during the second image lets
// it finish, stops before the third, and leaves CSV, JSON and HTML
// agreeing, "stopped": true.
func TestReportSIGTERMFinishesTheImage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rep")
	old := reportImageStart
	defer func() { reportImageStart = old }()
	reportImageStart = func(stop, work context.Context, done int) {
		if done != 1 {
			return
		}
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {
		case <-stop.Done():
		case <-time.After(10 * time.Second):
			t.Error("SIGTERM did not stop the run")
		}
	}
	_, stderr, st := reportCmd("-model", report64, "-steps", "1", "-cell", "64", "-out", out,
		reportImg+"chelsea.png", reportImg+"coffee.png", reportImg+"astronaut.png")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if want := "camviz report: interrupted: 2 of 3 image(s) done, 6 row(s) kept in " + out; st != 1 || lines[len(lines)-1] != want {
		t.Fatalf("status %d, last line %q, want %q", st, lines[len(lines)-1], want)
	}
	if !strings.Contains(stderr, "stopping after the current image") {
		t.Errorf("no note on stopping: %q", stderr)
	}
	if recs := readCSV(t, filepath.Join(out, "metrics.csv")); len(recs) != 7 || recs[6][0] != reportImg+"coffee.png" {
		t.Fatalf("csv %v, want the first two images' rows", recs)
	}
	j := readReportJSON(t, out)
	if !j.Stopped || j.ImagesDone != 2 || len(j.Rows) != 6 || len(j.Images) != 2 || j.Images[1].Grid != "grids/002-coffee.png" {
		t.Fatalf("metrics.json %+v", j)
	}
	ents, _ := os.ReadDir(filepath.Join(out, "grids"))
	if len(ents) != 2 {
		t.Fatalf("%d grids, want 2", len(ents))
	}
	if imgs, _, _, _, text := htmlRefs(t, out); len(imgs) != 2 || !strings.Contains(text, "stopped early") {
		t.Fatalf("index.html: %v", imgs)
	}
}

// TestReportStoppedBeforeAnyImage: a second signal abandons the first
// image; metrics.json still has lists, not null.
func TestReportStoppedBeforeAnyImage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rep")
	old := reportImageStart
	defer func() { reportImageStart = old }()
	reportImageStart = func(stop, work context.Context, done int) {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-stop.Done()
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {
		case <-work.Done():
		case <-time.After(10 * time.Second):
			t.Error("the second signal did not abort the image")
		}
	}
	_, stderr, st := reportCmd("-model", report64, "-steps", "1", "-cell", "64", "-out", out, reportImg+"chelsea.png")
	if st != 1 || !strings.Contains(stderr, "interrupted: 0 of 1 image(s) done") {
		t.Fatalf("status %d: %s", st, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(out, "metrics.json"))
	for _, want := range []string{`"images": []`, `"failed": []`, `"stopped": true`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics.json has no %s", want)
		}
	}
}

// TestReportRerunRemovesItsOldGrids: a second run into the same folder
// leaves only its own grids, and files camviz did not write alone.
func TestReportRerunRemovesItsOldGrids(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rep")
	args := []string{"-model", report64, "-steps", "1", "-cell", "64", "-out", out}
	if _, stderr, st := reportCmd(append(args, reportImg+"chelsea.png", reportImg+"coffee.png")...); st != 0 {
		t.Fatal(stderr)
	}
	mine := []string{filepath.Join(out, "grids", "my-notes.png"), filepath.Join(out, "README.txt")}
	for _, p := range mine {
		os.WriteFile(p, []byte("mine"), 0o644)
	}
	if _, stderr, st := reportCmd(append(args, reportImg+"astronaut.png")...); st != 0 {
		t.Fatal(stderr)
	}
	var names []string
	ents, _ := os.ReadDir(filepath.Join(out, "grids"))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"001-astronaut.png", "my-notes.png"}) {
		t.Fatalf("grids %v, want the new run's and the user's file", names)
	}
	if _, err := os.Stat(mine[1]); err != nil {
		t.Fatal(err)
	}
	if recs := readCSV(t, filepath.Join(out, "metrics.csv")); len(recs) != 4 {
		t.Fatalf("%d csv rows", len(recs)-1)
	}
}

// TestReportErrors: every mistake is one line on stderr and status 1,
// before any work.
func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	img := reportImg + "chelsea.png"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"-model", report64, "-out", out}, "no INPUT"},
		{"no out", []string{"-model", report64, img}, "-out"},
		{"zero steps", []string{"-model", report64, "-steps", "0", "-out", out, img}, "-steps"},
		{"steps above pixels", []string{"-model", report64, "-steps", "4097", "-out", out, img}, "4096 pixels"},
		{"zero batch", []string{"-model", report64, "-batch", "0", "-out", out, img}, "-batch"},
		{"top0", []string{"-model", report64, "-classes", "top0", "-out", out, img}, "K must be"},
		{"empty classes", []string{"-model", report64, "-classes", " , ", "-out", out, img}, "-classes"},
		{"unknown class", []string{"-model", report64, "-classes", "zebra", "-out", out, img}, "zebra"},
		{"class out of range", []string{"-model", report64, "-classes", "10", "-out", out, img}, "out of range"},
		{"unknown method", []string{"-model", report64, "-methods", "nosuch", "-out", out, img}, "nosuch"},
		{"method that does not apply", []string{"-model", report64, "-methods", "cam", "-out", out, img}, "does not apply"},
		{"unknown layer", []string{"-model", report64, "-layer", "nosuch", "-out", out, img}, "nosuch"},
		{"bad baseline", []string{"-model", report64, "-deletion", "black", "-out", out, img}, "-deletion"},
		{"bad alpha", []string{"-model", report64, "-alpha", "2", "-out", out, img}, "opacity"},
		{"missing input", []string{"-model", report64, "-out", out, filepath.Join(dir, "nope.png")}, "nope.png"},
		{"empty folder", []string{"-model", report64, "-out", out, empty}, "no image files"},
		{"missing model", []string{"-model", filepath.Join(dir, "m.onnx"), "-out", out, img}, "model"},
		{"unknown flag", []string{"-frobnicate", "-out", out, img}, "frobnicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, st := reportCmd(c.args...)
			if st != 1 || stdout != "" {
				t.Fatalf("status %d, stdout %q", st, stdout)
			}
			if !strings.HasPrefix(stderr, "camviz report: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("stderr %q, want one line about %q", stderr, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("the output folder was made before the arguments were checked")
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"a/b/chelsea.png": "chelsea", "x/Coffee Cup.PNG": "Coffee_Cup", "../ü ber.jpg": "ber", "dir/.png": "image",
		"t/input.npy": "input", "t/a..b.png": "a..b",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSummarizeRows: means per method, and the paired comparison with the
// random map on the same image and class, on hand-made rows.
func TestSummarizeRows(t *testing.T) {
	f := []float64{0, 1}
	row := func(img, meth string, class int, del, ins, drop float64, inc bool) *reportRow {
		rep := &metrics.Report{Class: class, AverageDrop: drop, IncreaseInConfidence: inc,
			Deletion:  metrics.Curve{Fractions: f, Probs: []float64{1, 2*del - 1}, AUC: del},
			Insertion: metrics.Curve{Fractions: f, Probs: []float64{0, 2 * ins}, AUC: ins}}
		return &reportRow{Image: img, Method: meth, Class: class, DeletionAUC: del, InsertionAUC: ins, AverageDrop: drop, Increase: inc, report: rep}
	}
	rows := []*reportRow{
		row("a", "random", 1, 0.5, 0.5, 10, false),
		row("a", "center", 1, 0.4, 0.5, 20, false),
		row("a", "gradcam", 1, 0.2, 0.7, 30, true), // beats random on both
		row("b", "random", 1, 0.3, 0.4, 10, false),
		row("b", "gradcam", 1, 0.4, 0.6, 50, false), // worse deletion
		row("c", "gradcam", 2, 0.1, 0.9, 10, false), // no random row: not paired
	}
	s := summarize(rows, []string{"gradcam", "hirescam"})
	if len(s) != 3 || s[0].Method != "gradcam" || s[1].Method != "random" || s[2].Method != "center" || !s[1].Baseline || s[0].Baseline {
		t.Fatalf("order %v", s)
	}
	g := s[0]
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if g.N != 3 || !near(g.DeletionAUC, 0.7/3) || !near(g.InsertionAUC, 2.2/3) || !near(g.AverageDrop, 30) || !near(g.IncreaseInConfidence, 100.0/3) {
		t.Fatalf("gradcam means %+v", g.Summary)
	}
	if g.Pairs != 2 || !near(g.DeltaDeletion, (-0.3+0.1)/2) || !near(g.DeltaInsertion, (0.2+0.2)/2) || !near(g.BeatsRandom, 50) {
		t.Fatalf("gradcam vs random: pairs %d Δdel %g Δins %g beats %g", g.Pairs, g.DeltaDeletion, g.DeltaInsertion, g.BeatsRandom)
	}
	if c := s[2]; c.Pairs != 1 || !near(c.DeltaDeletion, -0.1) || c.BeatsRandom != 0 {
		t.Fatalf("center vs random: %+v", c)
	}
	if sp := g.DeletionSVG(); sp == nil || sp.Base == "" || strings.Count(sp.Curve, ",") != 2 {
		t.Fatalf("sparkline %+v", sp)
	}
	if sp := s[1].DeletionSVG(); sp == nil || sp.Base != "" {
		t.Fatalf("random's own sparkline has a baseline: %+v", sp)
	}
}

// TestReportShardsMergeToTheSingleRun: three shards of four images,
// merged, give the single run's rows, summary and grids.
func TestReportShardsMergeToTheSingleRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	for name, src := range map[string]string{"a.png": "chelsea.png", "b.png": "coffee.png", "c.png": "astronaut.png", "d.png": "coffee.png"} {
		data, err := os.ReadFile(reportImg + src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(in, name), data, 0o644)
	}
	args := func(out string, extra ...string) []string {
		return append([]string{"-model", report64, "-methods", "gradcam,hirescam", "-classes", "top2", "-steps", "2", "-cell", "48", "-out", out}, append(extra, in)...)
	}
	single := filepath.Join(dir, "single")
	if _, stderr, st := reportCmd(args(single)...); st != 0 {
		t.Fatal(stderr)
	}
	var shards []string
	for k := range 3 {
		out := filepath.Join(dir, fmt.Sprintf("shard%d", k))
		if _, stderr, st := reportCmd(args(out, "-shard", fmt.Sprintf("%d/3", k))...); st != 0 {
			t.Fatal(stderr)
		}
		shards = append(shards, out)
	}
	if j := readReportJSON(t, shards[1]); j.ImagesDone != 1 || j.Images[0].Image != filepath.Join(in, "b.png") || j.Images[0].Grid != "grids/002-b.png" {
		t.Fatalf("shard 1/3: %+v, want b.png only", j)
	}
	merged := filepath.Join(dir, "merged")
	// Shards given in any order.
	_, stderr, st := reportCmd("-merge", merged, shards[2], shards[0], shards[1])
	if st != 0 || !strings.Contains(stderr, "merged 3 shard(s): 4 image(s), 32 row(s)") {
		t.Fatalf("status %d: %s", st, stderr)
	}
	noSeconds := func(recs [][]string) [][]string {
		col := slices.Index(recs[0], "seconds")
		for _, r := range recs {
			r[col] = ""
		}
		return recs
	}
	a, b := noSeconds(readCSV(t, filepath.Join(single, "metrics.csv"))), noSeconds(readCSV(t, filepath.Join(merged, "metrics.csv")))
	if len(a) != 33 || !slices.EqualFunc(a, b, slices.Equal) {
		t.Fatalf("merged csv differs from the single run's:\n%v\n%v", a, b)
	}
	type doc struct {
		Summary    json.RawMessage `json:"summary"`
		Images     json.RawMessage `json:"images"`
		ImagesDone int             `json:"images_done"`
		Stopped    bool            `json:"stopped"`
		Failed     json.RawMessage `json:"failed"`
	}
	read := func(d string) doc {
		var v doc
		data, _ := os.ReadFile(filepath.Join(d, "metrics.json"))
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	js, jm := read(single), read(merged)
	if len(js.Summary) < 200 || !bytes.Equal(js.Summary, jm.Summary) || !bytes.Equal(js.Images, jm.Images) || jm.ImagesDone != 4 || jm.Stopped || string(jm.Failed) != "[]" {
		t.Fatalf("merged metrics.json differs:\nsummary %s\nvs      %s\nimages %s\nvs     %s", js.Summary, jm.Summary, js.Images, jm.Images)
	}
	for _, g := range []string{"001-a.png", "002-b.png", "003-c.png", "004-d.png"} {
		want, _ := os.ReadFile(filepath.Join(single, "grids", g))
		got, err := os.ReadFile(filepath.Join(merged, "grids", g))
		if err != nil || len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("grid %s: %v", g, err)
		}
	}
	imgs, _, svgs, _, _ := htmlRefs(t, merged)
	if len(imgs) != 4 || svgs != 8 {
		t.Errorf("merged index.html: %d grids, %d curves", len(imgs), svgs)
	}

	for _, c := range []struct {
		dirs []string
		want string
	}{
		{shards[:2], "shard(s) 2/3 missing"},
		{[]string{shards[0], shards[0], shards[1], shards[2]}, "are both shard 0/3"},
		{[]string{single, shards[1]}, single + " is not a shard's report"},
		{[]string{dir}, "holds no report"},
		{nil, "give the shard folders"},
		{[]string{"-steps", "3", shards[0]}, "-steps does not apply"},
	} {
		_, stderr, st := reportCmd(append([]string{"-merge", filepath.Join(dir, "m2")}, c.dirs...)...)
		if _, err := os.Stat(filepath.Join(dir, "m2", "metrics.json")); err == nil {
			t.Errorf("%v: a refused merge wrote a report", c.dirs)
		}
		if st != 1 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: status %d, %q, want %q", c.dirs, st, stderr, c.want)
		}
	}
	for _, bad := range []string{"3/3", "1/0", "a/b", "-1/2"} {
		_, stderr, st := reportCmd(args(filepath.Join(dir, "x"), "-shard", bad)...)
		if st != 1 || !strings.Contains(stderr, "-shard") {
			t.Errorf("-shard %s: %d %q", bad, st, stderr)
		}
	}
}
