package inference

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestAblationScoresMatchTheTail compares the fc6 shortcut with running
// the whole tail on each ablated activation tensor, after the last ReLU
// (fill 0) and before it (a different fill per channel, as the reference
// uses when the minimum is not 0).
func TestAblationScoresMatchTheTail(t *testing.T) {
	net, p := keptGolden(t)
	ctx := context.Background()
	for _, layer := range []string{"/features/features.29/Relu_output_0", "/features/features.28/Conv_output_0"} {
		act, err := p.Activation(layer)
		if err != nil {
			t.Fatal(err)
		}
		a := act.Data().([]float32)
		s := act.Shape()
		c, plane := s[1], s[2]*s[3]
		fills := make([]float32, c)
		for k := range fills {
			if strings.Contains(layer, "Conv") && k%3 != 0 {
				fills[k] = float32(k%5) * 0.37
			}
		}
		got, err := p.AblationScores(ctx, layer, fills, nil)
		if err != nil {
			t.Fatalf("%s: %v", layer, err)
		}
		classes := net.NumClasses()
		if len(got) != c*classes {
			t.Fatalf("%s: %d scores, want %d", layer, len(got), c*classes)
		}
		batch := make([]float32, 0, c*len(a))
		for k := 0; k < c; k++ {
			item := append([]float32(nil), a...)
			for i := k * plane; i < (k+1)*plane; i++ {
				item[i] = fills[k]
			}
			batch = append(batch, item...)
		}
		want, err := p.ScoresWith(ctx, layer, batch, c)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range want {
			worst = max(worst, math.Abs(float64(got[i]-want[i])))
		}
		t.Logf("%s: worst %g", layer, worst)
		if worst > 2e-5 {
			t.Errorf("%s: shortcut differs from the tail by %g", layer, worst)
		}
	}
}

func TestAblationScoresNeedAChannelPath(t *testing.T) {
	_, p := keptGolden(t)
	ctx := context.Background()
	layer := "/features/features.22/Relu_output_0" // a conv follows
	act, _ := p.Activation(layer)
	_, err := p.AblationScores(ctx, layer, make([]float32, act.Shape()[1]), nil)
	if !errors.Is(err, ErrNoChannelPath) {
		t.Fatalf("got %v, want ErrNoChannelPath", err)
	}
}

// keptGolden is the tiny golden model and its kept pass on the golden
// photo, released when the test ends.
func keptGolden(t *testing.T) (*Net, *Pass) {
	t.Helper()
	net, x := loadGolden(t)
	p, err := net.Forward(context.Background(), x, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Release)
	return net, p
}

// TestAblationClassScoresMatchTheTail: the one-class head (fc7 as one
// product over the changed rows, fc8's column of the class) gives each
// class the score the whole tail gives on each ablated activation tensor
// (within 2e-5), and a channel that is zero everywhere already (its
// ablation changes nothing) gets the pass's own score exactly.
func TestAblationClassScoresMatchTheTail(t *testing.T) {
	net, p := keptGolden(t)
	ctx := context.Background()
	layer := "/features/features.29/Relu_output_0"
	act, err := p.Activation(layer)
	if err != nil {
		t.Fatal(err)
	}
	a := act.Data().([]float32)
	c, plane := act.Shape()[1], act.Shape()[2]*act.Shape()[3]
	fills := make([]float32, c)
	batch := make([]float32, 0, c*len(a))
	var dead []int
	for k := 0; k < c; k++ {
		item := append([]float32(nil), a...)
		zero := true
		for i := k * plane; i < (k+1)*plane; i++ {
			zero = zero && item[i] == 0
			item[i] = 0
		}
		if zero {
			dead = append(dead, k)
		}
		batch = append(batch, item...)
	}
	want, err := p.ScoresWith(ctx, layer, batch, c)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := net.channelPath(net.byName[layer])
	if err != nil {
		t.Fatal(err)
	}
	if chain, ok := net.headChain(cp.gemm.out); !ok || len(chain) < 3 {
		t.Fatalf("the VGG head after fc6 is not taken as a plain chain (%d steps)", len(chain))
	}
	classes := net.NumClasses()
	for _, class := range []int{0, 7, classes - 1} {
		got, err := p.AblationClassScores(ctx, layer, class, fills, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c {
			t.Fatalf("%d scores, want %d", len(got), c)
		}
		for k, v := range got {
			if d := math.Abs(float64(v - want[k*classes+class])); !(d <= 2e-5) {
				t.Fatalf("class %d channel %d: %g, the tail gives %g", class, k, v, want[k*classes+class])
			}
		}
		for _, k := range dead {
			if got[k] != p.Scores()[class] {
				t.Errorf("class %d: dead channel %d scored %g, want the pass's own %g", class, k, got[k], p.Scores()[class])
			}
		}
	}
	if _, err := p.AblationClassScores(ctx, layer, classes, fills, nil); err == nil {
		t.Errorf("class %d of %d accepted", classes, classes)
	}
	t.Logf("%d of %d channels dead", len(dead), c)
}
