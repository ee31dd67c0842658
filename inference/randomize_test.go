package inference

import (
	"bytes"
	"context"
	"math"
	"os"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

func goldenModelBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/golden/tinyvgg16/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParamLayersTopDown(t *testing.T) {
	layers, err := ParamLayers(goldenModelBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 16 {
		t.Fatalf("%d parameterised layers, want VGG16's 13 conv + 3 fc", len(layers))
	}
	first, last := layers[0], layers[len(layers)-1]
	if first.Op != "Gemm" || !slices.Equal(first.Params, []string{"classifier.6.weight", "classifier.6.bias"}) || first.FanIn != 256 {
		t.Errorf("top layer %+v, want Gemm classifier.6 with fan-in 256", first)
	}
	if last.Op != "Conv" || !slices.Equal(last.Params, []string{"features.0.weight", "features.0.bias"}) || last.FanIn != 27 {
		t.Errorf("bottom layer %+v, want Conv features.0 with fan-in 3·3·3", last)
	}
	if layers[2].FanIn != 3136 || layers[3].Op != "Conv" || layers[3].FanIn != 64*9 {
		t.Errorf("layers 3–4: %+v %+v, want classifier.0 (fan-in 3136) then features.28 (576)", layers[2], layers[3])
	}
}

func TestRandomize(t *testing.T) {
	model := goldenModelBytes(t)
	layers, err := ParamLayers(model)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := Decode(model)
	if err != nil {
		t.Fatal(err)
	}
	top, conv := layers[0], layers[3]
	a, err := Randomize(model, []string{top.Node, conv.Node}, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Randomize(model, []string{top.Node, conv.Node}, 1)
	other, _ := Randomize(model, []string{top.Node, conv.Node}, 2)
	if !bytes.Equal(a, again) || bytes.Equal(a, other) {
		t.Fatal("the same seed must give the same model, another seed another")
	}
	net, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		for _, p := range l.Params {
			was, now := orig.values[orig.byName[p]].konst.f, net.values[net.byName[p]].konst.f
			changed := l.Node == top.Node || l.Node == conv.Node
			if !changed {
				if !slices.Equal(was, now) {
					t.Errorf("%s changed though its layer was not randomised", p)
				}
				continue
			}
			bound := 1 / math.Sqrt(float64(l.FanIn))
			var sum2 float64
			for _, v := range now {
				if math.Abs(float64(v)) > bound {
					t.Fatalf("%s: %v outside ±%v", p, v, bound)
				}
				sum2 += float64(v) * float64(v)
			}
			// U(−b, b) has standard deviation b/√3.
			if sd := math.Sqrt(sum2 / float64(len(now))); len(now) > 1000 && math.Abs(sd-bound/math.Sqrt(3)) > 0.05*bound {
				t.Errorf("%s: sd %v, want %v", p, sd, bound/math.Sqrt(3))
			}
			if slices.Equal(was, now) {
				t.Errorf("%s unchanged", p)
			}
		}
	}
	// Same weights in a cascade: the top layer drawn alone equals the top
	// layer drawn with the conv.
	alone, err := RandomizedNet(model, []string{top.Node}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(alone.values[alone.byName["classifier.6.weight"]].konst.f, net.values[net.byName["classifier.6.weight"]].konst.f) {
		t.Error("a layer's random weights depend on which other layers are randomised")
	}
	x := tensor.New(tensor.WithShape(1, 3, 224, 224), tensor.WithBacking(make([]float32, 3*224*224)))
	same, err := RandomizedNet(model, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	p0, _ := orig.Forward(context.Background(), x, false)
	p1, _ := same.Forward(context.Background(), x, false)
	if !slices.Equal(p0.Scores(), p1.Scores()) {
		t.Error("randomising no layer changed the logits")
	}
	if _, err := Randomize(model, []string{"nope"}, 1); err == nil {
		t.Error("unknown node accepted")
	}
	if _, err := ParamLayers([]byte{0xff, 0xff}); err == nil {
		t.Error("garbage accepted")
	}
}
