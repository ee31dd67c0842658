package analysis

import (
	"slices"
	"testing"
)

func TestStripLayers(t *testing.T) {
	m, err := LoadModel(tinyModel, "")
	if err != nil {
		t.Fatal(err)
	}
	// VGG's blocks are single operators: the stage ends, and the average
	// pool (7×7) after the last max-pool; not the conv outputs inside a
	// stage, nor the 1-D classifier.
	want := []string{"/features/features.3/Relu_output_0", "/features/features.8/Relu_output_0",
		"/features/features.15/Relu_output_0", "/features/features.22/Relu_output_0",
		"/features/features.29/Relu_output_0", "/avgpool/AveragePool_output_0"}
	if got := m.StripLayers(); !slices.Equal(got, want) {
		t.Errorf("StripLayers = %q, want %q", got, want)
	}
}
