package inference

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user + system CPU time so far: on a machine
// shared with other work it moves far less than wall-clock time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU milliseconds per op (per image over n images)
// spent since start.
func reportCPU(b *testing.B, start time.Duration, n int) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/1e3/float64(b.N*n), "cpu-ms/image")
}

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

// benchInput is the golden photo's tensor when the model takes 224×224
// RGB (real activations, real ReLU sparsity), zeros otherwise.
func benchInput(b *testing.B, net *Net) *tensorDense {
	if c, h, w := net.InputSize(); c == 3 && h == 224 && w == 224 {
		x, shape := readNpy(b, "input.npy")
		return newDense(shape, x)
	}
	return net.NewInput(1)
}

func BenchmarkForward(b *testing.B) {
	net := benchNet(b)
	x := benchInput(b, net)
	ctx := context.Background()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		p, err := net.Forward(ctx, x, false)
		if err != nil {
			b.Fatal(err)
		}
		p.Release()
	}
	reportCPU(b, start, 1)
}

func BenchmarkForwardGrad(b *testing.B) {
	net := benchNet(b)
	x := benchInput(b, net)
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
	p, err := net.Forward(ctx, benchInput(b, net), true)
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

// BenchmarkTop5Grads: five classes' gradients in one backward pass.
func BenchmarkTop5Grads(b *testing.B) {
	net := benchNet(b)
	ctx := context.Background()
	p, err := net.Forward(ctx, benchInput(b, net), true)
	if err != nil {
		b.Fatal(err)
	}
	layer := net.DefaultLayer()
	nc := net.NumClasses()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Grads(ctx, layer, []int{i % nc, (i + 1) % nc, (i + 2) % nc, (i + 3) % nc, (i + 4) % nc}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardBatch: a forward pass over a batch of images, as
// ScoreCAM and the faithfulness metrics run them; ms/image is the figure
// to compare across batch sizes.
func BenchmarkForwardBatch(b *testing.B) {
	net := benchNet(b)
	one := benchInput(b, net).Data().([]float32)
	ctx := context.Background()
	for _, n := range []int{1, 2, 4, 8, 16, 32} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			data := make([]float32, 0, n*len(one))
			for range n {
				data = append(data, one...)
			}
			c, h, w := net.InputSize()
			x := newDense([]int{n, c, h, w}, data)
			b.ResetTimer()
			start := cpuTime()
			for i := 0; i < b.N; i++ {
				p, err := net.Forward(ctx, x, false)
				if err != nil {
					b.Fatal(err)
				}
				p.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/image")
			reportCPU(b, start, n)
		})
	}
}
