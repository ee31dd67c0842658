package cam

import (
	"context"
	"fmt"
	"math"

	"camviz/cam/nmf"
)

// Concepts are the result of Deep Feature Factorization at one layer.
type Concepts struct {
	// Vectors[i] is concept i's channel vector (C values): the NMF factor
	// W's column plus each channel's offset, as pytorch-grad-cam returns it.
	Vectors [][]float32
	// Maps[i] is concept i's map at the layer's resolution (H's row): where
	// in the picture the concept is.
	Maps []Map
	// Iterations and RelError describe the factorisation (nmf.Result).
	Iterations int
	RelError   float64
}

// DeepFeatureFactorization factorises the layer's activations into k
// concepts (Collins et al., arXiv:1806.10206; pytorch-grad-cam's
// feature_factorization.dff): A as a C×(H·W) matrix, NaN set to 0, each
// channel shifted by its minimum over pixels so that V ≥ 0, V ≈ W·H by
// non-negative matrix factorisation (nmf.Factorize: multiplicative
// updates, seeded), concepts = W + the channel minima (C×k), maps = H
// (k×H·W). pytorch-grad-cam uses scikit-learn's NMF (coordinate descent,
// numpy's generator): the factorisation is not unique, so the concepts
// agree with it in kind, not in number.
func DeepFeatureFactorization(a Maps, k int, seed uint64) (Concepts, error) {
	if err := a.Validate(); err != nil {
		return Concepts{}, err
	}
	n := a.H * a.W
	v := make([]float64, a.C*n)
	offset := make([]float64, a.C)
	for c := range a.C {
		ch := a.Channel(c)
		lo := math.Inf(1)
		for _, x := range ch {
			if f := float64(x); !math.IsNaN(f) {
				lo = math.Min(lo, f)
			}
		}
		if math.IsInf(lo, 1) {
			lo = 0
		}
		lo = math.Min(lo, 0) // a NaN becomes 0, which the shift must keep ≥ 0
		offset[c] = lo
		for p, x := range ch {
			f := float64(x)
			if math.IsNaN(f) {
				f = 0
			}
			if math.IsInf(f, 0) {
				return Concepts{}, fmt.Errorf("cam: dff: channel %d has an infinite activation", c)
			}
			v[c*n+p] = f - lo
		}
	}
	r, err := nmf.Factorize(v, a.C, n, k, nmf.Options{Seed: seed})
	if err != nil {
		return Concepts{}, fmt.Errorf("cam: dff: %w", err)
	}
	out := Concepts{Iterations: r.Iterations, RelError: r.RelError}
	for i := range k {
		vec := make([]float32, a.C)
		for c := range a.C {
			vec[c] = float32(r.W[c*k+i] + offset[c])
		}
		m := NewMap(a.W, a.H)
		for p := range n {
			m.Data[p] = float32(r.H[i*n+p])
		}
		out.Vectors = append(out.Vectors, vec)
		out.Maps = append(out.Maps, m)
	}
	return out, nil
}

// ConceptScores runs each concept's channel vector through the network's
// tail after the layer, as a layer activation equal to the vector at
// every pixel (for a global-average-pool head this is the head applied to
// the vector, pytorch-grad-cam's computation_on_concepts), and returns the
// logits, one row of classes per concept.
func ConceptScores(ctx context.Context, tail BatchFunc, a Maps, c Concepts) ([]float32, error) {
	n := a.H * a.W
	batch := make([]float32, 0, len(c.Vectors)*a.C*n)
	for _, vec := range c.Vectors {
		if len(vec) != a.C {
			return nil, fmt.Errorf("cam: a concept of %d channels for a %d-channel layer", len(vec), a.C)
		}
		for _, x := range vec {
			for range n {
				batch = append(batch, x)
			}
		}
	}
	return tail(ctx, batch, len(c.Vectors))
}
