package cam

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// KernelProjection returns the map of KPCA-CAM (pytorch-grad-cam's
// kpca_cam.py, get_2d_projection_kernel): the first kernel principal
// component of the activations, as scikit-learn's
// KernelPCA(n_components=1, kernel='sigmoid', gamma=None) computes it.
//
// X is the P×C matrix of a (one row per pixel), centred column by column
// as for Eigen-CAM, with NaN and ±Inf set to 0. The kernel is the sigmoid
// kernel K_ij = tanh(γ·⟨x_i, x_j⟩ + 1) with scikit-learn's default
// γ = 1/C and coef0 = 1; it is centred in feature space,
// K̃ = K − 1K − K1 + 1K1 (1 = the P×P matrix of 1/P, scikit-learn's
// KernelCenterer), and the map is √λ·u for the largest eigenvalue λ of K̃
// and its unit eigenvector u (KernelPCA.fit_transform on its own data).
// When λ ≤ 0 (a constant map has no component) the map is 0.
//
// The sign of u is arbitrary. It is fixed as for Projection (Eigen-CAM):
// the map correlates positively with the channel mean of the activations
// at each pixel, the largest-magnitude entry positive on a zero
// correlation. (scikit-learn instead makes the largest |u_i| positive.)
//
// Only the top eigenpair is needed, so it is found by Lanczos iteration
// (as scikit-learn's ARPACK solver does for one component): O(P²) per
// step instead of the O(P³) of a full decomposition.
func KernelProjection(a Maps) (Map, error) {
	if err := a.Validate(); err != nil {
		return Map{}, err
	}
	P, C := a.H*a.W, a.C
	x := mat.NewDense(P, C, nil)
	raw := x.RawMatrix()
	mean := make([]float64, P)
	for k := 0; k < C; k++ {
		for i, v := range a.Channel(k) {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				f = 0
			}
			raw.Data[i*raw.Stride+k] = f
			mean[i] += f / float64(C)
		}
	}
	centreColumns(raw)

	var gram mat.SymDense
	gram.SymOuterK(1/float64(C), x) // γ·X·Xᵀ
	k := sigmoidKernel(&gram)
	centreKernel(k)
	top, u, err := topEigen(k)
	if err != nil {
		return Map{}, err
	}
	p := make([]float64, P)
	if top > 0 {
		s := math.Sqrt(top)
		for i := range p {
			p[i] = s * u[i]
		}
	}
	out := NewMap(a.W, a.H)
	sign := projectionSign(p, mean)
	for i, v := range p {
		out.Data[i] = float32(sign * v)
	}
	return out, nil
}

// sigmoidKernel returns tanh(g + 1) element by element (coef0 = 1).
func sigmoidKernel(g *mat.SymDense) *mat.SymDense {
	n := g.SymmetricDim()
	k := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			k.SetSym(i, j, math.Tanh(g.At(i, j)+1))
		}
	}
	return k
}

// centreKernel replaces k by K − 1K − K1 + 1K1: each entry minus its
// row's and its column's mean, plus the grand mean (k is symmetric, so
// row and column means are the same vector).
func centreKernel(k *mat.SymDense) {
	n := k.SymmetricDim()
	m := make([]float64, n)
	var all float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m[i] += k.At(i, j)
		}
		all += m[i]
		m[i] /= float64(n)
	}
	all /= float64(n * n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			k.SetSym(i, j, k.At(i, j)-m[i]-m[j]+all)
		}
	}
}

// topEigen returns the largest eigenvalue of the symmetric k and a unit
// eigenvector. Small matrices get a full decomposition; larger ones a
// restarted Lanczos iteration with full reorthogonalisation, stopped when
// the residual ‖K·u − λ·u‖ is below 1e-12·‖K‖ (the full decomposition is
// the fallback should it not get there).
func topEigen(k *mat.SymDense) (float64, []float64, error) {
	n := k.SymmetricDim()
	const small, steps, restarts = 64, 48, 40
	if n > small {
		if lambda, u, ok := lanczosTop(k, steps, restarts); ok {
			return lambda, u, nil
		}
	}
	var es mat.EigenSym
	if !es.Factorize(k, true) {
		return 0, nil, errors.New("cam: eigen-decomposition of the kernel did not converge")
	}
	var vec mat.Dense
	es.VectorsTo(&vec)
	return es.Values(nil)[n-1], mat.Col(nil, n-1, &vec), nil
}

// lanczosTop runs up to restarts Lanczos cycles of m steps from a fixed
// start vector (the result is deterministic), each cycle restarted from
// the previous cycle's best Ritz vector.
func lanczosTop(k *mat.SymDense, m, restarts int) (float64, []float64, bool) {
	n := k.SymmetricDim()
	norm := mat.Norm(k, 1) // ≥ the spectral norm
	if norm == 0 {
		return 0, nil, false
	}
	start := make([]float64, n)
	for i := range start {
		// A fixed vector with no special structure (a centred kernel
		// annihilates the constant vector, so that one would not do).
		start[i] = math.Sin(float64(i)*1.618033988749895 + 0.5)
	}
	for range restarts {
		lambda, u, res := lanczosCycle(k, start, m)
		if res <= 1e-12*norm {
			return lambda, u, true
		}
		start = u
	}
	return 0, nil, false
}

// lanczosCycle builds an m-step Krylov basis from start and returns the
// top Ritz pair and its residual norm.
func lanczosCycle(k *mat.SymDense, start []float64, m int) (float64, []float64, float64) {
	n := k.SymmetricDim()
	m = min(m, n)
	q := mat.NewDense(m, n, nil) // rows are the basis vectors
	alpha, beta := make([]float64, m), make([]float64, m)
	v := mat.NewVecDense(n, append([]float64(nil), start...))
	v.ScaleVec(1/mat.Norm(v, 2), v)
	w := mat.NewVecDense(n, nil)
	steps := m
	for j := 0; j < m; j++ {
		q.SetRow(j, v.RawVector().Data)
		w.MulVec(k, v)
		alpha[j] = mat.Dot(w, v)
		for range 2 { // full reorthogonalisation, twice is enough
			for i := 0; i <= j; i++ {
				qi := q.RowView(i)
				w.AddScaledVec(w, -mat.Dot(w, qi), qi)
			}
		}
		beta[j] = mat.Norm(w, 2)
		if j == m-1 || beta[j] < 1e-14*math.Abs(alpha[j]) {
			steps = j + 1
			break
		}
		v.ScaleVec(1/beta[j], w)
	}
	t := mat.NewSymDense(steps, nil)
	for j := 0; j < steps; j++ {
		t.SetSym(j, j, alpha[j])
		if j+1 < steps {
			t.SetSym(j, j+1, beta[j])
		}
	}
	var es mat.EigenSym
	es.Factorize(t, true)
	var s mat.Dense
	es.VectorsTo(&s)
	theta := es.Values(nil)[steps-1]
	y := make([]float64, n)
	for j := 0; j < steps; j++ {
		floats.AddScaled(y, s.At(j, steps-1), q.RawRowView(j))
	}
	res := math.Abs(beta[steps-1] * s.At(steps-1, steps-1))
	return theta, y, res
}

// kpcaCAM is KPCA-CAM's layer map (KernelProjection).
func kpcaCAM(dst []float32, a, _ Maps) error {
	m, err := KernelProjection(a)
	if err != nil {
		return err
	}
	copy(dst, m.Data)
	return nil
}
