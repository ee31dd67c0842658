package cam

// upsampler computes ScoreCAM masks: PyTorch's bilinear upsampling with
// align_corners=True, then per-channel min-max.
type upsampler struct {
	x, y axis
	row  []float32 // one source row interpolated along x
	srcW int
}

func newUpsampler(srcW, srcH, dstW, dstH int) *upsampler {
	return &upsampler{
		x: alignCornersAxis(srcW, dstW), y: alignCornersAxis(srcH, dstH),
		row: make([]float32, 2*dstW), srcW: srcW,
	}
}

// alignCornersAxis reproduces PyTorch's compute_indices_weights_linear with
// align_corners=True in float32: scale = (in−1)/(out−1), source = scale·d,
// i0 = trunc(source), i1 = i0+1 except at the last index, λ = source − i0.
func alignCornersAxis(in, out int) axis {
	a := axis{i0: make([]int32, out), i1: make([]int32, out), w: make([]float32, out)}
	var scale float32
	if out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	for d := range out {
		src := scale * float32(d)
		i0 := min(int(src), in-1)
		a.i0[d] = int32(i0)
		a.i1[d] = int32(min(i0+1, in-1))
		a.w[d] = min(max(src-float32(i0), 0), 1)
	}
	return a
}

// mask writes the normalised upsampled channel ch into dst. PyTorch's
// kernel interpolates along x within each of the two source rows, then
// blends the rows, t0·(1−λy) + t1·λy, in float32; we follow that order.
func (u *upsampler) mask(dst, ch []float32) {
	w := len(u.x.i0)
	r0, r1 := u.row[:w], u.row[w:]
	for dy := range u.y.i0 {
		u.interpRow(r0, ch[int(u.y.i0[dy])*u.srcW:])
		u.interpRow(r1, ch[int(u.y.i1[dy])*u.srcW:])
		l1 := u.y.w[dy]
		l0 := 1 - l1
		out := dst[dy*w : (dy+1)*w]
		for x := range out {
			out[x] = r0[x]*l0 + r1[x]*l1
		}
	}
	lo, hi, _ := Range(dst)
	den := (hi - lo) + float32(1e-8)
	for i, v := range dst {
		dst[i] = (v - lo) / den
	}
}

func (u *upsampler) interpRow(out, in []float32) {
	for x := range out {
		l1 := u.x.w[x]
		out[x] = in[u.x.i0[x]]*(1-l1) + in[u.x.i1[x]]*l1
	}
}
