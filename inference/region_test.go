package inference

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

func TestWindowReach(t *testing.T) {
	for _, c := range []struct {
		name                    string
		lo, hi, k, s, d, p, out int
		first, end              int
	}{
		{"3×3 pad 1, middle", 10, 12, 3, 1, 1, 1, 224, 9, 13},
		{"3×3 pad 1, at the border", 0, 1, 3, 1, 1, 1, 224, 0, 2},
		{"3×3 pad 1, last column", 223, 224, 3, 1, 1, 1, 224, 222, 224},
		{"2×2 stride 2 pool", 5, 9, 2, 2, 1, 0, 112, 2, 5},
		{"7×7 stride 2 pad 3", 0, 1, 7, 2, 1, 3, 112, 0, 2},
		{"3×3 dilation 2 pad 2", 10, 11, 3, 1, 2, 2, 32, 8, 13},
		{"1×1 stride 2", 3, 4, 1, 2, 1, 0, 4, 2, 2},
	} {
		first, end := windowReach(c.lo, c.hi, c.k, c.s, c.d, c.p, c.out)
		if first != c.first || end != c.end {
			t.Errorf("%s: outputs %d…%d, want %d…%d", c.name, first, end, c.first, c.end)
		}
	}
}

// TestScoresZeroOutsideMatchThePlainPass runs images that are 0 outside a
// box through the zero pass's windows and through the ordinary pass, on
// the golden VGG and every family (residual Add, Concat, squeeze-excite
// Mul, depthwise and strided convolutions, LayerNorm): the logits agree
// within 2e-5 of their range. Where windows persist, a box away from the
// image's nonzero values must not agree (the windows are really used).
func TestScoresZeroOutsideMatchThePlainPass(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(familiesDir, "*", "model.onnx"))
	paths = append(paths, filepath.Join(goldenDir, "model.onnx"))
	ctx := context.Background()
	for _, path := range paths {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			net, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			x, shape := readNpyFrom(t, filepath.Join(filepath.Dir(path), "input.npy"))
			z, err := net.ZeroPass(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer z.Release()
			h, w := shape[2], shape[3]
			boxes := []Box{
				{h / 3, w / 4, h/3 + h/8, w/4 + w/5}, // inside
				{0, 0, h / 4, w / 6},                 // a corner
				{h / 2, 0, h, w},                     // the bottom half
				{},                                   // all zero
				{0, 0, h, w},                         // everything
			}
			batch := make([]float32, 0, len(boxes)*len(x))
			for _, b := range boxes {
				batch = append(batch, zeroOutside(x, shape, b)...)
			}
			got, err := z.ScoresZeroOutside(ctx, batch, boxes)
			if err != nil {
				t.Fatal(err)
			}
			want := plainScores(t, net, batch, len(boxes), shape)
			tol := 2e-5 * spread(want)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > tol || math.IsNaN(d) {
					t.Fatalf("image %d (box %v): logit %d is %g, the plain pass %g", i/(len(got)/len(boxes)), boxes[i/(len(got)/len(boxes))], i%(len(got)/len(boxes)), got[i], want[i])
				}
			}
			if !windowsPersist[filepath.Base(filepath.Dir(path))] {
				return
			}
			// The first image told the corner's box, which misses it.
			wrong, err := z.ScoresZeroOutside(ctx, batch[:len(x)], boxes[1:2])
			if err != nil {
				t.Fatal(err)
			}
			if maxDiff(wrong, want[:len(wrong)]) < 100*tol {
				t.Errorf("a box missing part of the image gave the same logits (within %g)", maxDiff(wrong, want[:len(wrong)]))
			}
		})
	}
}

// windowsPersist are the fixtures where a box stays partial past the
// first layers. In the others the windows reach the whole plane within a
// few layers (small inputs, strided convolutions) or an operator mixes
// the plane (a squeeze-excite pooling, a channel shuffle), and from there
// on the image's own values are read: any box gives the plain logits.
var windowsPersist = map[string]bool{"tinyvgg16": true, "resnet18": true, "resnet50": true,
	"densenet121": true, "convnext_tiny": true, "regnet_x_400mf": true, "squeezenet1_1": true}

// zeroOutside is x (one image) with every value outside b set to 0.
func zeroOutside(x []float32, shape []int, b Box) []float32 {
	c, h, w := shape[1], shape[2], shape[3]
	out := make([]float32, len(x))
	for ch := range c {
		for y := b.Y0; y < b.Y1; y++ {
			for xx := b.X0; xx < b.X1; xx++ {
				i := (ch*h+y)*w + xx
				out[i] = x[i]
			}
		}
	}
	return out
}

func plainScores(t *testing.T, net *Net, batch []float32, n int, shape []int) []float32 {
	t.Helper()
	p, err := net.Forward(context.Background(), newDense([]int{n, shape[1], shape[2], shape[3]}, batch), false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	return append([]float32(nil), p.Scores()...)
}

func spread(v []float32) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range v {
		lo, hi = math.Min(lo, float64(f)), math.Max(hi, float64(f))
	}
	return hi - lo
}

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

func TestSizeClass(t *testing.T) {
	ar := newArena(1 << 20)
	ar.classes = []int{10, 700, 1024}
	for _, c := range []struct{ n, want int }{{1, 10}, {10, 10}, {11, 700}, {701, 1024}, {1025, 2048}, {5000, 8192}} {
		if got := ar.sizeClass(c.n); got != c.want {
			t.Errorf("sizeClass(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	// The arena hands a returned buffer to the next request of its class,
	// whatever its exact size; a buffer of another size is not kept.
	b := ar.get(600)
	if len(b) != 600 || cap(b) != 700 {
		t.Fatalf("get(600): len %d cap %d, want 600 and 700", len(b), cap(b))
	}
	b[0] = 42
	ar.put(b)
	if c := ar.get(650); len(c) != 650 || c[0] != 42 {
		t.Errorf("get(650) after put(600 of 700): len %d, first %v; want the same buffer", len(c), c[0])
	}
	ar.put(make([]float32, 600))
	if ar.held != 0 {
		t.Errorf("a buffer of capacity 600 was kept (%d floats held)", ar.held)
	}
}

// TestWindowPays: a window is taken for boxes up to a third of the plane
// (clipped to it first), and an empty box always pays.
func TestWindowPays(t *testing.T) {
	for _, c := range []struct {
		b    Box
		want bool
	}{
		{Box{}, true},
		{Box{0, 0, 224, 224}, false},
		{Box{0, 0, 112, 224}, false},     // a half
		{Box{0, 0, 128, 128}, true},      // 33% of the plane
		{Box{0, 0, 130, 130}, false},     // 34%
		{Box{-50, -50, 100, 100}, true},  // clipped: 100×100
		{Box{-10, -10, 300, 300}, false}, // clipped: all of it
		{Box{100, 100, 50, 50}, true},    // empty
	} {
		if got := c.b.WindowPays(224, 224); got != c.want {
			t.Errorf("%v.WindowPays(224, 224) = %v, want %v", c.b, got, c.want)
		}
	}
}

// TestZeroPassBatchesTheHead: on the golden VGG the windows stop at the
// flattened features and the three fully connected layers (with their
// Relus) run once for all of a batch's windows.
func TestZeroPassBatchesTheHead(t *testing.T) {
	net, err := Load(filepath.Join(goldenDir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := net.ZeroPass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer z.Release()
	gemms := 0
	for _, s := range z.chain {
		if _, ok := s.k.(*gemm); ok {
			gemms++
		}
	}
	if gemms != 3 || len(net.shapes[z.from]) != 2 {
		t.Errorf("head chain from %s: %d steps, %d Gemms; want the three fully connected layers from the flattened features",
			shapeStr(net.shapes[z.from]), len(z.chain), gemms)
	}
}
