package inference

import (
	"path/filepath"
	"testing"
)

func TestMaskBatchFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		streamed, want int
	}{
		{0, 1},
		{128 * mb, 1},   // one image's stream is within the budget
		{128*mb + 1, 2}, // just over: two share it
		{8 * mb, 1},     // ResNet-50's fc (2048×1000)
		{494 * mb, 4},   // VGG16's fc6–fc8
		{512 * mb, 4},   // exactly four budgets
		{513 * mb, 8},   //
		{4096 * mb, 8},  // capped
		{1 << 40, 8},    // capped
	} {
		if got := maskBatchFor(c.streamed); got != c.want {
			t.Errorf("maskBatchFor(%d MB) = %d, want %d", c.streamed/mb, got, c.want)
		}
	}
}

// TestOnceUsedWeights counts the fully connected weights of the golden
// VGG (256×3136 + 256×256 + 10×256) and of two fixtures: ResNet-18's fc
// (10×64) and SqueezeNet, whose classifier is a convolution over a
// 13×13 plane (used 169 times per image: not counted).
func TestOnceUsedWeights(t *testing.T) {
	for _, c := range []struct {
		path string
		want int
	}{
		{filepath.Join(goldenDir, "model.onnx"), 256*3136 + 256*256 + 10*256},
		{filepath.Join(familiesDir, "resnet18", "model.onnx"), 10 * 64},
		{filepath.Join(familiesDir, "squeezenet1_1", "model.onnx"), 0},
	} {
		net, err := Load(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := net.onceUsedWeights(); got != c.want {
			t.Errorf("%s: %d once-used weights, want %d", c.path, got, c.want)
		}
		if got := net.MaskBatch(); got != 1 {
			t.Errorf("%s: MaskBatch %d, want 1 for a small head", c.path, got)
		}
	}
}
