package kern

import (
	"fmt"

	"camviz/inference/blas"
)

// RowsBT sets C = α·A·Bᵀ + β·C for A m×k (row stride lda), B n×k (row
// stride ldb) and C m×n (row stride ldc), where m is a batch of at most
// MaxRows images and B a fully connected layer's weights, [outputs][inputs]
// as torch exports them. Every row of B is read once, in place, and
// meets all m rows of A (C is not read when β = 0); the rows of B are
// shared out over blas.Workers() threads. It reports false, doing
// nothing, where the build or CPU has no such product or m is out of
// range: the caller then runs its GEMM.
//
// A GEMM packs B before multiplying; for m ≪ n that copy of the weights
// costs more than the product (VGG16's fc6: 411 MB copied per batch of 4).
func RowsBT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if !available || m < 1 || m > MaxRows || n < 1 || k < 1 {
		return false
	}
	switch {
	case lda < k || len(a) < (m-1)*lda+k:
		panic(fmt.Sprintf("kern.RowsBT: A has %d values for %d×%d with row stride %d", len(a), m, k, lda))
	case ldb < k || len(b) < (n-1)*ldb+k:
		panic(fmt.Sprintf("kern.RowsBT: B has %d values for %d×%d with row stride %d", len(b), n, k, ldb))
	case ldc < n || len(c) < (m-1)*ldc+n:
		panic(fmt.Sprintf("kern.RowsBT: C has %d values for %d×%d with row stride %d", len(c), m, n, ldc))
	}
	// Bound by reading B, not by arithmetic: a second thread pays from
	// ResNet-50's fc (8 MB of weights) up.
	workers := min(blas.Workers(), n*k/rowsParallel)
	blas.Split(n, max(workers, 1), func(lo, hi int) {
		rowsBT(m, k, alpha, a, lda, b, ldb, beta, c, ldc, lo, hi)
	})
	return true
}

// rowsParallel is the size of B (values) below which RowsBT runs on one
// thread.
const rowsParallel = 1 << 19

// MaxRows is the most rows of A RowsBT takes.
const MaxRows = maxRows
