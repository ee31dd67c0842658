package inference

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"camviz/cam"
)

const familiesDir = "../testdata/families"

// familyMeta is the part of a family fixture's meta.json the test reads.
type familyMeta struct {
	Name string `json:"name"`
	Tap  struct {
		Tensor string `json:"tensor"`
	} `json:"tap"`
	Classes []int `json:"classes"`
}

// TestFamiliesMatchTorch runs each CNN family's small fixture (torchvision
// builders at reduced widths, seeded, exported by torch; see
// testdata/families/*/meta.json) and checks, within 1e-4: the logits,
// the tap's activation, d logit/d tap for two classes, and
// pytorch-grad-cam's GradCAM, HiResCAM, GradCAM++ and LayerCAM maps
// through camviz's own cam pipeline. The default layer must be the tap
// (the layer pytorch-grad-cam's README recommends for the family).
func TestFamiliesMatchTorch(t *testing.T) {
	ctx := context.Background()
	eachFamily(t, 10, func(t *testing.T, m familyMeta, dir string, net *Net, x *tensorDense) {
		if got := net.DefaultLayer(); got != m.Tap.Tensor {
			t.Errorf("default layer %s, want %s", got, m.Tap.Tensor)
		}
		p, err := net.Forward(ctx, x, true)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Release()
		want, _ := readNpyFrom(t, filepath.Join(dir, "logits.npy"))
		t.Logf("logits: max abs diff %.2g", closeTo(t, "logits", p.Scores(), want))
		act, err := p.Activation(m.Tap.Tensor)
		if err != nil {
			t.Fatal(err)
		}
		wantAct, ashape := readNpyFrom(t, filepath.Join(dir, "act.npy"))
		t.Logf("activation: max abs diff %.2g", closeTo(t, "activation", act.Data().([]float32), wantAct))
		a := cam.Maps{C: ashape[1], H: ashape[2], W: ashape[3], Data: act.Data().([]float32)}
		checkBatchedPasses(t, net, p, x.Data().([]float32), x.Shape())
		for i, class := range m.Classes {
			g, err := p.Grad(ctx, m.Tap.Tensor, class)
			if err != nil {
				t.Fatal(err)
			}
			k := strconv.Itoa(class)
			wantG, _ := readNpyFrom(t, filepath.Join(dir, "grad_c"+k+".npy"))
			t.Logf("gradient c%d: max abs diff %.2g", class, closeTo(t, "gradient c"+k, g.Data().([]float32), wantG))
			if i > 0 {
				continue // maps are stored for the first class
			}
			gm := cam.Maps{C: a.C, H: a.H, W: a.W, Data: g.Data().([]float32)}
			checkCAMHead(t, net, m, a, gm, class)
			for _, method := range []struct{ name, ref string }{
				{"gradcam", "GradCAM"}, {"hirescam", "HiResCAM"}, {"gradcam++", "GradCAMPlusPlus"}, {"layercam", "LayerCAM"},
			} {
				ref := filepath.Join(dir, "cam_"+method.ref+"_c"+k+".npy")
				if m.Name == "densenet121" {
					// pytorch-grad-cam hooks norm5, which torchvision's forward
					// then ReLUs in place: its stored maps mix the ReLU'd
					// activation with norm5's gradient. The out-of-place maps
					// are the library's on the tensor as the graph has it.
					ref = filepath.Join(dir, "cam_"+method.ref+"_c"+k+"_outofplace.npy")
				}
				wantMap, mshape := readNpyFrom(t, ref)
				lm, err := cam.LayerMap(method.name, a, gm)
				if err != nil {
					t.Fatal(err)
				}
				got, _, err := cam.Postprocess(lm, mshape[1], mshape[0], cam.MinMax, 0)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s c%d: max abs diff %.2g", method.name, class, closeTo(t, method.name, got.Data, wantMap))
			}
		}
	})
}

// diffScale is max |got−want| and max |want|, failing t when got and
// want differ in length.
func diffScale(t *testing.T, what string, got, want []float32) (worst, scale float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		scale = math.Max(scale, math.Abs(float64(want[i])))
	}
	return worst, scale
}

// closeTo fails t when got and want differ by more than 1e-4 anywhere
// (relative to the largest value when it exceeds 1), and returns the max
// abs difference.
func closeTo(t *testing.T, what string, got, want []float32) float64 {
	t.Helper()
	worst, scale := diffScale(t, what, got, want)
	if !(worst <= 1e-4*math.Max(1, scale)) {
		t.Errorf("%s: max abs diff %.3g (largest value %.3g)", what, worst, scale)
	}
	return worst
}

// linearHeads are the families whose head is global average pool → one
// linear layer, where the original CAM applies.
var linearHeads = map[string]bool{
	"resnet18": true, "resnet50": true, "densenet121": true, "mobilenet_v2": true, "efficientnet_b0": true,
	"regnet_x_400mf": true, "googlenet": true, "shufflenet_v2": true,
	"mobilenet_v3_small": false, "convnext_tiny": false, "squeezenet1_1": false,
}

// checkCAMHead checks that CAM applies exactly to the GAP → linear
// families and that there it is Grad-CAM times H·W.
func checkCAMHead(t *testing.T, net *Net, m familyMeta, a, g cam.Maps, class int) {
	t.Helper()
	h, err := net.LinearHead()
	if want := linearHeads[m.Name]; (err == nil) != want {
		t.Fatalf("LinearHead: %v, want a head: %v", err, want)
	}
	if err != nil {
		return
	}
	if h.Feature != m.Tap.Tensor {
		if m.Name != "densenet121" { // the head pools ReLU(norm5)
			t.Errorf("CAM reads %s, want %s", h.Feature, m.Tap.Tensor)
		}
		return
	}
	cm, err := cam.WeightedSum(a, h.Weights[class*h.C:(class+1)*h.C])
	if err != nil {
		t.Fatal(err)
	}
	gc, err := cam.LayerMap("gradcam", a, g)
	if err != nil {
		t.Fatal(err)
	}
	hw := float32(a.H * a.W)
	for i := range cm.Data {
		if d := math.Abs(float64(cm.Data[i]/hw - gc.Data[i])); d > 1e-5*(1+math.Abs(float64(gc.Data[i]))) {
			t.Fatalf("position %d: CAM/(H·W) %v, Grad-CAM %v", i, cm.Data[i]/hw, gc.Data[i])
		}
	}
}

// checkBatchedPasses checks the passes ScoreCAM and AblationCAM run on
// every family: a batch of two images gives each one's scores, and the
// tail after a layer in the middle of the network (inside a block, with
// its skip connections and concatenations) given [A, 0.5·A] gives the
// scores of the pass first.
func checkBatchedPasses(t *testing.T, net *Net, p *Pass, x []float32, shape []int) {
	t.Helper()
	ctx := context.Background()
	half := make([]float32, len(x))
	for i, v := range x {
		half[i] = v / 2
	}
	b, err := net.Forward(ctx, newDense(append([]int{2}, shape[1:]...), append(append([]float32(nil), x...), half...)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	nc := net.NumClasses()
	closeTo(t, "batched scores", b.Scores()[:nc], p.Scores())
	layers := net.Layers()
	mid := layers[len(layers)/2].Name
	act, err := p.Activation(mid)
	if err != nil {
		t.Fatal(err)
	}
	av := act.Data().([]float32)
	scaled := make([]float32, len(av))
	for i, v := range av {
		scaled[i] = v / 2
	}
	s, err := p.ScoresWith(ctx, mid, append(append([]float32(nil), av...), scaled...), 2)
	if err != nil {
		t.Fatalf("tail after %s: %v", mid, err)
	}
	closeTo(t, "tail scores after "+mid, s[:nc], p.Scores())
	same := true
	for k := 0; k < nc; k++ {
		same = same && s[nc+k] == s[k]
	}
	if same {
		t.Errorf("tail after %s: halved activations give the same scores", mid)
	}
}

// eachFamily runs fn as a subtest for each family fixture
// (testdata/families/*/meta.json) with its model loaded and its input,
// after checking that there are want of them.
func eachFamily(t *testing.T, want int, fn func(t *testing.T, m familyMeta, dir string, net *Net, x *tensorDense)) {
	t.Helper()
	eachFixture(t, filepath.Join(familiesDir, "*", "meta.json"), want, func(t *testing.T, m familyMeta, dir string, net *Net, x []float32, shape []int) {
		fn(t, m, dir, net, newDense(shape, x))
	})
}

// fixtureMeta is a fixture folder's JSON description, which names its subtest.
type fixtureMeta interface{ fixtureName() string }

func (m familyMeta) fixtureName() string { return m.Name }

// eachFixture runs fn as a subtest for each fixture folder whose JSON
// description matches pattern (a glob), with the folder's model.onnx loaded
// and its input.npy read, after checking that at least want match.
func eachFixture[M fixtureMeta](t *testing.T, pattern string, want int, fn func(t *testing.T, m M, dir string, net *Net, x []float32, shape []int)) {
	t.Helper()
	paths, _ := filepath.Glob(pattern)
	if len(paths) < want {
		t.Fatalf("found %d fixtures %s, want %d", len(paths), pattern, want)
	}
	for _, path := range paths {
		dir := filepath.Dir(path)
		m := readJSON[M](t, path)
		t.Run(m.fixtureName(), func(t *testing.T) {
			net, err := Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			x, shape := readNpyFrom(t, filepath.Join(dir, "input.npy"))
			fn(t, m, dir, net, x, shape)
		})
	}
}

// readJSON decodes the JSON file at path.
func readJSON[M any](t *testing.T, path string) M {
	t.Helper()
	var m M
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
