package cli

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"camviz/imgio"
	"camviz/internal/npytest"
)

const (
	tinyModel = "../testdata/golden/tinyvgg16/model.onnx"
	tinyInput = "../testdata/golden/tinyvgg16/input.npy"
	photo     = "../testdata/images/chelsea.png"
)

func run(args ...string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	status = Run(args, &o, &e)
	return o.String(), e.String(), status
}

func TestPredictJSONReproducesGoldenLogits(t *testing.T) {
	out, errOut, st := run("predict", "-model", tinyModel, "-json", "-top", "3", tinyInput, tinyInput)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	want, _ := npytest.Float32(t, npytest.Golden+"/logits.npy")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines, want one per input", len(lines))
	}
	var first []float32
	for i, l := range lines {
		var r struct {
			Logits []float32 `json:"logits"`
			Top    []struct {
				Class int     `json:"class"`
				Label string  `json:"label"`
				Prob  float32 `json:"prob"`
			} `json:"top"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Top) != 3 || r.Top[0].Class != 7 {
			t.Fatalf("top %+v, want 3 entries led by class 7", r.Top)
		}
		for k, v := range r.Logits {
			if d := v - want[k]; d > 1e-4*0.47 || d < -1e-4*0.47 {
				t.Fatalf("logit %d = %v, golden %v", k, v, want[k])
			}
			if i == 1 && v != first[k] {
				t.Fatalf("repeated input gave logit %d = %v then %v", k, first[k], v)
			}
		}
		first = r.Logits
	}
}

func TestLayersJSON(t *testing.T) {
	out, errOut, st := run("layers", "-model", tinyModel, "-json")
	if st != 0 {
		t.Fatal(errOut)
	}
	var r struct {
		Input  string `json:"input"`
		Layers []struct {
			Name    string `json:"name"`
			Op      string `json:"op"`
			Shape   []int  `json:"shape"`
			Default bool   `json:"default"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Input != "input.1" || len(r.Layers) != 32 {
		t.Fatalf("input %q with %d layers, want input.1 with 32", r.Input, len(r.Layers))
	}
	def := 0
	for _, l := range r.Layers {
		if l.Default {
			def++
			if l.Name != "/features/features.29/Relu_output_0" || l.Op != "Relu" {
				t.Fatalf("default layer %+v", l)
			}
		}
	}
	if def != 1 {
		t.Fatalf("%d default layers", def)
	}
}

func TestCamWritesGoldenNpyAndPNG(t *testing.T) {
	dir := t.TempDir()
	npy := filepath.Join(dir, "m.npy")
	out, errOut, st := run("cam", "-model", tinyModel, "-method", "gradcam", "-class", "7", "-out", npy, "-json", tinyInput)
	if st != 0 {
		t.Fatal(errOut)
	}
	var facts map[string]any
	if err := json.Unmarshal([]byte(out), &facts); err != nil {
		t.Fatal(err)
	}
	if facts["class"].(float64) != 7 || facts["method"] != "gradcam" {
		t.Fatalf("facts %v", facts)
	}
	got, shape, err := imgio.ReadNPYFile(npy)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := npytest.Float32(t, npytest.Golden+"/cam_GradCAM_f29_c7.npy")
	if len(shape) != 2 || shape[0] != 224 || shape[1] != 224 {
		t.Fatalf("map shape %v", shape)
	}
	for i := range got {
		if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("map[%d] = %v, golden %v", i, got[i], want[i])
		}
	}
	png := filepath.Join(dir, "o.png")
	if _, errOut, st := run("cam", "-model", tinyModel, "-class", "tabby", "-out", png, photo); st == 0 || !strings.Contains(errOut, `no class is called "tabby"`) {
		t.Fatalf("label lookup on a 10-class model: status %d, %q", st, errOut)
	}
	if _, errOut, st := run("cam", "-model", tinyModel, "-class", "class 2", "-out", png, photo); st != 0 {
		t.Fatal(errOut)
	}
	img, _, err := imgio.DecodeFile(png, imgio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 451 || b.Dy() != 300 {
		t.Fatalf("overlay is %v, want the photo's 451×300", b)
	}
}

// TestFailuresAreOneLine: every failure is one line on stderr, status 1,
// no stack trace.
func TestFailuresAreOneLine(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "fake.png")
	os.WriteFile(text, []byte("not a picture"), 0o644)
	notModel := filepath.Join(dir, "m.onnx")
	os.WriteFile(notModel, []byte("hello"), 0o644)
	cases := [][]string{
		{"predict", "-model", tinyModel},
		{"predict", "-model", tinyModel, "/no/such/file.png"},
		{"predict", "-model", tinyModel, text},
		{"predict", "-model", notModel, photo},
		{"predict", "-model", "/no/such/model.onnx", photo},
		{"predict", "-model", tinyModel, "-top", "0", photo},
		{"predict", "-bogus"},
		{"cam", "-model", tinyModel, "-method", "nope", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-method", "cam", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-class", "99", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-alpha", "NaN", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-method", "fcconv", "-fcscale", "NaN", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-out", filepath.Join(dir, "x.txt"), photo},
		{"cam", "-model", tinyModel, "-layer", "nope", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-norm", "odd", "-out", filepath.Join(dir, "x.npy"), photo},
		{"cam", "-model", tinyModel, "-out", filepath.Join(dir, "no", "dir", "x.png"), photo},
		{"bench", "-model", tinyModel},
		{"layers", "-model", tinyModel, "-labels", text},
		{"nosuchcommand"},
	}
	for _, c := range cases {
		out, errOut, st := run(c...)
		if st != 1 {
			t.Errorf("%v: status %d, want 1", c, st)
		}
		if out != "" {
			t.Errorf("%v: wrote to stdout: %q", c, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "camviz") || strings.Contains(errOut, "goroutine") {
			t.Errorf("%v: stderr is not one camviz line: %q", c, errOut)
		}
	}
}

// TestDoubleDashProtectsEveryArgument: after `--` every argument is a
// file name, even the ones after the first.
func TestDoubleDashProtectsEveryArgument(t *testing.T) {
	_, errOut, st := run("predict", "-model", tinyModel, "--", photo, "-json")
	if st != 1 || !strings.Contains(errOut, "file not found: -json") {
		t.Fatalf("status %d, stderr %q: want -json taken as a missing file", st, errOut)
	}
	pos, err := ParseInterleaved(newFlags("x"), []string{"a", "--", "-b", "--", "-c"})
	if err != nil || strings.Join(pos, " ") != "a -b -- -c" {
		t.Fatalf("%q, %v", pos, err)
	}
}

// TestCamFlagMessages: the messages of flags that are out of range or
// have no effect say exactly that.
func TestCamFlagMessages(t *testing.T) {
	dir := t.TempDir()
	npy := filepath.Join(dir, "x.npy")
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"-class", "99999999999999999999", "-out", npy}, 1, "camviz cam: class 99999999999999999999 is out of range: the model has 10 classes (0–9)\n"},
		{[]string{"-alpha", "NaN", "-out", npy}, 1, "camviz cam: -alpha must be between 0 and 1\n"},
		{[]string{"-method", "fcconv", "-fcscale", "NaN", "-out", npy}, 1, "camviz cam: -fcscale \"NaN\": want a number\n"},
		{[]string{"-method", "fcconv", "-fcscale", "9", "-out", npy}, 1, "camviz cam: fcconv scale 9 is outside 1–8\n"},
		{[]string{"-samples", "3", "-out", npy}, 1, "camviz cam: -samples does not apply to gradcam (it is for sscam, iscam, smoothgradcam++)\n"},
		{[]string{"-method", "sobelcam", "-target", "prob", "-out", npy}, 1, "camviz cam: -target does not apply to sobelcam (it is for all but eigencam, kpcacam, fem, randomcam, ablationcam, scorecam, faster-scorecam, sscam, iscam, finercam, sobelcam, fcconv, cam)\n"},
		{[]string{"-method", "fcconv", "-layer", "/features/features.22/Relu_output_0,/features/features.29/Relu_output_0", "-out", npy}, 1, "camviz cam: -layer: fcconv reads a fixed layer, not several\n"},
		{[]string{"-layer", "/features/features.29/Relu_output_0,nope", "-out", npy}, 1, "camviz cam: the model has no tensor \"nope\" (run `camviz layers` to list them)\n"},
		{[]string{"-method", "sscam", "-sigma", "-1", "-out", npy}, 1, "camviz cam: cam: noise sigma -1: need a finite value ≥ 0\n"},
		{[]string{"-colormap", "viridis", "-alpha", "0.3", "-out", npy}, 0, "camviz cam: note: -alpha and -colormap only shape the .png overlay; ignored for .npy output\n"},
		{[]string{"-caption", "-out", npy}, 0, "camviz cam: note: -caption only shapes the .png overlay; ignored for .npy output\n"},
		{[]string{"-out", npy}, 0, ""},
	} {
		_, errOut, st := run(append(append([]string{"cam", "-model", tinyModel}, c.args...), tinyInput)...)
		if st != c.status || errOut != c.want {
			t.Errorf("%v: status %d, stderr %q; want %d, %q", c.args, st, errOut, c.status, c.want)
		}
	}
}

// TestThinImageInCropMode: a 29999×3 strip, within the decoder's limits,
// gives a .png map and a report row in crop mode (the part the model saw
// is a 3×3 patch: the map is drawn on the model's view).
func TestThinImageInCropMode(t *testing.T) {
	dir := t.TempDir()
	strip := filepath.Join(dir, "strip.png")
	img := image.NewNRGBA(image.Rect(0, 0, 29999, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 13)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(strip, buf.Bytes(), 0o644)
	out := filepath.Join(dir, "map.png")
	if _, errOut, st := run("cam", "-model", tinyModel, "-resize", "crop", "-out", out, strip); st != 0 {
		t.Fatalf("cam: status %d: %s", st, errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 224 || cfg.Height != 224 {
		t.Fatalf("map.png is %d×%d (%v), want the model's 224×224 view", cfg.Width, cfg.Height, err)
	}
	rep := filepath.Join(dir, "rep")
	if _, errOut, st := run("report", "-model", tinyModel, "-resize", "crop", "-steps", "1", "-cell", "32", "-out", rep, strip); st != 0 {
		t.Fatalf("report: status %d: %s", st, errOut)
	}
	if _, err := os.Stat(filepath.Join(rep, "grids", "001-strip.png")); err != nil {
		t.Fatal(err)
	}
}
