package cam_test

import (
	"fmt"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestGoldenFullGrad feeds FullGradMap the input gradient and every conv
// layer's bias gradient from the reference network's backward and checks
// pytorch-grad-cam's FullGrad maps within 1e-4.
func TestGoldenFullGrad(t *testing.T) {
	net, x := goldenRefNet(t)
	s := net.forwardFrom(-1, x)
	for _, class := range goldenClasses {
		t.Run(fmt.Sprintf("c%d", class), func(t *testing.T) {
			seed := make([]float32, 10)
			seed[class] = 1
			xGrad, outs := s.backwardAll(seed)
			var biases [][]float32
			var grads []cam.Maps
			for i := 0; i <= 30; i++ {
				if b, ok := net[fmt.Sprintf("features.%d.bias", i)]; ok {
					biases = append(biases, b.data)
					grads = append(grads, outs[i])
				}
			}
			if len(biases) != 13 {
				t.Fatalf("%d conv layers, want 13", len(biases))
			}
			want, err := golden2.Map(fmt.Sprintf("cam_FullGrad_c%d.npy", class))
			if err != nil {
				t.Fatal(err)
			}
			got, err := cam.FullGradMap(x, xGrad, biases, grads, want.W, want.H)
			if err != nil {
				t.Fatal(err)
			}
			d := camtest.MaxAbsDiff(got.Data, want.Data)
			camtest.Within(t, d, 1e-4)
			inputOnly, err := cam.FullGradMap(x, xGrad, nil, nil, want.W, want.H)
			if err != nil {
				t.Fatal(err)
			}
			if d := camtest.MaxAbsDiff(inputOnly.Data, want.Data); d <= 1e-2 {
				t.Errorf("the input part alone is within %.3g: the bias parts are not tested", d)
			}
		})
	}
}

func TestFullGradErrors(t *testing.T) {
	x := cam.Maps{C: 1, H: 2, W: 2, Data: []float32{1, 2, 3, 4}}
	g := cam.Maps{C: 2, H: 1, W: 1, Data: []float32{1, 2}}
	if _, err := cam.FullGradMap(x, x, [][]float32{{1}}, []cam.Maps{g}, 2, 2); err == nil {
		t.Error("1 bias for 2 channels: no error")
	}
	if _, err := cam.FullGradMap(x, x, nil, []cam.Maps{g}, 2, 2); err == nil {
		t.Error("no biases for a gradient: no error")
	}
	if _, err := cam.FullGradMap(x, g, nil, nil, 2, 2); err == nil {
		t.Error("input gradient of another shape: no error")
	}
}
