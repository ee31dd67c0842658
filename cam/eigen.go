package cam

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// eigenCAM: projection of A on its first principal component.
func eigenCAM(dst []float32, a, _ Maps) error {
	return projectInto(dst, a)
}

// eigenGradCAM: the same projection of G⊙A (products rounded to float32 as
// the reference computes them).
func eigenGradCAM(dst []float32, a, g Maps) error {
	ga := Maps{C: a.C, H: a.H, W: a.W, Data: make([]float32, len(a.Data))}
	for i, v := range a.Data {
		ga.Data[i] = g.Data[i] * v
	}
	return projectInto(dst, ga)
}

// Projection returns the map of Eigen-CAM for m: the P×C matrix X of m
// (one row per pixel, one column per channel) is centred column by column
// and projected on its first right singular vector v, p = (X − mean)·v,
// as pytorch-grad-cam's get_2d_projection does. NaN and ±Inf entries are
// replaced by 0 first (the reference zeroes NaN; an SVD cannot take Inf).
//
// The sign of a singular vector is arbitrary, and after the ReLU of
// post-processing a flipped sign shows a completely different map. The
// sign is therefore fixed: p is oriented so that it correlates positively
// with the channel-mean activation m_i = mean_k X_ik, i.e. Σ_i p_i·m_i > 0,
// which for this projection is the same as Σ_k v_k > 0 (the principal
// direction points towards "more activation in total"). When that
// correlation is zero within rounding (|Σ p·m| ≤ 1e-9·‖p‖·‖m‖), the
// largest-magnitude entry of p (the first one on ties) is made positive.
// The result does not depend on the LAPACK sign, on channel order, or on a
// positive rescaling of m.
func Projection(m Maps) (Map, error) {
	if err := m.Validate(); err != nil {
		return Map{}, err
	}
	out := NewMap(m.W, m.H)
	if err := projectInto(out.Data, m); err != nil {
		return Map{}, err
	}
	return out, nil
}

func projectInto(dst []float32, m Maps) error {
	P, C := m.H*m.W, m.C
	x := mat.NewDense(P, C, nil)
	raw := x.RawMatrix()
	mean := make([]float64, P) // channel-mean per pixel, for the sign
	for k := 0; k < C; k++ {
		ch := m.Channel(k)
		for i, v := range ch {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				f = 0
			}
			raw.Data[i*raw.Stride+k] = f
			mean[i] += f / float64(C)
		}
	}
	centreColumns(raw)

	p, err := firstComponent(x)
	if err != nil {
		return err
	}
	if projectionSign(p, mean) < 0 {
		for i := range p {
			p[i] = -p[i]
		}
	}
	for i, v := range p {
		dst[i] = float32(v)
	}
	return nil
}

// firstComponent returns the projection X·v1 of the rows of x on its
// first right singular vector, from the eigenvector of the largest
// eigenvalue of the smaller Gram matrix: with fewer rows than columns
// (e.g. 196 pixels × 512 channels) that is XXᵀ, whose top eigenvector is
// u1 with eigenvalue σ1², and X·v1 = σ1·u1; otherwise XᵀX gives v1. In
// float64 this matches the SVD's first component (the golden Eigen-CAM
// tests hold it to the reference) at a fraction of the cost of a full thin
// SVD (VGG16's 196×512 map: ~25 ms → a few ms).
func firstComponent(x *mat.Dense) ([]float64, error) {
	P, C := x.Dims()
	wide := P < C
	var g mat.SymDense
	if wide {
		g.SymOuterK(1, x)
	} else {
		g.SymOuterK(1, x.T())
	}
	var es mat.EigenSym
	if !es.Factorize(&g, true) {
		return nil, errors.New("cam: eigen-decomposition of the activations did not converge")
	}
	var vec mat.Dense
	es.VectorsTo(&vec)
	n := g.SymmetricDim()
	top := es.Values(nil)[n-1] // ascending
	p := make([]float64, P)
	if wide {
		s0 := math.Sqrt(max(top, 0))
		for i := range p {
			p[i] = s0 * vec.At(i, n-1)
		}
		return p, nil
	}
	mat.NewVecDense(P, p).MulVec(x, vec.ColView(n-1))
	return p, nil
}

// centreColumns subtracts each column's mean (the mean over pixels of a
// channel), as reshaped_activations - reshaped_activations.mean(axis=0).
func centreColumns(r blas64.General) {
	for k := 0; k < r.Cols; k++ {
		var s float64
		for i := 0; i < r.Rows; i++ {
			s += r.Data[i*r.Stride+k]
		}
		s /= float64(r.Rows)
		for i := 0; i < r.Rows; i++ {
			r.Data[i*r.Stride+k] -= s
		}
	}
}

// projectionSign returns +1 or −1, the orientation documented on Projection.
func projectionSign(p, mean []float64) float64 {
	var dot, pp, mm float64
	for i := range p {
		dot += p[i] * mean[i]
		pp += p[i] * p[i]
		mm += mean[i] * mean[i]
	}
	if math.Abs(dot) > 1e-9*math.Sqrt(pp*mm) {
		if dot > 0 {
			return 1
		}
		return -1
	}
	best := 0
	for i := range p {
		if math.Abs(p[i]) > math.Abs(p[best]) {
			best = i
		}
	}
	if p[best] < 0 {
		return -1
	}
	return 1
}

// The product tensors of the pixel methods (Method.product): their maps
// are the channel sums, and -eigen-smooth projects them instead, as
// pytorch-grad-cam's get_cam_image does for HiResCAM's G⊙A, LayerCAM's
// ReLU(G)⊙A and Grad-CAM element-wise's ReLU(G⊙A).

func hiResProduct(a, g Maps, _ Params) (Maps, error) {
	return pixelProduct(a, g, func(g, a float32) float32 { return g * a })
}

func elementWiseProduct(a, g Maps, _ Params) (Maps, error) {
	return pixelProduct(a, g, func(g, a float32) float32 { return max(g*a, 0) })
}

func layerCAMProduct(a, g Maps, _ Params) (Maps, error) {
	return pixelProduct(a, g, func(g, a float32) float32 { return max(g, 0) * a })
}

// pixelProduct is f(G, A) entry by entry, rounded to float32 as numpy
// forms it.
func pixelProduct(a, g Maps, f func(g, a float32) float32) (Maps, error) {
	if err := checkAG(a, g); err != nil {
		return Maps{}, err
	}
	out := Maps{C: a.C, H: a.H, W: a.W, Data: make([]float32, len(a.Data))}
	for i, v := range a.Data {
		out.Data[i] = f(g.Data[i], v)
	}
	return out, nil
}
