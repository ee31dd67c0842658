//go:build purego

package kern

func maxRows3x3(src []float32, w, sh, sw, x0 int, dst []float32, wo, rows, n int) {
	maxRows3x3Go(src, w, sh, sw, x0, dst, wo, rows, n)
}

func maxRows2x2(src []float32, w int, dst []float32, wo, rows, n int) {
	maxRows2x2Go(src, w, dst, wo, rows, n)
}
