package inference

import (
	"context"
	"errors"
	"math"
	"testing"

	"camviz/cam"
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

// TestCAMEqualsGradCAMOnLinearHeads: on a global-average-pool → linear
// head, d score_c / d A_k = W[c,k]/(H·W) at every position, so Grad-CAM's
// channel weights are CAM's divided by H·W and the two maps agree after
// min-max — on a ResNet-style head (GlobalAveragePool, Flatten, Gemm) and
// a Keras-style one (ReduceMean over H and W, MatMul, Add).
func TestCAMEqualsGradCAMOnLinearHeads(t *testing.T) {
	heads := map[string]func(g *graphBuilder){
		"GlobalAveragePool Flatten Gemm": func(g *graphBuilder) {
			g.node("GlobalAveragePool", []string{"f"}, []string{"p"})
			g.head("p", 4, 5)
		},
		"ReduceMean MatMul Add": func(g *graphBuilder) {
			g.node("ReduceMean", []string{"f"}, []string{"p"}, aInts("axes", 2, 3), aInt("keepdims", 0))
			g.node("MatMul", []string{"p", g.random("lin.w", -1, 1, 4, 5)}, []string{"m"})
			g.node("Add", []string{"m", g.random("lin.b", -1, 1, 5)}, []string{"scores"})
			g.output = "scores"
		},
	}
	ctx := context.Background()
	for name, head := range heads {
		t.Run(name, func(t *testing.T) {
			g := convNet(14)
			g.node("Conv", []string{"a", g.random("c2.w", -0.4, 0.4, 4, 4, 3, 3)}, []string{"b"}, aInts("pads", 1, 1, 1, 1))
			g.node("Add", []string{"a", "b"}, []string{"s"})
			g.node("Relu", []string{"s"}, []string{"f"})
			head(g)
			net, err := Decode(g.bytes())
			if err != nil {
				t.Fatal(err)
			}
			h, err := net.LinearHead()
			if err != nil {
				t.Fatal(err)
			}
			if h.Feature != "f" || h.C != 4 || net.DefaultLayer() != "f" {
				t.Fatalf("head reads %q (%d channels), default layer %q; want f", h.Feature, h.C, net.DefaultLayer())
			}
			p, err := net.Forward(ctx, randomInput(net, 5), true)
			if err != nil {
				t.Fatal(err)
			}
			act, _ := p.Activation("f")
			a := cam.Maps{C: 4, H: 6, W: 6, Data: act.Data().([]float32)}
			for class := 0; class < 5; class++ {
				gr, err := p.Grad(ctx, "f", class)
				if err != nil {
					t.Fatal(err)
				}
				gm := cam.Maps{C: 4, H: 6, W: 6, Data: gr.Data().([]float32)}
				gc, err := cam.LayerMap("gradcam", a, gm)
				if err != nil {
					t.Fatal(err)
				}
				cm, err := cam.WeightedSum(a, h.Weights[class*4:(class+1)*4])
				if err != nil {
					t.Fatal(err)
				}
				for i := range cm.Data {
					if d := math.Abs(float64(cm.Data[i]/36 - gc.Data[i])); d > 1e-5*(1+math.Abs(float64(gc.Data[i]))) {
						t.Fatalf("class %d, position %d: CAM/36 %v, Grad-CAM %v", class, i, cm.Data[i]/36, gc.Data[i])
					}
				}
				if nonzero(gc.Data) == 0 {
					t.Fatalf("class %d: Grad-CAM is all zero", class)
				}
			}
		})
	}
}
