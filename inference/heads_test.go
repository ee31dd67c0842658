package inference

import (
	"context"
	"errors"
	"testing"
)

// At the model's own input size the dense map is 1×1 and must equal the
// forward pass: any wrong reshape of the fc weights breaks this.
func TestDenseScoresAtInputSizeEqualForward(t *testing.T) {
	net, x := loadGolden(t)
	ctx := context.Background()
	h, err := net.FCHead()
	if err != nil {
		t.Fatal(err)
	}
	if h.C != 64 || h.H != 7 || h.W != 7 {
		t.Fatalf("head reads %d×%d×%d, want 64×7×7", h.C, h.H, h.W)
	}
	d, err := net.DenseScores(ctx, h, x)
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Shape(); s[0] != 10 || s[1] != 1 || s[2] != 1 {
		t.Fatalf("dense map shape %v, want [10 1 1]", s)
	}
	p, _ := net.Forward(ctx, x, false)
	relClose(t, "dense vs forward", d.Data().([]float32), p.Scores(), 1e-5)
}

// At twice the size the 14×14 pooled map gives 8×8 positions of the 7×7
// fc6 window.
func TestDenseScoresUpscaled(t *testing.T) {
	net, _ := loadGolden(t)
	h, err := net.FCHead()
	if err != nil {
		t.Fatal(err)
	}
	x := net.NewInput(1)
	big := upsample2(t, x.Shape(), x.Data().([]float32))
	d, err := net.DenseScores(context.Background(), h, big)
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Shape(); s[0] != 10 || s[1] != 8 || s[2] != 8 {
		t.Fatalf("dense map at 448 is %v, want [10 8 8]", s)
	}
}

func TestLinearHeadRefusesVGG(t *testing.T) {
	net, _ := loadGolden(t)
	_, err := net.LinearHead()
	if !errors.Is(err, ErrNoLinearHead) {
		t.Fatalf("got %v, want ErrNoLinearHead", err)
	}
}

func upsample2(t *testing.T, shape []int, x []float32) *tensorDense {
	t.Helper()
	c, h, w := shape[1], shape[2], shape[3]
	out := make([]float32, c*4*h*w)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < 2*h; y++ {
			for xx := 0; xx < 2*w; xx++ {
				out[ch*4*h*w+y*2*w+xx] = x[ch*h*w+(y/2)*w+xx/2]
			}
		}
	}
	return newDense([]int{1, c, 2 * h, 2 * w}, out)
}

// A GAP → fc head is read densely at every position of the map it
// averages; a constant map makes every position equal the forward scores.
func TestFCHeadOverGlobalPool(t *testing.T) {
	net, err := Load(fixturesDir + "/gap_cam_op14.onnx")
	if err != nil {
		t.Fatal(err)
	}
	h, err := net.FCHead()
	if err != nil {
		t.Fatal(err)
	}
	if h.H != 1 || h.W != 1 {
		t.Fatalf("window %d×%d, want 1×1", h.H, h.W)
	}
	x, shape := readFixtureNpy(t, "input_64.npy")
	d, err := net.DenseScores(context.Background(), h, newDense(shape, x))
	if err != nil {
		t.Fatal(err)
	}
	s := d.Shape()
	if s[0] != net.NumClasses() || s[1] < 2 || s[2] < 2 {
		t.Fatalf("dense map %v, want [%d, ≥2, ≥2]", s, net.NumClasses())
	}
	// The head is linear here (one Gemm): the mean of the dense map over
	// positions equals the forward scores.
	p, _ := net.Forward(context.Background(), newDense(shape, x), false)
	hw := s[1] * s[2]
	mean := make([]float32, s[0])
	for c := range mean {
		for _, v := range d.Data().([]float32)[c*hw : (c+1)*hw] {
			mean[c] += v / float32(hw)
		}
	}
	relClose(t, "mean of dense map vs scores", mean, p.Scores(), 1e-4)
}
