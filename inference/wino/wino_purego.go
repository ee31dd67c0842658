//go:build purego || !cgo || !amd64

package wino

// Fast says whether the transforms are native code.
const Fast = false

// blocks4: there are no native blocks to choose.
var blocks4 = 0

func input(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	inputGo(x, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin, v, ld, t0)
}

func output(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	outputGo(m, ho, wo, ty0, ty1, tw, k0, k1, cout, bias, out, ld, t0)
}

func input4(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	input4Go(x, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin, v, ld, t0)
}

func output4(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	output4Go(m, ho, wo, ty0, ty1, tw, k0, k1, cout, bias, out, ld, t0)
}
