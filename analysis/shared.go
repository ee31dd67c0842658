package analysis

import (
	"context"
	"fmt"
	"time"

	"camviz/cam"
)

// SharedScale is the scale that puts the maps of req's class and of the
// top-n classes (same method and layer) on one honest scale: the largest
// positive value among them.
func (a *Analysis) SharedScale(ctx context.Context, req MapRequest, n int) (float32, error) {
	mapOf := func(k int, _ string) (*LayerMap, error) {
		r := req
		r.Class, r.Progress = k, nil
		return a.Map(ctx, r)
	}
	lm, err := mapOf(req.Class, "")
	if err != nil {
		return 0, err
	}
	s, _, err := a.SharedTop(lm, n, mapOf)
	return s, err
}

// SharedTop is the scale of Shared mode for lm's class: the largest
// positive value among its map and those of the other classes among the
// n most probable (same method and layer), which mapOf gives. It returns
// how long computing those took.
func (a *Analysis) SharedTop(lm *LayerMap, n int, mapOf func(k int, what string) (*LayerMap, error)) (float32, time.Duration, error) {
	others := topOthers(a, lm.Class, n)
	all := []cam.Map{lm.Map}
	var computed time.Duration
	for i, k := range others {
		o, err := mapOf(k, fmt.Sprintf("shared scale %d/%d", i+1, len(others)))
		if err != nil {
			return 0, 0, err
		}
		computed += o.Elapsed
		all = append(all, o.Map)
	}
	return cam.SharedScale(all...), computed, nil
}

// topOthers are the n most probable classes other than k, most probable
// first: the classes whose maps share k's scale.
func topOthers(a *Analysis, k, n int) []int {
	var out []int
	for _, p := range a.Top(n) {
		if p.Class != k {
			out = append(out, p.Class)
		}
	}
	return out
}
