package analysis

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tinyModel is the tiny VGG16 the golden maps were made with.
const tinyModel = "../testdata/golden/tinyvgg16/model.onnx"

// TestLoadModelRefusesNonFiles: the one load path of the window and the
// CLI refuses pipes, devices, folders, sparse giants and oversized labels
// or sidecars by their kind or size, at once, with one line each.
func TestLoadModelRefusesNonFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "giant.onnx")
	mustSparse(t, sparse, 5<<29)
	bigLabels := filepath.Join(dir, "labels.txt")
	mustSparse(t, bigLabels, 2<<30)
	labelsFifo := filepath.Join(dir, "labels.fifo")
	if err := syscall.Mkfifo(labelsFifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A model whose sidecar is a folder, and one whose sidecar is huge.
	model, err := os.ReadFile(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	sideDir := filepath.Join(dir, "a.onnx")
	os.WriteFile(sideDir, model, 0o644)
	os.Mkdir(filepath.Join(dir, "a.json"), 0o755)
	sideBig := filepath.Join(dir, "b.onnx")
	os.WriteFile(sideBig, model, 0o644)
	mustSparse(t, filepath.Join(dir, "b.json"), 3<<20)

	cases := []struct {
		model, labels, want string
	}{
		{fifo, "", "cannot read model: " + fifo + " is a named pipe (FIFO), not a file"},
		{"/dev/zero", "", "cannot read model: /dev/zero is a device, not a file"},
		{dir, "", "cannot read model: " + dir + " is a folder, not a file"},
		{sparse, "", "cannot read model: " + sparse + " is 2.5 GB, over the 2.0 GB limit; ONNX files over 2 GB are not valid protobuf: re-save it with its weights in external data"},
		{tinyModel, bigLabels, "cannot read labels: " + bigLabels + " is 2.0 GB, over the 4.0 MB limit"},
		{tinyModel, labelsFifo, "cannot read labels: " + labelsFifo + " is a named pipe (FIFO)"},
		{tinyModel, "/dev/zero", "cannot read labels: /dev/zero is a device"},
		{sideDir, "", "cannot read model sidecar: " + filepath.Join(dir, "a.json") + " is a folder"},
		{sideBig, "", "cannot read model sidecar: " + filepath.Join(dir, "b.json") + " is 3.0 MB, over the 1.0 MB limit"},
	}
	for _, c := range cases {
		start := time.Now()
		done := make(chan error, 1)
		go func() { _, err := LoadModel(c.model, c.labels); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s, %s: %v\nwant %q", c.model, c.labels, err, c.want)
			}
			// The labels cases load the tiny model first; nothing else is read.
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("%s: took %v", c.model, d)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s, %s: LoadModel blocked", c.model, c.labels)
		}
	}
}

func mustSparse(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// TestSidecarFieldsHonouredOrRefused: input_size, one-element mean/std and
// wrong JSON types are used or refused in plain words, never ignored.
func TestSidecarFieldsHonouredOrRefused(t *testing.T) {
	model, err := os.ReadFile(tinyModel) // [1,3,224,224]
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		side, err string
		mean, std [3]float32
	}{
		{`{"input_size": [3, 224, 224], "mean": [0.5], "std": [0.25]}`, "", [3]float32{0.5, 0.5, 0.5}, [3]float32{0.25, 0.25, 0.25}},
		{`{"input_size": [224, 224], "mean": [0.1, 0.2, 0.3], "std": [1, 2, 3]}`, "", [3]float32{0.1, 0.2, 0.3}, [3]float32{1, 2, 3}},
		{`{"mean": [0.5]}`, "", [3]float32{0.5, 0.5, 0.5}, [3]float32{0.229, 0.224, 0.225}},
		{`{"input_size": [3, 299, 299]}`, "input_size [3 299 299] differs from the model's input [3 224 224]", [3]float32{}, [3]float32{}},
		{`{"input_size": [224]}`, "input_size [224]: give [C,H,W] or [H,W]", [3]float32{}, [3]float32{}},
		{`{"mean": [0.5, 0.5]}`, "mean has 2 values; give 3 (R, G, B) or 1 (all channels)", [3]float32{}, [3]float32{}},
		{`{"std": [0]}`, "std [0 0 0]: every value must be a finite number above 0", [3]float32{}, [3]float32{}},
		{`{"input_size": "224"}`, `"input_size" should be a list of whole numbers, not a JSON string`, [3]float32{}, [3]float32{}},
		{`{"mean": ["a"]}`, `"mean" should be a number, not a JSON string`, [3]float32{}, [3]float32{}},
		{`{"name": 3}`, `"name" should be a string, not a JSON number`, [3]float32{}, [3]float32{}},
		{`{"name": `, "not valid JSON", [3]float32{}, [3]float32{}},
	} {
		m, err := NewModel("t", model, []byte(c.side))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "Go ") {
				t.Errorf("%s: %v, want %q", c.side, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.side, err)
			continue
		}
		if m.Spec.Mean != c.mean || m.Spec.Std != c.std {
			t.Errorf("%s: mean %v std %v, want %v %v", c.side, m.Spec.Mean, m.Spec.Std, c.mean, c.std)
		}
	}
}
