package inference

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixturesDir = "../testdata/models"

type fixture struct {
	Name       string   `json:"name"`
	File       string   `json:"file"`
	Kind       string   `json:"kind"`
	InputFile  string   `json:"input_file"`
	InputName  string   `json:"input_name"`
	OutputName string   `json:"output_name"`
	Opset      int64    `json:"opset"`
	OpTypes    []string `json:"op_types"`
	Classes    int      `json:"num_classes"`
	Logits     string   `json:"logits_file"`
	Softmax    bool     `json:"has_softmax"`
}

func readFixtures(t *testing.T) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Fixtures []fixture }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Fixtures
}

func readFixtureNpy(t *testing.T, name string) ([]float32, []int) {
	t.Helper()
	return readNpyFrom(t, filepath.Join(fixturesDir, name))
}

// TestFixturesMatchTorch loads every export layout camviz must read —
// torchvision VGGs at opsets 7–17, BatchNorm, Identity-deduplicated zero
// biases, Shape→Reshape chains, the ONNX zoo's vgg16-7/-12 layouts,
// GAP/Softmax heads and a 37-class fine-tune — and checks the scores
// against torch, repeated runs and the gradient at the default layer.
func TestFixturesMatchTorch(t *testing.T) {
	ctx := context.Background()
	for _, f := range readFixtures(t) {
		if f.Kind != "good" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			net, err := Load(filepath.Join(fixturesDir, f.File))
			if err != nil {
				t.Fatal(err)
			}
			info := net.Info()
			if info.InputName != f.InputName || info.NumClasses != f.Classes || info.Opset != f.Opset {
				t.Fatalf("info %+v, want input %s, %d classes, opset %d", info, f.InputName, f.Classes, f.Opset)
			}
			if info.SoftmaxHead != f.Softmax {
				t.Errorf("softmax head %v, want %v", info.SoftmaxHead, f.Softmax)
			}
			x, shape := readFixtureNpy(t, f.InputFile)
			in := newDense(shape, x)
			want, _ := readFixtureNpy(t, f.Logits)
			for run := 0; run < 2; run++ {
				p, err := net.Forward(ctx, in, run == 1)
				if err != nil {
					t.Fatal(err)
				}
				relClose(t, "scores", p.Scores(), want, 1e-4)
				if run == 1 {
					g, err := p.Grad(ctx, net.DefaultLayer(), 1)
					if err != nil {
						t.Fatal(err)
					}
					if nonzero(g.Data().([]float32)) == 0 {
						t.Errorf("gradient at %s is all zero", net.DefaultLayer())
					}
				}
			}
		})
	}
}

func nonzero(s []float32) int {
	n := 0
	for _, v := range s {
		if v != 0 {
			n++
		}
	}
	return n
}

// TestBadModels: every broken model gets one clear line naming the cause.
func TestBadModels(t *testing.T) {
	data := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(fixturesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := data("vgg16_op14.onnx")
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"random bytes", []byte("\x07\xff\xfe garbage \x00\x01 not a model at all"), "not an ONNX model"},
		{"text", []byte("hello, I am a text file\n"), "not an ONNX model"},
		{"truncated 10%", good[:len(good)/10], "not an ONNX model"},
		{"truncated 50%", good[:len(good)/2], "not an ONNX model"},
		{"truncated at end", good[:len(good)-3], "not an ONNX model"},
		{"unsupported op", data("bad_unsupported_op.onnx"), `unsupported operator ThresholdedRelu (node "odd_activation", opset 13); supported: Add, AveragePool, BatchNormalization, Cast`},
		{"no conv", data("bad_no_conv.onnx"), "no convolution layer"},
		{"mismatched gemm", data("bad_mismatched_gemm.onnx"), "Gemm input has 128 features but the weights expect 100"},
		{"text input", data("bad_text_input.onnx"), "is not float32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestNaNWeightsReported(t *testing.T) {
	net, err := Load(filepath.Join(fixturesDir, "bad_nan_weights.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	x, shape := readFixtureNpy(t, "input_64.npy")
	p, err := net.Forward(context.Background(), newDense(shape, x), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckFinite(); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("CheckFinite = %v, want a NaN error", err)
	}
}

func TestHugeModelRefusedBeforeReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.onnx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: 3 GB on paper, nothing on disk.
	if err := f.Truncate(3 << 30); err != nil {
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "over 2 GB") {
		t.Fatalf("got %v, want a refusal naming the 2 GB limit", err)
	}
}

func TestMissingAndFolderModel(t *testing.T) {
	for _, path := range []string{filepath.Join(t.TempDir(), "nope.onnx"), t.TempDir()} {
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "cannot read model") {
			t.Errorf("%s: got %v", path, err)
		}
	}
}
