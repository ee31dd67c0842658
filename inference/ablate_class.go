package inference

import (
	"context"
	"fmt"
	"slices"

	"camviz/inference/blas"
)

// AblationClassScores is AblationScores for one class: the class's score
// with each channel k of layer replaced by fills[k], C values.
//
// One class needs less than all of them. After fc6's rank-C update
// (AblationScores), a head that is a plain chain — pointwise activations
// and Gemms by constant weights, the last giving the scores — runs each
// Gemm as one product over the ablated rows (on VGG16 fc7 is 512×4096 by
// 4096×4096, on every core) over the inputs live in some row
// (liveGemm), and the last only for the class's column (fc8: 4 MFLOP
// instead of 4 GFLOP). A channel whose ablation changes no input of fc6
// (it already held its fill everywhere, as a dead channel does) is not
// run: its score is the pass's own. A head that is a 1×1 convolution,
// ReLU and global average (SqueezeNet's) has a closed form, see
// convHeadScores. Other heads run the tail for every class, as
// AblationScores does.
func (p *Pass) AblationClassScores(ctx context.Context, layer string, class int, fills []float32, progress func(done, total int)) ([]float32, error) {
	if class < 0 || class >= p.net.NumClasses() {
		return nil, fmt.Errorf("class %d out of range for %d classes", class, p.net.NumClasses())
	}
	t, err := p.ablatedLayer(layer, fills)
	if err != nil {
		return nil, err
	}
	if h, err := p.net.convHead(p.net.byName[layer]); err == nil {
		s, err := p.convHeadScores(h, t, class, fills)
		if err == nil && progress != nil {
			progress(len(s), len(s))
		}
		return s, err
	}
	ab, err := p.ablatedRows(layer, fills)
	if err != nil {
		return nil, err
	}
	defer p.net.arena.put(ab.rows)
	var got []float32
	if chain, ok := p.net.headChain(ab.cp.gemm.out); ok {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		got, err = p.runChain(chain, ab.rows, len(ab.idx), class)
	} else {
		got, err = p.tailScores(ctx, ab, progress)
		got = pickClass(got, len(ab.idx), class)
	}
	if err != nil {
		return nil, err
	}
	s := make([]float32, ab.c)
	own := p.Scores()[class]
	for k := range s {
		s[k] = own
	}
	for i, k := range ab.idx {
		s[k] = got[i]
	}
	if progress != nil {
		progress(ab.c, ab.c)
	}
	return s, nil
}

// pickClass is column class of the m rows of all.
func pickClass(all []float32, m, class int) []float32 {
	if m == 0 {
		return nil
	}
	classes := len(all) / m
	s := make([]float32, m)
	for i := range s {
		s[i] = all[i*classes+class]
	}
	return s
}

// headChain is the chain of steps from value from to the scores when it
// is plain: each step reads the one before it alone and is a Relu, an
// alias that keeps the shape (Identity, Dropout) or a Gemm of it by
// constant weights (and a constant bias), the scores coming from a Gemm.
func (n *Net) headChain(from int) ([]step, bool) {
	var chain []step
	for v := from; v != n.scores; {
		next := -1
		for i, s := range n.steps {
			for _, id := range s.in {
				if id == v {
					if next >= 0 || s.in[0] != v {
						return nil, false // read twice, or as a parameter
					}
					next = i
				}
			}
		}
		if next < 0 {
			return nil, false
		}
		s := n.steps[next]
		switch k := s.k.(type) {
		case relu:
		case *alias:
			if !slices.Equal(n.shapes[v], n.shapes[s.out]) {
				return nil, false
			}
		case *gemm:
			if k.transA || !constInputs(n, s.in[1:]) {
				return nil, false
			}
		default:
			return nil, false
		}
		chain = append(chain, s)
		v = s.out
	}
	if len(chain) == 0 {
		return nil, false
	}
	_, last := chain[len(chain)-1].k.(*gemm)
	return chain, last
}

func constInputs(n *Net, ids []int) bool {
	for _, id := range ids {
		if id >= 0 && n.values[id].konst == nil {
			return false
		}
	}
	return len(ids) > 0 && ids[0] >= 0
}

// runChain runs m rows (of the chain's input width) through the chain,
// the last Gemm for class only: one score per row.
func (p *Pass) runChain(chain []step, rows []float32, m, class int) ([]float32, error) {
	if m == 0 {
		return nil, nil
	}
	x := &tval{shape: []int{m, len(rows) / max(m, 1)}, f: rows}
	ar := p.net.arena
	var owned []float32
	defer func() { ar.put(owned) }()
	for i, s := range chain {
		switch k := s.k.(type) {
		case relu:
			parallel(len(x.f), 1<<16, func(lo, hi int) {
				for j, v := range x.f[lo:hi] {
					if v < 0 { // NaN stays, as in Relu
						x.f[lo+j] = 0
					}
				}
			})
		case *gemm:
			b := p.net.values[s.in[1]].konst
			var bias *tval
			if len(s.in) > 2 && s.in[2] >= 0 {
				bias = p.net.values[s.in[2]].konst
			}
			if i == len(chain)-1 {
				return k.column(x, b, bias, class)
			}
			out, err := liveGemm(ar, k, x, b, bias)
			if err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
			}
			ar.put(owned)
			owned, x = out.f, out
		}
	}
	return nil, fmt.Errorf("internal: the head chain does not end in a Gemm")
}

// column is the Gemm's output column j only: α·x·op(B)[:, j] + β·C[j].
func (g *gemm) column(x, b, bias *tval, j int) ([]float32, error) {
	m, n, k, err := g.dims([]*tval{x, b})
	if err != nil {
		return nil, err
	}
	if j >= n {
		return nil, fmt.Errorf("class %d out of range for %d scores", j, n)
	}
	col := make([]float32, k)
	ldb := b.shape[1]
	for i := range col {
		if g.transB { // B is [n × k]: row j
			col[i] = b.f[j*ldb+i]
		} else {
			col[i] = b.f[i*ldb+j]
		}
	}
	out := make([]float32, m)
	if bias != nil && g.beta != 0 {
		c := bias.f
		for r := range out {
			switch len(c) {
			case 1:
				out[r] = g.beta * c[0]
			case n:
				out[r] = g.beta * c[j]
			default:
				out[r] = g.beta * c[r*n+j]
			}
		}
	}
	blas.Gemm(false, false, m, 1, k, g.alpha, x.f, k, col, 1, 1, out, 1)
	return out, nil
}
