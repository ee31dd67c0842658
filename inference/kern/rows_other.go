//go:build purego || !amd64

package kern

const maxRows = 8

func rowsBT(m, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc, j0, j1 int) {
	panic("kern: no few-rows product in this build")
}
