package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"camviz/analysis"
	"camviz/cam"
	"camviz/inference"
	"camviz/metrics"
)

// trustReady is a session on the 64×64 fixture model and chelsea, the
// map on screen.
func trustReady(t *testing.T) *Session {
	t.Helper()
	s, r := newTestSession(t)
	s.LoadModel(smallModel, "")
	s.OpenImage(chelseaPath)
	wait(t, s)
	if st := s.State(); !st.Current() || len(r.errors()) > 0 {
		t.Fatalf("not ready: current %v, errors %v", st.Current(), r.errors())
	}
	return s
}

// The ROAD check runs only when asked, gives metrics.ROAD's and
// CAM-mult's numbers for the map on screen at pytorch-grad-cam's
// defaults, and is kept per map.
func TestSessionROAD(t *testing.T) {
	s := trustReady(t)
	st := s.State()
	if !st.Trust.Available || st.Trust.ROAD != nil || st.Trust.ROADRun.Running || st.Trust.Sanity != nil {
		t.Fatalf("before asking: %+v", st.Trust)
	}
	if err := s.RunROAD(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	got := st.Trust.ROAD
	if got == nil || st.Trust.ROADRun.Running || st.Trust.ROADRun.Err != "" || len(st.Busy) != 0 {
		t.Fatalf("after ROAD: %+v busy %v", st.Trust, st.Busy)
	}
	// The same numbers straight from the metrics, on the same map.
	a := st.Analysis
	lm, err := a.Map(context.Background(), analysis.MapRequest{Method: st.Sel.Method, Class: st.Sel.Class})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := a.InputMap(lm)
	if err != nil {
		t.Fatal(err)
	}
	x := a.MetricsInput()
	cfg := metrics.ROADConfig{Imputer: metrics.Imputer{Noise: 0.01}}
	want, err := metrics.ROAD(context.Background(), x, m, st.Sel.Class, metrics.Forward(a.BatchForward()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := metrics.CamMultConfidenceChange(context.Background(), x, m, st.Sel.Class, metrics.Forward(a.BatchForward()))
	if err != nil {
		t.Fatal(err)
	}
	if got.MoRF != want.MoRF || got.LeRF != want.LeRF || got.Combined != want.Combined || got.CamMult != cm || got.Passes != 19 {
		t.Fatalf("ROAD %+v, want %+v and CAM-mult %v", got, want, cm)
	}
	if got.Noise != 0.01 || got.MoRFPercentile != 80 || got.LeRFPercentile != 20 || len(got.Percentiles) != 9 {
		t.Fatalf("settings %+v", got)
	}
	if (got.Combined > 0) != strings.Contains(got.Verdict, "points at what the model uses") || got.Verdict == "" {
		t.Fatalf("combined %v, verdict %q", got.Combined, got.Verdict)
	}
	// Another class has none; back again, the same result, not measured
	// anew.
	k := st.Sel.Class
	if err := s.SetClass(st.Top[1].Class); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if st := s.State(); st.Trust.ROAD != nil || st.Trust.ROADRun.Running {
		t.Fatalf("another class shows %+v", st.Trust)
	}
	if err := s.SetClass(k); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if err := s.RunROAD(); err != nil {
		t.Fatal(err)
	}
	if st := s.State(); st.Trust.ROAD != got || st.Trust.ROADRun.Running {
		t.Fatalf("back at class %d: %+v, want the kept result", k, st.Trust)
	}
}

// The sanity check randomises every Conv and Gemm layer from the top
// down, and its last similarity is the map's on the fully randomised
// network; it can be cancelled, and the export carries the numbers.
func TestSessionSanityCancelExport(t *testing.T) {
	s := trustReady(t)
	_, before := exportTo(t, s, filepath.Join(t.TempDir(), "before.png"), true)
	// Cancelled at once: nothing kept, no error, nothing busy.
	if err := s.RunSanity(); err != nil {
		t.Fatal(err)
	}
	s.CancelSanity()
	wait(t, s)
	st := s.State()
	if st.Trust.Sanity != nil || st.Trust.SanityRun.Running || st.Trust.SanityRun.Err != "" || len(st.Busy) != 0 {
		t.Fatalf("after cancel: %+v busy %v", st.Trust, st.Busy)
	}
	if err := s.RunSanity(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	r := st.Trust.Sanity
	if r == nil || st.Trust.SanityRun.Err != "" {
		t.Fatalf("sanity: %+v", st.Trust)
	}
	onnx, err := os.ReadFile(smallModel)
	if err != nil {
		t.Fatal(err)
	}
	params, err := inference.ParamLayers(onnx)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, p := range params {
		nodes = append(nodes, p.Node)
	}
	if !slices.Equal(r.Layers, nodes) || len(r.Similarity) != len(nodes) || len(r.SSIM) != len(nodes) {
		t.Fatalf("layers %v, want %v; %d similarities", r.Layers, nodes, len(r.Similarity))
	}
	// The fully randomised network's map, computed here.
	a := st.Analysis
	req := analysis.MapRequest{Method: st.Sel.Method, Class: st.Sel.Class}
	orig, err := finalMap(context.Background(), a, req)
	if err != nil {
		t.Fatal(err)
	}
	net, err := inference.RandomizedNet(onnx, nodes, 0)
	if err != nil {
		t.Fatal(err)
	}
	rm := *a.Model
	rm.Net = net
	ra, err := rm.Analyze(context.Background(), a.Input)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	last, err := finalMap(context.Background(), ra, req)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := metrics.Spearman(orig, last)
	if err != nil {
		t.Fatal(err)
	}
	if r.Final() != sp || sp > 0.99 {
		t.Fatalf("final similarity %v, want %v (and below 0.99: the network is destroyed)", r.Final(), sp)
	}
	if r.Verdict != analysis.SanityVerdict(sp) {
		t.Fatalf("verdict %q for %v", r.Verdict, sp)
	}

	// The sidecar and the caption carry the numbers.
	if err := s.RunROAD(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	res, img := exportTo(t, s, filepath.Join(t.TempDir(), "checked.png"), true)
	data, err := os.ReadFile(res.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var side struct {
		ROAD   map[string]any `json:"road"`
		Sanity struct {
			Similarity []float64 `json:"similarity"`
			SSIM       []float64 `json:"ssim"`
			Verdict    string    `json:"verdict"`
		} `json:"sanity"`
	}
	if err := json.Unmarshal(data, &side); err != nil {
		t.Fatal(err)
	}
	road := s.State().Trust.ROAD
	if side.ROAD["road_morf"] != road.MoRF || side.ROAD["road_combined"] != road.Combined || side.ROAD["cam_mult"] != road.CamMult ||
		!slices.Equal(side.Sanity.Similarity, r.Similarity) || side.Sanity.Verdict != r.Verdict {
		t.Fatalf("sidecar %s", data)
	}
	// Two caption lines more than before the checks.
	if img.Bounds().Dx() != before.Bounds().Dx() || img.Bounds().Dy() <= before.Bounds().Dy() {
		t.Fatalf("captioned export %v, %v before the checks", img.Bounds(), before.Bounds())
	}
}

// Replacing the picture cancels a running check and forgets the kept
// ones: they measure maps that can no longer be shown.
func TestSessionTrustDroppedWithPicture(t *testing.T) {
	s := trustReady(t)
	if err := s.RunROAD(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if s.State().Trust.ROAD == nil {
		t.Fatal("no ROAD result")
	}
	if err := s.RunSanity(); err != nil {
		t.Fatal(err)
	}
	s.OpenImage(coffeePath)
	wait(t, s)
	st := s.State()
	tr := st.Trust
	if !strings.Contains(st.Image, "coffee") || !st.Current() || tr.ROAD != nil || tr.Sanity != nil ||
		tr.SanityRun.Running || tr.SanityRun.Other || tr.SanityRun.Err != "" || len(st.Busy) != 0 {
		t.Fatalf("after a new picture: image %q current %v trust %+v busy %v", st.Image, st.Current(), tr, st.Busy)
	}
	s.mu.Lock()
	n := len(s.road.done) + len(s.road.errs) + len(s.sanity.done) + len(s.sanity.errs)
	s.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d results kept for the replaced picture", n)
	}
	// The new picture's map can be checked.
	if err := s.RunROAD(); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if r := s.State().Trust.ROAD; r == nil || r.Passes != 19 {
		t.Fatalf("ROAD on the new picture: %+v", r)
	}
}

// finalMap is req's min-max map at the input size, as the sanity check
// compares them.
func finalMap(ctx context.Context, a *analysis.Analysis, req analysis.MapRequest) (metrics.Map, error) {
	lm, err := a.Map(ctx, req)
	if err != nil {
		return metrics.Map{}, err
	}
	_, h, w := a.Model.Net.InputSize()
	f, _, err := lm.Final(w, h, cam.MinMax, 0)
	if err != nil {
		return metrics.Map{}, err
	}
	return metrics.Map(f), nil
}
