package inference

import (
	"context"
	"os"
	"testing"
)

// Full-size benchmarks read a VGG16 ONNX file named by CAMVIZ_VGG16
// (generate one with shared/tools/export_vgg16.py); the tiny golden model
// is used otherwise.
func benchNet(b *testing.B) *Net {
	b.Helper()
	path := os.Getenv("CAMVIZ_VGG16")
	if path == "" {
		path = goldenDir + "/model.onnx"
	}
	net, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return net
}

func BenchmarkForward(b *testing.B) {
	net := benchNet(b)
	x := net.NewInput(1)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := net.Forward(ctx, x, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkForwardGrad(b *testing.B) {
	net := benchNet(b)
	x := net.NewInput(1)
	ctx := context.Background()
	layer := net.DefaultLayer()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := net.Forward(ctx, x, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Grad(ctx, layer, i%net.NumClasses()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSecondClass(b *testing.B) {
	net := benchNet(b)
	ctx := context.Background()
	p, err := net.Forward(ctx, net.NewInput(1), true)
	if err != nil {
		b.Fatal(err)
	}
	layer := net.DefaultLayer()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Grad(ctx, layer, i%net.NumClasses()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	path := os.Getenv("CAMVIZ_VGG16")
	if path == "" {
		path = goldenDir + "/model.onnx"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadFile(b *testing.B) {
	path := os.Getenv("CAMVIZ_VGG16")
	if path == "" {
		path = goldenDir + "/model.onnx"
	}
	for i := 0; i < b.N; i++ {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}
