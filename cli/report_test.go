package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
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

	"camviz/app"
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

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
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
	m, err := app.LoadModel(reportTiny, "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.OpenInput(reportTinyNPY, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
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
		g := decodePNG(t, filepath.Join(out, im.Grid))
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
		img := decodePNG(t, filepath.Join(out, "grids", g))
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
	imgs, _, _, _, text := htmlRefs(t, out)
	if !slices.Equal(imgs, []string{"grids/001-chelsea.png"}) || !strings.Contains(text, "stopped early") {
		t.Fatalf("index.html: images %v, stopped note %v", imgs, strings.Contains(text, "stopped early"))
	}
}

// TestReportBadImageMidway: a file that cannot be read stops the run with
// one line naming it, after keeping what was done.
func TestReportBadImageMidway(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.png")
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rep")
	_, stderr, st := reportCmd("-model", report64, "-steps", "1", "-cell", "64", "-out", out, reportImg+"chelsea.png", bad)
	if st != 1 {
		t.Fatalf("status %d", st)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "camviz report: "+bad+": ") || !strings.HasSuffix(last, "(1 of 2 image(s) done, 3 row(s) kept in "+out+")") {
		t.Fatalf("last line %q", last)
	}
	if recs := readCSV(t, filepath.Join(out, "metrics.csv")); len(recs) != 4 {
		t.Fatalf("%d csv rows, want 3", len(recs)-1)
	}
	if j := readReportJSON(t, out); !j.Stopped || j.ImagesDone != 1 {
		t.Fatalf("metrics.json %+v", j)
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
