// Package blas is the one place camviz calls a BLAS: single-precision
// matrix products in row-major order. The default build links Debian's
// OpenBLAS through cgo; the purego build tag swaps in gonum's pure-Go
// implementation so the engine still builds without a C toolchain.
package blas

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ, op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc
// are the row strides of A, B and C as stored.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
