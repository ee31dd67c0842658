package inference

import (
	"context"
	"testing"
)

// BenchmarkAblationClassScores times AblationCAM's network part alone
// (AblationClassScores at the default layer, fill 0, class 246 or the
// last) on the model CAMVIZ_VGG16 names, the tiny golden VGG otherwise.
func BenchmarkAblationClassScores(b *testing.B) {
	net := benchNet(b)
	ctx := context.Background()
	p, err := net.Forward(ctx, benchInput(b, net), true)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Release()
	layer := net.DefaultLayer()
	act, err := p.Activation(layer)
	if err != nil {
		b.Fatal(err)
	}
	fills := make([]float32, act.Shape()[1])
	class := min(246, net.NumClasses()-1)
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := p.AblationClassScores(ctx, layer, class, fills, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, 1)
}
