package cli

import (
	"path/filepath"
	"testing"

	"camviz/cam"
	"camviz/imgio"
)

// TestGuidedBackpropOutputs: -out x.npy is pytorch-grad-cam's [224,224,3]
// HWC guided gradient (the golden file), -out x.png its deprocess_image.
func TestGuidedBackpropOutputs(t *testing.T) {
	dir := t.TempDir()
	npy, png := filepath.Join(dir, "gb.npy"), filepath.Join(dir, "gb.png")
	for _, out := range []string{npy, png} {
		if _, errOut, st := run("cam", "-model", tinyModel, "-method", "guidedbackprop", "-class", "7", "-out", out, tinyInput); st != 0 {
			t.Fatal(errOut)
		}
	}
	got, shape, err := imgio.ReadNPYFile(npy)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 224 || shape[1] != 224 || shape[2] != 3 {
		t.Fatalf("shape %v, want [224 224 3]", shape)
	}
	want, _, err := imgio.ReadNPYFile("../testdata/golden/tinyvgg16-v2/guidedbackprop_c7.npy")
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("gb[%d] = %g, golden %g", i, got[i], want[i])
		}
	}
	img, _, err := imgio.DecodeFile(png, imgio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	nrgba := img
	if nrgba.Rect.Dx() != 224 || nrgba.Rect.Dy() != 224 {
		t.Fatalf("png %v", img.Bounds())
	}
	bytes := cam.Deprocess(want)
	off := 0
	for p := 0; p < 224*224; p++ {
		for k := 0; k < 3; k++ {
			d := int(nrgba.Pix[4*p+k]) - int(bytes[3*p+k])
			if d > 1 || d < -1 {
				off++
			}
		}
	}
	if off > 0 {
		t.Fatalf("%d png bytes differ from deprocess_image of the golden gradient by more than 1", off)
	}
}
