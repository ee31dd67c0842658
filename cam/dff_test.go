package cam_test

import (
	"context"
	"math"
	"testing"

	"camviz/cam"
)

// TestDFFSeparatesTwoConcepts: activations that are two channel patterns
// in two halves of the picture come apart into those two concepts: each
// concept's map lies on its own half and its vector is its pattern.
func TestDFFSeparatesTwoConcepts(t *testing.T) {
	a := cam.Maps{C: 4, H: 2, W: 4, Data: make([]float32, 4*8)}
	left := []float32{3, 1, 0, 0}
	right := []float32{0, 0, 2, 4}
	for c := range 4 {
		for y := range 2 {
			for x := range 4 {
				v := right[c]
				if x < 2 {
					v = left[c]
				}
				a.Data[c*8+y*4+x] = v
			}
		}
	}
	con, err := cam.DeepFeatureFactorization(a, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if con.RelError > 1e-3 {
		t.Fatalf("relative error %.3g on a rank-2 pattern", con.RelError)
	}
	for i, m := range con.Maps {
		l, r := m.Data[0]+m.Data[4], m.Data[3]+m.Data[7]
		want := left
		if r > l {
			want = right
		}
		// the concept's vector is its pattern times its map's level
		level := float64(max(l, r)) / 2
		for c, x := range con.Vectors[i] {
			if d := math.Abs(float64(x)*level - float64(want[c])); d > 1e-2 {
				t.Errorf("concept %d channel %d: %.3g × map %.3g, want %g", i, c, x, level, want[c])
			}
		}
		if math.Min(float64(l), float64(r)) > 1e-3*math.Max(float64(l), float64(r)) {
			t.Errorf("concept %d lies on both halves: %.3g, %.3g", i, l, r)
		}
	}
	var seen int
	tail := func(_ context.Context, in []float32, n int) ([]float32, error) {
		seen = n
		out := make([]float32, n)
		for i := range n {
			out[i] = in[i*32] // channel 0 of concept i
		}
		return out, nil
	}
	s, err := cam.ConceptScores(context.Background(), tail, a, con)
	if err != nil || seen != 2 || s[0] != con.Vectors[0][0] || s[1] != con.Vectors[1][0] {
		t.Fatalf("concept scores %v (%d rows): %v", s, seen, err)
	}
}
