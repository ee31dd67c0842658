package cam_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"sync"
	"testing"
	"time"
	"unsafe"

	"camviz/cam"
	"camviz/cam/camtest"
)

// TestRefNet checks the test-only reference network against the golden
// activations and logits, so that the AblationCAM and ScoreCAM golden tests
// below test cam and not the reference network.
//
// The reference-network tests check numbers, not concurrency, and the race
// detector makes them ~20 times slower, so under -race they are reduced
// (CAMVIZ_SLOW=1 restores them).
func TestRefNet(t *testing.T) {
	net, x := goldenRefNet(t)
	in := act{c: x.C, h: x.H, w: x.W, data: append([]float32(nil), x.Data...)}
	f22 := net.features(in, 0, 22)
	f29 := net.features(act{f22.c, f22.h, f22.w, append([]float32(nil), f22.data...)}, 23, 29)
	for _, c := range []struct {
		layer int
		got   act
	}{{22, f22}, {29, f29}} {
		want, err := golden.Activations(c.layer)
		if err != nil {
			t.Fatal(err)
		}
		if d := relDiff(c.got.data, want.Data); d > 1e-4 {
			t.Errorf("act_f%d: relative diff %.3g", c.layer, d)
		}
	}
	logits, err := net.full()(context.Background(), x.Data, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := golden.Logits()
	if err != nil {
		t.Fatal(err)
	}
	if d := relDiff(logits, want); d > 1e-4 {
		t.Errorf("logits: relative diff %.3g: %v vs %v", d, logits, want)
	}
}

// relDiff is max |a−b| / max |b|.
func relDiff(a, b []float32) float64 {
	var m float64
	for _, v := range b {
		m = max(m, math.Abs(float64(v)))
	}
	return camtest.MaxAbsDiff(a, b) / m
}

func TestGoldenAblationCAM(t *testing.T) {
	net := loadRefNet(t)
	layers := goldenLayers
	if reducedUnderRace() {
		layers = []int{29} // its tail is only the classifier: cheap
	}
	for _, layer := range layers {
		a, err := golden.Activations(layer)
		if err != nil {
			t.Fatal(err)
		}
		tail := net.tail(layer, act{c: a.C, h: a.H, w: a.W})
		for _, class := range goldenClasses {
			t.Run(fmt.Sprintf("f%d/c%d", layer, class), func(t *testing.T) {
				d := camtest.CheckAblation(t, golden, layer, class, tail, 1e-4)
				t.Logf("max abs diff %.3g", d)
			})
		}
	}
}

// TestGoldenScoreCAM runs 64 full forward passes per layer through the
// pure-Go reference network: about 8 s per layer on an idle 2-core machine,
// several times that on a busy one. It is opt-in: CAMVIZ_SLOW=1 runs it
// for both golden layers. (The engine's own check is camtest.CheckScore.)
func TestGoldenScoreCAM(t *testing.T) {
	if os.Getenv("CAMVIZ_SLOW") == "" {
		t.Skip("slow: 64 reference forward passes per layer; set CAMVIZ_SLOW=1")
	}
	layers := goldenLayers
	net := loadRefNet(t)
	// Both classes see the same masked inputs: memoise the forward passes
	// by content so each layer's 64 images run once.
	forward := memo(net.full())
	for _, layer := range layers {
		for _, class := range goldenClasses {
			t.Run(fmt.Sprintf("f%d/c%d", layer, class), func(t *testing.T) {
				start := time.Now()
				d := camtest.CheckScore(t, golden, layer, class, forward, 1e-3)
				t.Logf("max abs diff %.3g (%v)", d, time.Since(start).Round(time.Millisecond))
			})
		}
	}
}

func memo(f cam.BatchFunc) cam.BatchFunc {
	var mu sync.Mutex
	seen := map[uint64][]float32{}
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		h := fnv.New64a()
		h.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(in))), 4*len(in)))
		key := h.Sum64()
		mu.Lock()
		out, ok := seen[key]
		mu.Unlock()
		if ok {
			return out, nil
		}
		out, err := f(ctx, in, n)
		if err == nil {
			mu.Lock()
			seen[key] = out
			mu.Unlock()
		}
		return out, err
	}
}
