package inference

import (
	"context"
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// TestRepeatedRunsAgree fails on the bug of onnx-go's stock backend, whose
// Gemm accumulated into its bias so every run after the first was wrong.
// Runs of one kind (kept, or not kept: whose Conv → Add → Relu chains are
// fused) repeat exactly; the two kinds agree within blasTol.
func TestRepeatedRunsAgree(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	want := map[bool][]float32{}
	for _, keep := range []bool{false, true} {
		p, err := net.Forward(ctx, x, keep)
		if err != nil {
			t.Fatal(err)
		}
		want[keep] = append([]float32(nil), p.Scores()...)
	}
	for i, v := range want[true] {
		if !near(v, want[false][i], blasTol) {
			t.Fatalf("score %d: kept pass %v, unkept %v", i, v, want[false][i])
		}
	}
	other := net.NewInput(1)
	for i := range other.Data().([]float32) {
		other.Data().([]float32)[i] = float32(math.Sin(float64(i)))
	}
	for run := 0; run < 3; run++ {
		keep := run%2 == 1
		if _, err := net.Forward(ctx, other, !keep); err != nil {
			t.Fatal(err)
		}
		p, err := net.Forward(ctx, x, keep)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range p.Scores() {
			if v != want[keep][i] {
				t.Fatalf("run %d (kept %v): score %d = %v, the first such run gave %v", run, keep, i, v, want[keep][i])
			}
		}
	}
}

// TestGradMatchesFiniteDifference checks the adjoints independently of the
// golden files: nudging one activation moves the score by grad·h.
func TestGradMatchesFiniteDifference(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	layer := "/features/features.22/Relu_output_0"
	p, err := net.Forward(ctx, x, true)
	if err != nil {
		t.Fatal(err)
	}
	const class = 3
	g, err := p.Grad(ctx, layer, class)
	if err != nil {
		t.Fatal(err)
	}
	act, _ := p.Activation(layer)
	base := act.Data().([]float32)
	gd := g.Data().([]float32)
	checked := 0
	for i := 0; i < len(base) && checked < 6; i += 997 {
		if base[i] <= 0.05 { // stay off the ReLU kink
			continue
		}
		const h = 1e-3
		up := append([]float32(nil), base...)
		up[i] += h
		down := append([]float32(nil), base...)
		down[i] -= h
		s, err := p.ScoresWith(ctx, layer, append(up, down...), 2)
		if err != nil {
			t.Fatal(err)
		}
		nc := net.NumClasses()
		fd := (s[class] - s[nc+class]) / (2 * h)
		if d := math.Abs(float64(fd - gd[i])); d > 0.03*math.Abs(float64(gd[i]))+2e-4 {
			t.Errorf("activation %d: finite difference %v, gradient %v", i, fd, gd[i])
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no activation checked")
	}
}

func TestScoresWithUnchangedActivationsGivesScores(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	layer := net.DefaultLayer()
	p, err := net.Forward(ctx, x, true)
	if err != nil {
		t.Fatal(err)
	}
	act, _ := p.Activation(layer)
	a := act.Data().([]float32)
	zero := make([]float32, len(a))
	s, err := p.ScoresWith(ctx, layer, append(append([]float32(nil), a...), zero...), 2)
	if err != nil {
		t.Fatal(err)
	}
	nc := net.NumClasses()
	for k := 0; k < nc; k++ {
		// The tail runs fc6 on a batch of 2, the forward on 1: other
		// product shapes, so rounding may differ (see blasTol).
		if !near(s[k], p.Scores()[k], blasTol) {
			t.Fatalf("class %d: tail gives %v, forward %v", k, s[k], p.Scores()[k])
		}
		if s[nc+k] == s[k] {
			t.Fatalf("class %d: zeroed activations give the same score", k)
		}
	}
}

func TestForwardRejectsWrongInput(t *testing.T) {
	net, _ := loadGolden(t)
	for _, x := range []*tensor.Dense{
		tensor.New(tensor.WithShape(1, 3, 100, 100), tensor.Of(tensor.Float32)),
		tensor.New(tensor.WithShape(3, 224, 224), tensor.Of(tensor.Float32)),
		tensor.New(tensor.WithShape(1, 3, 224, 224), tensor.Of(tensor.Float64)),
	} {
		if _, err := net.Forward(context.Background(), x, false); err == nil {
			t.Errorf("input %v %v: no error", x.Shape(), x.Dtype())
		}
	}
}

func TestForwardHonoursCancel(t *testing.T) {
	net, x := loadGolden(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := net.Forward(ctx, x, false); err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestGradsBatchedEqualsOneByOne: the batched backward used to prefetch
// several classes gives exactly the single-class gradients.
func TestGradsBatchedEqualsOneByOne(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	p, err := net.Forward(ctx, x, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range []string{net.DefaultLayer(), "/features/features.22/Relu_output_0"} {
		classes := []int{7, 2, 0, 9}
		many, err := p.Grads(ctx, layer, classes)
		if err != nil {
			t.Fatal(err)
		}
		for j, c := range classes {
			one, _ := p.Grad(ctx, layer, c)
			a, b := many[j].Data().([]float32), one.Data().([]float32)
			for i := range a {
				if d := math.Abs(float64(a[i] - b[i])); d > 1e-6 {
					t.Fatalf("%s class %d [%d]: batched %v, single %v", layer, c, i, a[i], b[i])
				}
			}
		}
	}
}

// TestBatchEqualsOneByOne: a batch of different images gives each image
// the scores it gets alone (Winograd chunks then mix several images' tiles
// in one product, and split others across products).
func TestBatchEqualsOneByOne(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	one := x.Data().([]float32)
	const n = 5
	data := make([]float32, 0, n*len(one))
	var want [][]float32
	for b := 0; b < n; b++ {
		img := make([]float32, len(one))
		for i, v := range one {
			img[i] = v * float32(math.Cos(float64(b*i%97)))
		}
		data = append(data, img...)
		p, err := net.Forward(ctx, newDense(x.Shape(), img), false)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, append([]float32(nil), p.Scores()...))
		p.Release()
	}
	s := x.Shape()
	p, err := net.Forward(ctx, newDense([]int{n, s[1], s[2], s[3]}, data), false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	got := p.Scores()
	classes := len(got) / n
	for b := 0; b < n; b++ {
		for j := 0; j < classes; j++ {
			if d := math.Abs(float64(got[b*classes+j] - want[b][j])); d > 1e-5 {
				t.Fatalf("image %d class %d: batched %v, alone %v", b, j, got[b*classes+j], want[b][j])
			}
		}
	}
}
