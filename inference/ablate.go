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
// other activations), a flatten
// to [1, C·h·w] in (C, h, w) order, then the Gemm.
type channelPath struct {
	steps []step // per-channel steps and the flatten, in order
	flat  int    // the Gemm's input value
	gemm  step
}

// channelPath finds the route, or says why there is none.
func (n *Net) channelPath(layer int) (*channelPath, error) {
	readers := make([][]int, len(n.values))
	for i, s := range n.steps {
		for _, id := range s.in {
			if id >= 0 {
				readers[id] = append(readers[id], i)
			}
		}
	}
	cp := &channelPath{}
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
// product with 1/C of the weights. Only fc7 onwards runs on all C rows.
// On VGG16 that is 0.4 of fc6's 205 MFLOP per channel instead of all of
// it. The result equals the full tail up to float32 rounding (the sums are
// taken in another order). Models without such a path get
// ErrNoChannelPath; run the tail with ScoresWith instead.
func (p *Pass) AblationScores(ctx context.Context, layer string, fills []float32, progress func(done, total int)) ([]float32, error) {
	cp, rows, changed, err := p.ablatedRows(layer, fills)
	if err != nil {
		return nil, err
	}
	defer p.net.arena.put(rows)
	return p.tailScores(ctx, cp, rows, len(changed), progress)
}

// ablatedRows is the fully-connected layer's output with each channel
// ablated in turn, [C × width], and which rows the ablation changed.
func (p *Pass) ablatedRows(layer string, fills []float32) (*channelPath, []float32, []bool, error) {
	t, err := p.value(layer)
	if err != nil {
		return nil, nil, nil, err
	}
	if p.n != 1 || len(t.shape) != 4 {
		return nil, nil, nil, fmt.Errorf("%w: the pass holds %s, not one image's [1,C,H,W]", ErrNoChannelPath, shapeStr(t.shape))
	}
	c := t.shape[1]
	if len(fills) != c {
		return nil, nil, nil, fmt.Errorf("%d fill values for %d channels", len(fills), c)
	}
	cp, err := p.net.channelPath(p.net.byName[layer])
	if err != nil {
		return nil, nil, nil, err
	}
	base, ablated, err := p.flatInputs(cp, t, fills)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, changed, err := p.fc6Rows(cp, base, ablated, c)
	return cp, rows, changed, err
}

// tailScores runs the c rows through the rest of the network, every
// class's score.
func (p *Pass) tailScores(ctx context.Context, cp *channelPath, rows []float32, c int, progress func(done, total int)) ([]float32, error) {
	width := len(rows) / c
	var scores []float32
	const chunk = 128
	for k0 := 0; k0 < c; k0 += chunk {
		n := min(chunk, c-k0)
		s, err := p.scoresFrom(ctx, cp.gemm.out, rows[k0*width:(k0+n)*width], n)
		if err != nil {
			return nil, err
		}
		scores = append(scores, s...)
		if progress != nil {
			progress(k0+n, c)
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
	vals[cp.steps[0].in[0]] = z
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

// fc6Rows returns [C × n]: the Gemm's output of this pass with row k moved
// by channel k's change, α·Δ_k·op(B)[cols_k, :], and whether channel k's
// change was not zero.
func (p *Pass) fc6Rows(cp *channelPath, base, ablated []float32, c int) ([]float32, []bool, error) {
	g := cp.gemm.k.(*gemm)
	y := p.vals[cp.gemm.out]
	b := p.net.values[cp.gemm.in[1]].konst
	if y == nil || len(base)%c != 0 {
		return nil, nil, fmt.Errorf("the pass did not keep the fully-connected layer's output")
	}
	n, per, ldb := len(y.f), len(base)/c, b.shape[1]
	rows := p.net.arena.get(c * n)
	moved := make([]bool, c)
	parallel(c, 16, func(lo, hi int) {
		delta := make([]float32, per)
		for k := lo; k < hi; k++ {
			row := rows[k*n : (k+1)*n]
			copy(row, y.f)
			changed := false
			for i := range delta {
				delta[i] = ablated[k*per+i] - base[k*per+i]
				changed = changed || delta[i] != 0
			}
			if moved[k] = changed; !changed {
				continue
			}
			if g.transB { // B is [n × K]: op(B) rows cols_k are B's columns k·per…
				blas.GemmSerial(false, true, 1, n, per, g.alpha, delta, per, b.f[k*per:], ldb, 1, row, n)
			} else { // B is [K × n]: rows k·per… of B
				blas.GemmSerial(false, false, 1, n, per, g.alpha, delta, per, b.f[k*per*ldb:], ldb, 1, row, n)
			}
		}
	})
	return rows, moved, nil
}
