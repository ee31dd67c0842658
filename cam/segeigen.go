package cam

// SegEigenMap returns the map of Seg-Eigen-CAM (pytorch-grad-cam's
// seg_eigen_cam.py; Chung & Ying, Appl. Sci. 15(13) 7562, 2025): the
// first principal component of |G|⊙A (products rounded to float32), as
// Projection computes it, then oriented by the paper's sign correction
// (its Eq. 13): negated when |min| > |max|, so that the stronger extreme
// is positive. Unlike Eigen-CAM's sign convention, this one is part of
// the method and the reference applies it too, so the map matches the
// reference's sign (except in an exact tie |min| = |max|, where the
// correction keeps whichever sign the decomposition gave).
func SegEigenMap(a, g Maps) (Map, error) {
	if err := checkAG(a, g); err != nil {
		return Map{}, err
	}
	w := Maps{C: a.C, H: a.H, W: a.W, Data: make([]float32, len(a.Data))}
	for i, v := range a.Data {
		w.Data[i] = abs32(g.Data[i]) * v
	}
	m, err := Projection(w)
	if err != nil {
		return Map{}, err
	}
	lo, hi, _ := Range(m.Data)
	if abs32(lo) > abs32(hi) {
		for i, v := range m.Data {
			m.Data[i] = -v
		}
	}
	return m, nil
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// segEigenCAM is Seg-Eigen-CAM's layer map (SegEigenMap).
func segEigenCAM(dst []float32, a, g Maps) error {
	m, err := SegEigenMap(a, g)
	if err != nil {
		return err
	}
	copy(dst, m.Data)
	return nil
}
