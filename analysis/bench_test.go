package analysis

import (
	"context"
	"os"
	"testing"
)

// Full-size benchmarks need a VGG16 ONNX file in CAMVIZ_VGG16 (see
// scripts/bench.sh); they use the golden photo's tensor as input.
func benchAnalysis(b *testing.B) *Analysis {
	path := os.Getenv("CAMVIZ_VGG16")
	if path == "" {
		b.Skip("set CAMVIZ_VGG16 to a full-size VGG16 .onnx")
	}
	return analysisOf(b, path, goldenDir+"/input.npy")
}

// BenchmarkMethods: each method's map for a class not asked before.
func BenchmarkMethods(b *testing.B) {
	a := benchAnalysis(b)
	for _, meth := range []string{"gradcam", "gradcam++", "layercam", "eigencam", "ablationcam", "fcconv"} {
		b.Run(meth, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				a.cache = mapCache{} // measure the computation, not the cache
				a.grads = map[gradKey][]float32{}
				if _, err := a.Map(context.Background(), MapRequest{Method: meth, Class: i % 1000}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
