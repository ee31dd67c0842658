package metrics_test

import (
	"fmt"
	"math"
	"testing"

	"camviz/metrics"
)

func TestPointingHit(t *testing.T) {
	boxes := []metrics.Box{{X0: 10, Y0: 10, X1: 20, Y1: 30}, {X0: 50, Y0: 0, X1: 60, Y1: 5}}
	for _, c := range []struct {
		x, y, tol float64
		want      bool
		dist      float64 // to the first box
	}{
		{15.5, 20.5, 0, true, 0},
		{20, 30, 0, true, 0},                         // the corner belongs to the box
		{25.5, 20.5, 0, false, 5.5},                  // right of it
		{25.5, 20.5, 5.5, true, 5.5},                 // …within tolerance
		{23, 34, 4.9, false, 5},                      // diagonal: 3-4-5
		{23, 34, 5, true, 5},                         //
		{55, 4, 0, true, math.Hypot(35, 6)},          // inside the second box
		{45.5, 2.5, 15, true, math.Hypot(25.5, 7.5)}, // within 15 of the second box only
	} {
		if got := metrics.PointingHit(c.x, c.y, boxes, c.tol); got != c.want {
			t.Errorf("(%v, %v) tolerance %v: hit %v, want %v", c.x, c.y, c.tol, got, c.want)
		}
		if d := boxes[0].Distance(c.x, c.y); math.Abs(d-c.dist) > 1e-12 {
			t.Errorf("(%v, %v): distance %v, want %v", c.x, c.y, d, c.dist)
		}
	}
	if metrics.PointingHit(0, 0, nil, 100) {
		t.Error("hit without boxes")
	}
}

func ExampleBox_Distance() {
	b := metrics.Box{X0: 0, Y0: 0, X1: 10, Y1: 10}
	fmt.Println(b.Distance(5, 5), b.Distance(13, 14))
	// Output: 0 5
}
