package analysis

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"camviz/imgio"
)

const dynamicModel = "../testdata/models/dynamic_hw_op13.onnx"

func plainImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	return img
}

// TestDynamicModelTakesTheImageSize: a [1,3,'h','w'] model analyses an
// image at its own size rounded to the stride (4 here), computes maps at
// that size, and takes a .npy of another size as it is.
func TestDynamicModelTakesTheImageSize(t *testing.T) {
	m, err := LoadModel(dynamicModel, "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.ImageInput("photo", plainImage(70, 50), "")
	if err != nil {
		t.Fatal(err)
	}
	if s := in.Tensor.Shape(); s[2] != 52 || s[3] != 72 {
		t.Fatalf("input tensor %v, want [1 3 52 72]", s)
	}
	ctx := context.Background()
	a, err := m.Analyze(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, h, w := a.Model.Net.InputSize(); h != 52 || w != 72 {
		t.Fatalf("the analysis' network takes %d×%d", h, w)
	}
	lm, err := a.Map(ctx, MapRequest{Method: "gradcam", Class: 1, Layer: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if lm.Map.W != 18 || lm.Map.H != 13 {
		t.Fatalf("Grad-CAM at b is %d×%d, want 18×13", lm.Map.W, lm.Map.H)
	}

	path := filepath.Join(t.TempDir(), "x.npy")
	if err := imgio.WriteNPYFile(path, make([]float32, 3*40*44), 1, 3, 40, 44); err != nil {
		t.Fatal(err)
	}
	nin, err := m.OpenInput(path, "")
	if err != nil {
		t.Fatal(err)
	}
	na, err := m.Analyze(ctx, nin)
	if err != nil {
		t.Fatal(err)
	}
	defer na.Close()
	if _, h, w := na.Model.Net.InputSize(); h != 40 || w != 44 {
		t.Fatalf(".npy analysis at %d×%d, want 40×44", h, w)
	}
}

// TestDynamicModelSidecarSize: the sidecar's input_size fixes a symbolic
// size.
func TestDynamicModelSidecarSize(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(dynamicModel)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dyn.onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dyn.json"), []byte(`{"input_size": [3, 64, 96]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, h, w := m.Net.InputSize(); h != 64 || w != 96 {
		t.Fatalf("model takes %d×%d, want the sidecar's 64×96", h, w)
	}
	in, err := m.ImageInput("photo", plainImage(70, 50), "")
	if err != nil {
		t.Fatal(err)
	}
	if s := in.Tensor.Shape(); s[2] != 64 || s[3] != 96 {
		t.Fatalf("input tensor %v, want [1 3 64 96]", s)
	}
}

// TestExternalDataModelLoads: LoadModel reads the weights beside the model.
func TestExternalDataModelLoads(t *testing.T) {
	m, err := LoadModel("../testdata/models/external/ext_op13.onnx", "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Net.NumClasses() != 5 {
		t.Fatalf("%d classes", m.Net.NumClasses())
	}
}
