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
