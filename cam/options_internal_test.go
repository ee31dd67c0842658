package cam

import (
	"slices"
	"testing"
)

// TestIntsOption: a list option lands in Params.Compare, reads back as
// text, takes its default when unset and refuses ranks below 1.
func TestIntsOption(t *testing.T) {
	m := Method{MethodInfo: MethodInfo{Name: "finer", Needs: NeedsActivations | NeedsGradients},
		Options: []Option{compareOption}, network: sobelCAM}
	q, err := m.resolve(Params{})
	if err != nil || !slices.Equal(q.Compare, []int{1, 2, 3}) {
		t.Fatalf("default compare %v, %v", q.Compare, err)
	}
	var p Params
	if err := m.Set(&p, "finer-compare", "2, 5"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Compare, []int{2, 5}) || m.Value(p, "finer-compare") != "2,5" || m.Describe(p) != "finer-compare=2,5" {
		t.Errorf("compare %v reads %q, describes %q", p.Compare, m.Value(p, "finer-compare"), m.Describe(p))
	}
	for _, bad := range []string{"0", "1,,2", "a"} {
		if err := m.Set(&p, "finer-compare", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestProductsSumToTheMaps: each method's product tensor (what
// -eigen-smooth projects) sums over channels to the method's own map, so
// eigen-smoothing replaces exactly the channel sum.
func TestProductsSumToTheMaps(t *testing.T) {
	a := Maps{C: 3, H: 2, W: 3, Data: make([]float32, 18)}
	g := Maps{C: 3, H: 2, W: 3, Data: make([]float32, 18)}
	for i := range a.Data {
		a.Data[i] = float32((i*7)%5) * 0.5
		g.Data[i] = float32((i*5)%7-3) * 0.25
	}
	n := 0
	for _, m := range registry {
		if m.product == nil || m.layer == nil {
			continue
		}
		n++
		p, _ := m.resolve(Params{})
		want := NewMap(a.W, a.H)
		if err := m.layer(want.Data, a, g); err != nil {
			t.Fatal(err)
		}
		tensor, err := m.product(a, g, p)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := WeightedSum(tensor, ones(tensor.C))
		for i := range got.Data {
			if d := got.Data[i] - want.Data[i]; d > 1e-5 || d < -1e-5 {
				t.Errorf("%s: pixel %d sums to %g, the map is %g", m.Name, i, got.Data[i], want.Data[i])
				break
			}
		}
	}
	if n != 7 {
		t.Errorf("%d methods with a layer map and a product, want 7", n)
	}
}
