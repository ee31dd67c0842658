package inference

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"camviz/inference/blas"
)

// ErrNoChannelPath says AblationScores cannot take its shortcut: the
// layer does not reach a fully-connected layer through per-channel
// operators only.
var ErrNoChannelPath = errors.New("no per-channel path from the layer to a fully-connected layer")

// channelPath is the route from a layer to the first Gemm that reads it:
// per-channel operators (opDef.perChannel: ReLU, pooling, batch norm,
// other activations; a ReduceMean over the plane), a flatten
// to [1, C·h·w] in (C, h, w) order, then the Gemm.
type channelPath struct {
	layer int
	steps []step // per-channel steps and the flatten, in order
	flat  int    // the Gemm's input value
	gemm  step
}

// channelPath finds the route, or says why there is none.
func (n *Net) channelPath(layer int) (*channelPath, error) {
	cp, err := n.perChannelTo(layer)
	if err != nil {
		return nil, err
	}
	if _, ok := cp.gemm.k.(*gemm); !ok {
		return nil, fmt.Errorf("%w: found %s (node %q)", ErrNoChannelPath, cp.gemm.op, cp.gemm.node)
	}
	return cp, nil
}

// perChannelTo is channelPath that also stops at a 1×1 convolution (in
// cp.gemm, cp.flat its input): the route of convHeadScores.
func (n *Net) perChannelTo(layer int) (*channelPath, error) {
	readers := make([][]int, len(n.values))
	for i, s := range n.steps {
		for _, id := range s.in {
			if id >= 0 {
				readers[id] = append(readers[id], i)
			}
		}
	}
	cp := &channelPath{layer: layer}
	v := layer
	for {
		if v == n.scores || len(readers[v]) != 1 {
			return nil, fmt.Errorf("%w: %q is read by %d operators", ErrNoChannelPath, n.values[v].name, len(readers[v]))
		}
		s := n.steps[readers[v][0]]
		if len(s.in) == 0 || s.in[0] != v {
			return nil, fmt.Errorf("%w: %s (node %q) reads it as a parameter", ErrNoChannelPath, s.op, s.node)
		}
		for _, id := range s.in[1:] {
			if id >= 0 && n.values[id].konst == nil {
				return nil, fmt.Errorf("%w: %s (node %q) mixes it with another activation", ErrNoChannelPath, s.op, s.node)
			}
		}
		switch k := s.k.(type) {
		case *alias:
			in, out := n.shapes[v], n.shapes[s.out]
			if k.op == "Flatten" || k.op == "Reshape" {
				if len(in) != 4 || in[0] != 1 || len(out) != 2 || out[0] != 1 {
					return nil, fmt.Errorf("%w: %s from %s to %s", ErrNoChannelPath, k.op, shapeStr(in), shapeStr(out))
				}
			} else if !slices.Equal(in, out) {
				return nil, fmt.Errorf("%w: %s changes the shape", ErrNoChannelPath, k.op)
			}
		case *gemm:
			if k.transA || len(n.shapes[v]) != 2 || len(s.in) < 2 || s.in[1] < 0 || n.values[s.in[1]].konst == nil {
				return nil, fmt.Errorf("%w: Gemm %q is not input × constant weights", ErrNoChannelPath, s.node)
			}
			cp.flat, cp.gemm = v, s
			return cp, nil
		case *conv:
			if !k.pointwise(k.pads) || k.group != 1 || len(n.shapes[v]) != 4 {
				return nil, fmt.Errorf("%w: found Conv (node %q)", ErrNoChannelPath, s.node)
			}
			cp.flat, cp.gemm = v, s
			return cp, nil
		case *reduceMean:
			if !spatialMean(n.shapes[v], n.shapes[s.out]) {
				return nil, fmt.Errorf("%w: ReduceMean (node %q) from %s to %s", ErrNoChannelPath, s.node, shapeStr(n.shapes[v]), shapeStr(n.shapes[s.out]))
			}
		default:
			if !s.def.perChannel {
				return nil, fmt.Errorf("%w: found %s (node %q)", ErrNoChannelPath, s.op, s.node)
			}
		}
		cp.steps = append(cp.steps, s)
		v = s.out
	}
}

// AblationScores gives, for every channel k of layer, the scores the
// network would give if channel k alone were replaced by the constant
// fills[k]: [C × classes], row k for channel k. The pass must be kept and
// hold one image.
//
// AblationCAM asks for exactly this, and on VGG-style nets it has a
// shortcut. Between the last conv layer and fc6 everything acts per
// channel (ReLU, pooling), so changing channel k changes only the fc6
// inputs that channel k feeds: fc6's output moves by W[:, cols_k]·Δ_k, a
// product with 1/C of the weights. Only fc7 onwards runs, on the rows a
// channel changed; a channel whose ablation changes no fc6 input (it held
// its fill everywhere already, as a dead channel does) gets the pass's
// own scores. On VGG16 that is 0.4 of fc6's 205 MFLOP per channel instead
// of all of it. The result equals the full tail up to float32 rounding
// (the sums are taken in another order). Models without such a path get
// ErrNoChannelPath; run the tail with ScoresWith instead.
func (p *Pass) AblationScores(ctx context.Context, layer string, fills []float32, progress func(done, total int)) ([]float32, error) {
	ab, err := p.ablatedRows(layer, fills)
	if err != nil {
		return nil, err
	}
	defer p.net.arena.put(ab.rows)
	got, err := p.tailScores(ctx, ab, progress)
	if err != nil {
		return nil, err
	}
	own := p.Scores()
	classes := len(own)
	scores := make([]float32, ab.c*classes)
	for k := range ab.c {
		copy(scores[k*classes:(k+1)*classes], own)
	}
	for i, k := range ab.idx {
		copy(scores[k*classes:(k+1)*classes], got[i*classes:(i+1)*classes])
	}
	return scores, nil
}

// ablation is the fully-connected layer's output with each channel that
// the ablation changes ablated in turn: rows is [len(idx) × width], row i
// for channel idx[i] of the layer's c.
type ablation struct {
	cp   *channelPath
	rows []float32
	idx  []int
	c    int
}

// ablatedRows is the fully-connected layer's output with each channel
// ablated in turn, for the channels whose ablation changes it.
func (p *Pass) ablatedRows(layer string, fills []float32) (*ablation, error) {
	t, err := p.ablatedLayer(layer, fills)
	if err != nil {
		return nil, err
	}
	c := t.shape[1]
	cp, err := p.net.channelPath(p.net.byName[layer])
	if err != nil {
		return nil, err
	}
	base, ablated, err := p.flatInputs(cp, t, fills)
	if err != nil {
		return nil, err
	}
	ab := &ablation{cp: cp, c: c, idx: changedChannels(base, ablated, c)}
	ab.rows, err = p.fc6Rows(cp, base, ablated, c, ab.idx)
	return ab, err
}

// ablatedLayer is the layer's tensor in this pass, checked: one image's
// [1,C,H,W], and a fill for each channel.
func (p *Pass) ablatedLayer(layer string, fills []float32) (*tval, error) {
	t, err := p.value(layer)
	if err != nil {
		return nil, err
	}
	if p.n != 1 || len(t.shape) != 4 {
		return nil, fmt.Errorf("%w: the pass holds %s, not one image's [1,C,H,W]", ErrNoChannelPath, shapeStr(t.shape))
	}
	if len(fills) != t.shape[1] {
		return nil, fmt.Errorf("%d fill values for %d channels", len(fills), t.shape[1])
	}
	return t, nil
}

// changedChannels lists the channels k whose flattened inputs (the k-th
// of c equal parts) differ between base and ablated.
func changedChannels(base, ablated []float32, c int) []int {
	per := len(base) / c
	var idx []int
	for k := range c {
		for i := k * per; i < (k+1)*per; i++ {
			if ablated[i] != base[i] {
				idx = append(idx, k)
				break
			}
		}
	}
	return idx
}

// spatialMean says a ReduceMean from shape in to out is each channel's
// mean over its plane (ShuffleNet's head: mean over H, W): [1,C,H,W] to
// [1,C] or [1,C,1,1]. (With C > 1 no other axes give those shapes.)
func spatialMean(in, out []int) bool {
	if len(in) != 4 || in[0] != 1 || in[1] < 2 {
		return false
	}
	return slices.Equal(out, in[:2]) || slices.Equal(out, []int{1, in[1], 1, 1})
}

// tailScores runs the ablation's rows through the rest of the network,
// every class's score: [len(idx) × classes].
func (p *Pass) tailScores(ctx context.Context, ab *ablation, progress func(done, total int)) ([]float32, error) {
	m := len(ab.idx)
	if m == 0 {
		return nil, nil
	}
	width := len(ab.rows) / m
	var scores []float32
	const chunk = 128
	for k0 := 0; k0 < m; k0 += chunk {
		n := min(chunk, m-k0)
		s, err := p.scoresFrom(ctx, ab.cp.gemm.out, ab.rows[k0*width:(k0+n)*width], n)
		if err != nil {
			return nil, err
		}
		scores = append(scores, s...)
		if progress != nil {
			progress(k0+n, m)
		}
	}
	return scores, nil
}

// flatInputs returns the Gemm's input as this pass computed it, and as it
// would be with every channel replaced by its fill (each flattened value
// depends on its own channel only, so one run answers for all channels).
func (p *Pass) flatInputs(cp *channelPath, t *tval, fills []float32) (base, ablated []float32, err error) {
	base0 := p.vals[cp.flat]
	if base0 == nil {
		return nil, nil, fmt.Errorf("the pass did not keep %q", p.net.values[cp.flat].name)
	}
	plane := t.shape[2] * t.shape[3]
	z := &tval{shape: t.shape, f: make([]float32, len(t.f))}
	for k, v := range fills {
		ch := z.f[k*plane : (k+1)*plane]
		for i := range ch {
			ch[i] = v
		}
	}
	vals := slices.Clone(p.vals)
	vals[cp.layer] = z
	for _, s := range cp.steps {
		ins, err := p.net.gather(vals, s)
		if err != nil {
			return nil, nil, err
		}
		out, _, err := s.k.(kernel).forward(nil, ins, false)
		if err != nil {
			return nil, nil, fmt.Errorf("node %q (%s): %v", s.node, s.op, err)
		}
		vals[s.out] = out
	}
	return base0.f, vals[cp.flat].f, nil
}

// fc6Rows returns [len(idx) × n]: the Gemm's output of this pass with
// row i moved by channel k = idx[i]'s change, α·Δ_k·op(B)[cols_k, :].
func (p *Pass) fc6Rows(cp *channelPath, base, ablated []float32, c int, idx []int) ([]float32, error) {
	g := cp.gemm.k.(*gemm)
	y := p.vals[cp.gemm.out]
	b := p.net.values[cp.gemm.in[1]].konst
	if y == nil || len(base)%c != 0 {
		return nil, fmt.Errorf("the pass did not keep the fully-connected layer's output")
	}
	n, per := len(y.f), len(base)/c
	m := len(idx)
	rows := p.net.arena.get(m * n)
	delta := make([]float32, m*per)
	for i, k := range idx {
		for j := range per {
			delta[i*per+j] = ablated[k*per+j] - base[k*per+j]
		}
	}
	if g.transB {
		movedRowsT(g.alpha, delta, per, idx, b, y.f, rows)
		return rows, nil
	}
	ldb := b.shape[1]
	parallel(m, 16, func(lo, hi int) { // B is [K × n]: channel k's rows k·per… are contiguous
		for i := lo; i < hi; i++ {
			copy(rows[i*n:(i+1)*n], y.f)
			blas.GemmSerial(false, false, 1, n, per, g.alpha, delta[i*per:], per, b.f[idx[i]*per*ldb:], ldb, 1, rows[i*n:], n)
		}
	})
	return rows, nil
}

// fc6Block is how many of the weights' rows movedRowsT reads at a time
// (64 of VGG16's fc6 rows: 6.4 MB, one block per core in the cache).
// Measured on the full VGG16 (2 cores, 494 channels): a product per
// channel over all 4096 rows 75–101 ms, blocks of 16 rows 44–65, of 32
// 35–44, of 64 38–43, of 128 40–53.
const fc6Block = 64

// movedRowsT sets row i of rows to y + α·Δ_i·B[:, cols_k]ᵀ for B stored
// [n × K] (transB), k = idx[i]. Channel k's weights are per floats in each of
// B's n rows, 100 KB apart on VGG16: a product per channel reads them as
// short pieces of n pages, which the prefetcher does not follow. So the
// rows are taken a block at a time and every channel's product runs on
// the block: each row is then read in order, and the block stays in the
// cache between channels. (Reading each block once in order first, to
// bring it in, measured slower: 46–59 ms against 40–45.)
func movedRowsT(alpha float32, delta []float32, per int, idx []int, b *tval, y, rows []float32) {
	n, ldb := len(y), b.shape[1]
	blocks := (n + fc6Block - 1) / fc6Block
	parallel(blocks, 1, func(lo, hi int) {
		for bl := lo; bl < hi; bl++ {
			n0 := bl * fc6Block
			r := min(fc6Block, n-n0)
			for i, k := range idx {
				copy(rows[i*n+n0:i*n+n0+r], y[n0:n0+r])
				blas.GemmSerial(false, true, 1, r, per, alpha, delta[i*per:], per, b.f[n0*ldb+k*per:], ldb, 1, rows[i*n+n0:], r)
			}
		}
	})
}
