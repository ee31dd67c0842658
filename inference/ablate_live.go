package inference

// liveGemm is g's forward on x by the constant weights b (and bias), with
// the inputs that are 0 in every row of x left out: x's columns and the
// weights' matching rows of op(B) are gathered first, and the product
// runs over the rest. After a ReLU most of a batch of fc7 inputs are such
// columns (VGG16's ablated fc6 rows: 41% of the 4096 units are off in
// every row), and leaving them out is exact: they add 0·w to every sum
// (the weights are assumed finite; 0·Inf would be NaN in the full product).
// When nearly every column is live, the plain product runs.
func liveGemm(ar *arena, g *gemm, x, b, bias *tval) (*tval, error) {
	m, n, k, err := g.dims([]*tval{x, b})
	if err != nil {
		return nil, err
	}
	live := liveColumns(x.f, m, k)
	if g.transA || len(live) > k-k/8 {
		out, _, err := g.forward(ar, []*tval{x, b, bias}, false)
		return out, err
	}
	l := len(live)
	xs := ar.get(m * l)
	defer ar.put(xs)
	gatherColumns(xs, x.f, m, k, live)
	ws := ar.get(n * l)
	defer ar.put(ws)
	wshape := []int{l, n}
	if g.transB { // B is [n × k]: keep each row's live entries, [n × l]
		wshape = []int{n, l}
		gatherColumns(ws, b.f, n, k, live)
	} else { // B is [k × n]: its live rows, [l × n]
		parallel(l, 64, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				copy(ws[t*n:(t+1)*n], b.f[live[t]*n:(live[t]+1)*n])
			}
		})
	}
	out, _, err := g.forward(ar, []*tval{{shape: []int{m, l}, f: xs}, {shape: wshape, f: ws}, bias}, false)
	return out, err
}

// gatherColumns copies the live columns of the rows×k matrix src into
// dst, rows×len(live).
func gatherColumns(dst, src []float32, rows, k int, live []int) {
	l := len(live)
	parallel(rows, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row, out := src[r*k:(r+1)*k], dst[r*l:(r+1)*l]
			for t, j := range live {
				out[t] = row[j]
			}
		}
	})
}

// liveColumns lists the columns of the m×k matrix x that hold a value
// other than 0 in some row (NaN counts as live).
func liveColumns(x []float32, m, k int) []int {
	seen := make([]bool, k)
	for r := range m {
		for j, v := range x[r*k : (r+1)*k] {
			if v != 0 {
				seen[j] = true
			}
		}
	}
	var live []int
	for j, s := range seen {
		if s {
			live = append(live, j)
		}
	}
	return live
}
