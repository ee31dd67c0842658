package cam_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"camviz/cam"
)

// A 2-channel 1×2 example small enough to work out by hand:
//
//	A_0 = [1 3]  G_0 = [ 0.5 −0.5]
//	A_1 = [2 0]  G_1 = [ 1    2  ]
var (
	smallA = cam.Maps{C: 2, H: 1, W: 2, Data: []float32{1, 3, 2, 0}}
	smallG = cam.Maps{C: 2, H: 1, W: 2, Data: []float32{0.5, -0.5, 1, 2}}
)

func TestLayerMapByHand(t *testing.T) {
	// GradCAM++: channel 0 has ΣA = 4; only G = 0.5 counts:
	// α = 0.25/(0.5 + 4·0.125 + 1e-6). Channel 1: ΣA = 2,
	// α(1) = 1/(2+2+1e-6), α(2) = 4/(8+16+1e-6).
	a0 := 0.25 / (0.5 + 0.5 + 1e-6)
	w0pp := a0 * 0.5
	w1pp := 1/(4+1e-6)*1 + 4/(24+1e-6)*2
	// XGradCAM: w0 = (0.5·1 − 0.5·3)/4, w1 = (1·2 + 2·0)/2.
	xw0, xw1 := (0.5-1.5)/(4+1e-7), 2/(2+1e-7)
	for _, c := range []struct {
		method string
		want   []float64
	}{
		// GradCAM: w = mean(G) = [0, 1.5] → 1.5·A_1.
		{"gradcam", []float64{3, 0}},
		// HiResCAM: Σ_k G⊙A = [0.5+2, −1.5+0].
		{"hirescam", []float64{2.5, -1.5}},
		// Element-wise: Σ_k ReLU(G⊙A) = [0.5+2, 0+0].
		{"gradcam-elementwise", []float64{2.5, 0}},
		// LayerCAM: Σ_k ReLU(G)⊙A = [0.5+2, 0+0].
		{"layercam", []float64{2.5, 0}},
		{"gradcam++", []float64{w0pp*1 + w1pp*2, w0pp * 3}},
		{"xgradcam", []float64{xw0*1 + xw1*2, xw0 * 3}},
		// FEM: with two pixels no value exceeds mean + 2σ: all weights 0.
		{"fem", []float64{0, 0}},
	} {
		t.Run(c.method, func(t *testing.T) {
			m, err := cam.LayerMap(c.method, smallA, smallG)
			if err != nil {
				t.Fatal(err)
			}
			if m.W != 2 || m.H != 1 {
				t.Fatalf("size %d×%d", m.W, m.H)
			}
			for i, v := range m.Data {
				if math.Abs(float64(v)-c.want[i]) > 1e-6 {
					t.Errorf("got %v, want %v", m.Data, c.want)
					break
				}
			}
		})
	}
}

// FEM counts the pixels above mean + 2σ: one spike among 9 zeros is above
// (mean 0.1·s, σ = 0.3·s, threshold 0.7·s), so the channel weight is 1/10.
func TestFEMSpike(t *testing.T) {
	a := cam.Maps{C: 1, H: 2, W: 5, Data: make([]float32, 10)}
	a.Data[3] = 5
	m, err := cam.LayerMap("fem", a, cam.Maps{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Data[3] != 0.5 || m.Data[0] != 0 {
		t.Errorf("fem = %v, want 0.5 at the spike", m.Data)
	}
}

func TestLayerMapErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		method string
		a, g   cam.Maps
		is     error
	}{
		{"unknown", "nope", smallA, smallG, nil},
		{"ablation", "ablationcam", smallA, smallG, cam.ErrNeedsNetwork},
		{"score", "scorecam", smallA, smallG, cam.ErrNeedsNetwork},
		{"missing gradients", "gradcam", smallA, cam.Maps{}, nil},
		{"shape mismatch", "gradcam", smallA, cam.Maps{C: 1, H: 1, W: 4, Data: make([]float32, 4)}, nil},
		{"bad activations", "eigencam", cam.Maps{C: 2, H: 1, W: 2, Data: make([]float32, 3)}, cam.Maps{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := cam.LayerMap(c.method, c.a, c.g)
			if err == nil {
				t.Fatal("no error")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v, want %v", err, c.is)
			}
		})
	}
	// Activation-only methods accept missing gradients.
	for _, m := range []string{"eigencam", "fem"} {
		if _, err := cam.LayerMap(m, smallA, cam.Maps{}); err != nil {
			t.Errorf("%s without gradients: %v", m, err)
		}
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"gradcam", "hirescam", "gradcam-elementwise", "gradcam++", "xgradcam",
		"layercam", "eigencam", "eigengradcam", "kpcacam", "segeigencam", "fem", "randomcam", "refinecam",
		"ablationcam", "scorecam", "shapleycam", "fullgrad", "guidedbackprop", "guided-gradcam", "finercam",
		"smoothgradcam++", "sobelcam"}
	ms := cam.Methods()
	if len(ms) != len(want) {
		t.Fatalf("%d methods, want %d", len(ms), len(want))
	}
	for i, m := range ms {
		if m.Name != want[i] {
			t.Errorf("method %d is %q, want %q", i, m.Name, want[i])
		}
		if m.Display == "" || m.Description == "" || m.Reference == "" || (m.Needs.Has(cam.NeedsActivations) || m.Needs.Has(cam.NeedsInputGradients)) == m.Needs.Has(cam.NeedsImage) {
			t.Errorf("%s: incomplete entry %+v", m.Name, m)
		}
		if got, ok := cam.Lookup(m.Name); !ok || got != m {
			t.Errorf("Lookup(%q) = %+v, %v", m.Name, got, ok)
		}
		meth, _ := cam.Find(m.Name)
		zoo := map[string]bool{"refinecam": true, "shapleycam": true, "fullgrad": true, "guidedbackprop": true,
			"guided-gradcam": true, "finercam": true, "smoothgradcam++": true} // layers, Hessians, input gradients, seeds, noisy inputs
		passes := m.Needs.Has(cam.NeedsTailPasses) || m.Needs.Has(cam.NeedsInputPasses) || m.Needs.Has(cam.NeedsImage) || zoo[m.Name]
		if passes == meth.Local() {
			t.Errorf("%s: Local() = %v with needs %b", m.Name, meth.Local(), m.Needs)
		}
		_, err := cam.LayerMap(m.Name, smallA, smallG)
		if passes != errors.Is(err, cam.ErrNeedsNetwork) {
			t.Errorf("%s: LayerMap error %v with needs %b", m.Name, err, m.Needs)
		}
	}
	ms[0].Name = "changed"
	if cam.Methods()[0].Name != "gradcam" {
		t.Error("Methods exposes the registry table")
	}
	if _, ok := cam.Lookup("GradCAM"); ok {
		t.Error("Lookup is not exact")
	}
	for name, grads := range map[string]bool{"eigencam": false, "fem": false, "ablationcam": false, "gradcam": true, "eigengradcam": true} {
		m, _ := cam.Lookup(name)
		if m.Needs.Has(cam.NeedsGradients) != grads {
			t.Errorf("%s needs gradients = %v", name, !grads)
		}
	}
}

func randMaps(rng *rand.Rand, c, h, w int) cam.Maps {
	m := cam.Maps{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for i := range m.Data {
		m.Data[i] = float32(max(rng.NormFloat64(), 0)) // ReLU-like
	}
	return m
}

// Rank one data with a known principal direction: A_k(p) = u_p·c_k with
// c > 0. Centring gives (u − ū)·cᵀ, whose first right singular vector is
// ±c/‖c‖; the convention picks +, so the projection is (u − ū)·‖c‖. Both
// shapes are tested: more pixels than channels (v1 from V) and fewer
// (σ1·u1 from U).
func TestProjectionRankOne(t *testing.T) {
	for _, c := range []struct {
		name string
		u, c []float64
	}{
		{"tall", []float64{3, 1, 0, 2, 5, 1}, []float64{1, 2, 0.5}},
		{"wide", []float64{3, 1, 0, 2}, []float64{1, 2, 0.5, 0.25, 3, 1, 0.1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			P, C := len(c.u), len(c.c)
			a := cam.Maps{C: C, H: 1, W: P, Data: make([]float32, P*C)}
			var mean, norm float64
			for _, v := range c.u {
				mean += v / float64(P)
			}
			for _, v := range c.c {
				norm += v * v
			}
			norm = math.Sqrt(norm)
			for k := range c.c {
				for p := range c.u {
					a.Data[k*P+p] = float32(c.u[p] * c.c[k])
				}
			}
			m, err := cam.Projection(a)
			if err != nil {
				t.Fatal(err)
			}
			for p, v := range m.Data {
				want := (c.u[p] - mean) * norm
				if math.Abs(float64(v)-want) > 1e-5 {
					t.Fatalf("projection %v, want (u−ū)·‖c‖ = %v at %d", m.Data, want, p)
				}
			}
		})
	}
}

// The sign convention: the projection correlates positively with the
// channel-mean activation, and it does not depend on the channel order,
// on a positive rescaling, or on the run.
func TestProjectionSignStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		a := randMaps(rng, 16, 5, 7) // more pixels than channels
		if trial%2 == 1 {
			a = randMaps(rng, 40, 3, 4) // fewer
		}
		p, err := cam.Projection(a)
		if err != nil {
			t.Fatal(err)
		}
		// Positive correlation with the channel mean.
		var dot float64
		for i, v := range p.Data {
			var m float64
			for k := 0; k < a.C; k++ {
				m += float64(a.Channel(k)[i])
			}
			dot += float64(v) * m
		}
		if dot <= 0 {
			t.Fatalf("trial %d: projection anti-correlated with the channel mean (%g)", trial, dot)
		}
		// Channel permutation and positive scaling.
		perm := rng.Perm(a.C)
		b := cam.Maps{C: a.C, H: a.H, W: a.W, Data: make([]float32, len(a.Data))}
		for k, j := range perm {
			for i, v := range a.Channel(j) {
				b.Data[k*a.H*a.W+i] = 3 * v
			}
		}
		q, err := cam.Projection(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.Data {
			if math.Abs(float64(q.Data[i]-3*p.Data[i])) > 1e-4*(1+math.Abs(float64(q.Data[i]))) {
				t.Fatalf("trial %d: permuted/rescaled projection differs at %d: %v vs %v", trial, i, q.Data[i], 3*p.Data[i])
			}
		}
		// Same input, same output, bit for bit.
		r, _ := cam.Projection(a)
		for i := range p.Data {
			if r.Data[i] != p.Data[i] {
				t.Fatalf("trial %d: projection not deterministic", trial)
			}
		}
	}
}

// A projection with zero correlation falls back to making the largest
// entry positive: two channels that are mirror images give a projection
// orthogonal to the (constant) channel mean.
func TestProjectionSignTieBreak(t *testing.T) {
	a := cam.Maps{C: 2, H: 1, W: 3, Data: []float32{0, 1, 3, 3, 2, 0}}
	p, err := cam.Projection(a)
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i, v := range p.Data {
		if math.Abs(float64(v)) > math.Abs(float64(p.Data[best])) {
			best = i
		}
	}
	if p.Data[best] <= 0 {
		t.Errorf("largest entry of %v is not positive", p.Data)
	}
}

// NaN and Inf entries do not break the SVD.
func TestProjectionNonFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := randMaps(rng, 4, 3, 3)
	a.Data[0] = float32(math.NaN())
	a.Data[5] = float32(math.Inf(1))
	p, err := cam.Projection(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("non-finite projection %v", p.Data)
		}
	}
}

// The reference's SVD sign is arbitrary. This records, for each golden
// case, whether it agrees with our convention; if the convention changes,
// this table must be revisited (and the report to users updated).
func TestGoldenEigenSign(t *testing.T) {
	for _, c := range []struct {
		method       string
		layer, class int
		same         bool
	}{
		{"eigencam", 22, 7, true}, {"eigencam", 22, 2, true},
		{"eigencam", 29, 7, true}, {"eigencam", 29, 2, true},
		{"eigengradcam", 22, 7, true}, {"eigengradcam", 22, 2, false},
		{"eigengradcam", 29, 7, false}, {"eigengradcam", 29, 2, false},
	} {
		a, g := loadAG(t, c.layer, c.class)
		m, err := cam.LayerMap(c.method, a, g)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := cam.Lookup(c.method)
		if !c.same {
			m = negate(m)
		}
		d, err := golden.Compare(m, info.Reference, c.layer, c.class)
		if err != nil {
			t.Fatal(err)
		}
		if d > 1e-4 {
			t.Errorf("%s f%d c%d: same sign as reference = %v no longer holds (diff %.3g)",
				c.method, c.layer, c.class, c.same, d)
		}
	}
}

func TestWeightedSum(t *testing.T) {
	m, err := cam.WeightedSum(smallA, []float32{2, -1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Data[0] != 0 || m.Data[1] != 6 {
		t.Errorf("WeightedSum = %v, want [0 6]", m.Data)
	}
	if _, err := cam.WeightedSum(smallA, []float32{1}); err == nil {
		t.Error("WeightedSum accepted too few weights")
	}
}
