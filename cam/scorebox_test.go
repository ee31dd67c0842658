package cam_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"camviz/cam"
)

// TestScoreBoxesAreTightNonzeroBoxes: each masked image reaches the
// forward with the smallest box holding its nonzero values, worked out
// here from the image itself; a dead channel's black image gets the empty
// box. The weights are the plain loop's.
func TestScoreBoxesAreTightNonzeroBoxes(t *testing.T) {
	// 4×4 activations upsampled to 10×10: channel 0 lights one source
	// pixel at (1,2), so its mask is nonzero inside the bilinear
	// footprint of that pixel only; channel 1 is dead; channel 2 covers
	// the image.
	a := cam.Maps{C: 3, H: 4, W: 4, Data: make([]float32, 48)}
	a.Data[1*4+2] = 3
	for i := range 16 {
		a.Data[32+i] = float32(i + 1)
	}
	x := cam.Maps{C: 2, H: 10, W: 10, Data: make([]float32, 200)}
	for i := range x.Data {
		x.Data[i] = 1 + float32(i%7)
	}
	sum := &sumForward{size: 200}
	var boxes []cam.Box
	forward := func(ctx context.Context, in []float32, b []cam.Box) ([]float32, error) {
		boxes = append(boxes, b...)
		return sum.run(ctx, in, len(b))
	}
	run, err := cam.ScoreLogitsBoxed(context.Background(), a, x, nil, 0, 4, forward, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != len(sum.images) || len(boxes) != 3 {
		t.Fatalf("%d boxes for %d images, want 3 each", len(boxes), len(sum.images))
	}
	for i, img := range sum.images {
		if want := tightBox(img, 2, 10, 10); boxes[i] != want {
			t.Errorf("image %d: box %v, its nonzero values lie in %v", i, boxes[i], want)
		}
	}
	// Source row 1 of 4 is at 3 input pixels (scale 9/3), column 2 at 6:
	// the footprint is the open interval of one source step each side.
	if want := (cam.Box{Y0: 1, X0: 4, Y1: 6, X1: 9}); !hasBox(boxes, want) {
		t.Errorf("boxes %v: none is channel 0's %v", boxes, want)
	}
	if !hasBox(boxes, cam.Box{}) || !hasBox(boxes, cam.Box{Y1: 10, X1: 10}) {
		t.Errorf("boxes %v: want the dead channel's empty box and channel 2's whole image", boxes)
	}
	w, err := run.Weights(0)
	if err != nil {
		t.Fatal(err)
	}
	checkWeights(t, "boxed", w, plainScores(a, x, 0))
}

func hasBox(boxes []cam.Box, b cam.Box) bool {
	for _, c := range boxes {
		if c == b {
			return true
		}
	}
	return false
}

// tightBox is the nonzero values' bounding box, by brute force.
func tightBox(img []float32, c, h, w int) cam.Box {
	var b cam.Box
	found := false
	for ch := range c {
		for y := range h {
			for x := range w {
				if img[(ch*h+y)*w+x] == 0 {
					continue
				}
				if !found {
					b, found = cam.Box{Y0: y, X0: x, Y1: y + 1, X1: x + 1}, true
				}
				b = cam.Box{Y0: min(b.Y0, y), X0: min(b.X0, x), Y1: max(b.Y1, y+1), X1: max(b.X1, x+1)}
			}
		}
	}
	return b
}

// ScoreCAM tells the forward where each masked image can be nonzero: a
// channel lit at one corner of its 2×2 map gives a mask that is 0 beyond
// one source step of that corner on the 4×4 input.
func ExampleScoreLogitsBoxed() {
	a := cam.Maps{C: 2, H: 2, W: 2, Data: []float32{
		1, 0, 0, 0, // top left
		0, 0, 0, 2, // bottom right, the stronger: scored first
	}}
	x := cam.Maps{C: 1, H: 4, W: 4, Data: make([]float32, 16)}
	for i := range x.Data {
		x.Data[i] = 1
	}
	forward := func(_ context.Context, in []float32, boxes []cam.Box) ([]float32, error) {
		fmt.Println(boxes)
		return make([]float32, 2*len(boxes)), nil // two classes
	}
	if _, err := cam.ScoreLogitsBoxed(context.Background(), a, x, nil, 0, 4, forward, nil); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [{1 1 4 4}]
	// [{0 0 3 3}]
}

// TestScoreBatchesKeepApart: with an apart split, no batch mixes images
// the split puts on both sides, every channel runs once, the strongest
// channel still runs first and alone, and the weights are the plain
// loop's. Channels alternate, by strength, between one lit pixel (a small
// box) and a ramp over the whole map.
func TestScoreBatchesKeepApart(t *testing.T) {
	const c, h, w = 8, 4, 4
	a := cam.Maps{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for k := range c {
		ch := a.Data[k*h*w : (k+1)*h*w]
		sum := float32(100 - k) // the order of strength is k's
		if k%2 == 0 {
			ch[(k/2)%(h*w)] = sum
			continue
		}
		for i := range ch {
			ch[i] = float32(i+1) * sum / 136
		}
	}
	x := cam.Maps{C: 2, H: 12, W: 12, Data: make([]float32, 288)}
	for i := range x.Data {
		x.Data[i] = 1 + float32(i%5)
	}
	small := func(b cam.Box) bool { return 3*(b.Y1-b.Y0)*(b.X1-b.X0) <= 12*12 }
	sum := &sumForward{size: 288}
	var batches [][]cam.Box
	forward := func(ctx context.Context, in []float32, b []cam.Box) ([]float32, error) {
		batches = append(batches, slices.Clone(b))
		return sum.run(ctx, in, len(b))
	}
	run, err := cam.ScoreLogitsApart(context.Background(), a, x, nil, 0, 4, forward, small, nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.Passes != c || len(sum.images) != c {
		t.Fatalf("%d passes, %d images: want %d each", run.Passes, len(sum.images), c)
	}
	if len(batches[0]) != 1 || !small(batches[0][0]) {
		t.Errorf("first batch %v: want the strongest channel (a lit pixel) alone", batches[0])
	}
	kinds := 0
	for _, b := range batches {
		for _, box := range b[1:] {
			if small(box) != small(b[0]) {
				t.Errorf("batch %v mixes both sides of the split", b)
			}
		}
		if small(b[0]) {
			kinds |= 1
		} else {
			kinds |= 2
		}
	}
	if kinds != 3 {
		t.Fatalf("batches %v: want both kinds", batches)
	}
	wts, err := run.Weights(0)
	if err != nil {
		t.Fatal(err)
	}
	checkWeights(t, "apart", wts, plainScores(a, x, 0))
}
