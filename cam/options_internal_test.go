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
