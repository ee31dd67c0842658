package app

import (
	"context"
	"testing"

	"camviz/analysis"
)

// The tiny VGG16 the golden maps were made with, and its layers.
const goldenDir = "../testdata/golden/tinyvgg16"

var goldenLayers = map[int]string{
	22: "/features/features.22/Relu_output_0",
	29: "/features/features.29/Relu_output_0",
}

// goldenAnalysis is the tiny VGG16 on its golden input.
func goldenAnalysis(t testing.TB) *analysis.Analysis {
	t.Helper()
	m, err := analysis.LoadModel(goldenDir+"/model.onnx", "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.OpenInput(goldenDir+"/input.npy", "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
