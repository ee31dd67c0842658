package cam

import "testing"

// batcher is a Source whose model asks for batches of b.
type batcher struct {
	Source
	b int
}

func (s batcher) MaskBatch() int { return s.b }

// TestMaskBatch: a batch set in the options wins; otherwise the model's;
// a source that does not say gets 4, and a model's nonsense 0 gets 1.
func TestMaskBatch(t *testing.T) {
	for _, c := range []struct {
		name   string
		src    Source
		option float64
		want   int
	}{
		{"option set", batcher{b: 4}, 2, 2},
		{"the model's", batcher{b: 8}, 0, 8},
		{"the model's 1", batcher{b: 1}, 0, 1},
		{"a model's 0", batcher{b: 0}, 0, 1},
		{"source without a model batch", struct{ Source }{}, 0, 4},
		{"negative option", batcher{b: 2}, -3, 2},
	} {
		if got := maskBatch(c.src, c.option); got != c.want {
			t.Errorf("%s: batch %d, want %d", c.name, got, c.want)
		}
	}
}
