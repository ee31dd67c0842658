package cam_test

import (
	"context"
	"strings"
	"testing"

	"camviz/cam"
)

// TestZooRefusals: a target, aug-smooth or second derivative a method
// cannot honour is refused in one line naming it, never ignored.
func TestZooRefusals(t *testing.T) {
	src := &fakeSource{a: smallA, g: smallG}
	ctx := context.Background()
	for _, c := range []struct {
		method string
		p      cam.Params
		want   string
	}{
		{"eigencam", cam.Params{Target: "prob"}, "eigencam does not take -target"},
		{"scorecam", cam.Params{Target: "neg"}, "scorecam does not take -target"},
		{"shapleycam", cam.Params{Target: "prob"}, "softmax's second derivative"},
		{"shapleycam", cam.Params{Target: "rest"}, "softmax's second derivative"},
		{"finercam", cam.Params{Target: "prob"}, "finercam does not take -target"},
		{"fcconv", cam.Params{Options: map[string]float64{cam.OptAugSmooth: 1}}, "fcconv does not take -aug-smooth"},
		{"guidedbackprop", cam.Params{Options: map[string]float64{cam.OptAugSmooth: 1}}, "guidedbackprop does not take -aug-smooth"},
		{"shapleycam", cam.Params{}, "shapleycam: not available"},
		{"gradcam", cam.Params{Target: "odd"}, `unknown target "odd"`},
	} {
		m, _ := cam.Find(c.method)
		_, err := m.Compute(ctx, src, c.p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %v, want %q", c.method, c.p, err, c.want)
		}
	}
}

// TestTargetSeedsTheGradients: a non-logit target asks SeedGradients for
// exactly its seed; the logit keeps the cached one-class gradient.
func TestTargetSeedsTheGradients(t *testing.T) {
	src := &seedRecorder{fakeSource: fakeSource{a: smallA, g: smallG}}
	m, _ := cam.Find("gradcam")
	if _, err := m.Compute(context.Background(), src, cam.Params{Class: 0, Target: "neg"}); err != nil {
		t.Fatal(err)
	}
	if len(src.seeds) != 1 || len(src.seeds[0]) != 1 || src.seeds[0][0] != -1 {
		t.Fatalf("seeds asked %v, want [[-1]]", src.seeds)
	}
	if _, err := m.Compute(context.Background(), src, cam.Params{Class: 0, Target: "logit"}); err != nil || len(src.seeds) != 1 {
		t.Fatalf("logit target: %v, seeds %v", err, src.seeds)
	}
}

type seedRecorder struct {
	fakeSource
	seeds [][]float32
}

func (s *seedRecorder) SeedGradients(_ context.Context, _ string, seed []float32) (cam.Maps, error) {
	s.seeds = append(s.seeds, seed)
	return s.g, nil
}
