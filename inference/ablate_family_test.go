package inference

import (
	"context"
	"errors"
	"math"
	"testing"

	"camviz/cam"
)

// ablationRoutes is the route AblationClassScores takes at each family
// fixture's default layer: the fc shortcut (channelPath), SqueezeNet's
// conv head (convHead), or the batched tail (neither).
var ablationRoutes = map[string]string{
	"resnet18": "fc", "resnet50": "fc", "densenet121": "fc", "mobilenet_v2": "fc", "efficientnet_b0": "fc",
	"regnet_x_400mf": "fc", "googlenet": "fc", "shufflenet_v2": "fc", "mobilenet_v3_small": "fc",
	"squeezenet1_1": "conv", "convnext_tiny": "tail",
}

// TestAblationClassScoresOnEveryFamily: at each family fixture's default
// layer, the one-class ablation scores equal the whole tail run on each
// ablated activation tensor (within 1e-5 of the scores' size), for the
// fills AblationCAM uses (0 after a ReLU, the reference's min − i·1e7
// otherwise), two classes; the route taken is the expected one, and some
// channel's ablation moves the score (so a route that returned the pass's
// own score for every channel would fail).
func TestAblationClassScoresOnEveryFamily(t *testing.T) {
	ctx := context.Background()
	eachFamily(t, len(ablationRoutes), func(t *testing.T, m familyMeta, dir string, net *Net, x *tensorDense) {
		p, err := net.Forward(ctx, x, true)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Release()
		layer := net.DefaultLayer()
		checkAblationRoute(t, net, layer, ablationRoutes[m.Name])
		act, err := p.Activation(layer)
		if err != nil {
			t.Fatal(err)
		}
		s := act.Shape()
		a := cam.Maps{C: s[1], H: s[2], W: s[3], Data: act.Data().([]float32)}
		fills := cam.AblationFills(a, 128)
		var want []float32
		if ablationRoutes[m.Name] != "tail" {
			want = ablatedTailOf(t, p, layer, a.Data, a.C, a.H*a.W, fills)
		}
		classes := net.NumClasses()
		for _, class := range m.Classes {
			got, err := p.AblationClassScores(ctx, layer, class, fills, nil)
			if ablationRoutes[m.Name] == "tail" {
				if !errors.Is(err, ErrNoChannelPath) {
					t.Fatalf("class %d: got %v, want ErrNoChannelPath (cam runs the tail then)", class, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			worst, scale, moved := 0.0, 1.0, 0
			for k := range got {
				w := want[k*classes+class]
				worst = math.Max(worst, math.Abs(float64(got[k]-w)))
				scale = math.Max(scale, math.Abs(float64(w)))
				if got[k] != p.Scores()[class] {
					moved++
				}
			}
			t.Logf("class %d: worst %.3g of %.3g; %d of %d channels move the score", class, worst, scale, moved, a.C)
			if !(worst <= 1e-5*scale) {
				t.Errorf("class %d: differs from the tail by %.3g (scores up to %.3g)", class, worst, scale)
			}
			if moved == 0 {
				t.Errorf("class %d: no ablation moves the score", class)
			}
		}
	})
}

// checkAblationRoute fails t unless the layer's head is read as route.
func checkAblationRoute(t *testing.T, net *Net, layer, route string) {
	t.Helper()
	id := net.byName[layer]
	_, fcErr := net.channelPath(id)
	_, convErr := net.convHead(id)
	got := "tail"
	switch {
	case fcErr == nil:
		got = "fc"
	case convErr == nil:
		got = "conv"
	}
	if got != route {
		t.Errorf("%s: route %s (fc: %v; conv: %v), want %s", layer, got, fcErr, convErr, route)
	}
	for _, err := range []error{fcErr, convErr} {
		if err != nil && !errors.Is(err, ErrNoChannelPath) {
			t.Errorf("%s: %v is not ErrNoChannelPath", layer, err)
		}
	}
}
