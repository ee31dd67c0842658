package cam_test

import (
	"testing"

	"camviz/cam"
)

// BenchmarkKernelProjection: KPCA-CAM at features.22 of the golden model
// (784 pixels × 64 channels: a 784×784 kernel).
func BenchmarkKernelProjection(b *testing.B) {
	a, _ := loadAG(b, 22, 7)
	for b.Loop() {
		if _, err := cam.KernelProjection(a); err != nil {
			b.Fatal(err)
		}
	}
}
