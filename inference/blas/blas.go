// Package blas is the one place camviz calls a BLAS: single-precision
// matrix products in row-major order. The default build opens Debian's
// OpenBLAS at run time through cgo; the purego build tag swaps in gonum's
// pure-Go implementation so the engine still builds without a C toolchain.
//
// OpenBLAS picks its kernels once, when it is loaded, from
// OPENBLAS_CORETYPE or its own table of CPU models; a CPU newer than the
// installed library (an AVX-512 Xeon under Debian 12's 0.3.21) gets its
// SSE3 kernels, 2.5× slower. So camviz opens the library itself, after
// naming the kernel set the CPU's features allow (DetectCPU: Cooperlake,
// SkylakeX, Haswell, Sandybridge, Nehalem). A user's OPENBLAS_CORETYPE
// wins, unless the CPU cannot execute it. The kernels are checked against
// gonum on first use; a library that is missing, computes wrongly or has
// no room under an address-space limit is replaced by gonum, and Load
// says why.
//
// Products with one row or one column run as matrix-vector products:
// some kernel sets pack the whole matrix for a one-row sgemm, which on a
// classifier's weights costs more than the product itself.
//
// OpenBLAS is run single-threaded and camviz splits the work over
// goroutines itself. OpenBLAS's own worker threads spin for a while after
// each call; on a 2-core machine they then took the core that the
// engine's next step (im2col, Winograd transforms, ReLU) wanted, and two
// threads ran little faster than one.
package blas

import (
	"runtime"
	"sync/atomic"
)

// Workers is how many goroutines compute work is split over.
func Workers() int { return runtime.GOMAXPROCS(0) }

// parallelFlops is the size below which a product runs on one goroutine.
const parallelFlops = 1 << 22

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ, op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc
// are the row strides of A, B and C as stored. Large products are split
// over Workers() goroutines along the longer side of C.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkSizes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	workers := min(Workers(), 2*m*n*k/parallelFlops, max(m, n)/8)
	if workers <= 1 {
		gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if n >= m { // columns j of C need columns j of op(B)
		Split(n, workers, func(lo, hi int) {
			bo := lo
			if transB {
				bo = lo * ldb
			}
			gemm(transA, transB, m, hi-lo, k, alpha, a, lda, b[bo:], ldb, beta, c[lo:], ldc)
		})
		return
	}
	Split(m, workers, func(lo, hi int) { // rows i of C need rows i of op(A)
		ao := lo * lda
		if transA {
			ao = lo
		}
		gemm(transA, transB, hi-lo, n, k, alpha, a[ao:], lda, b, ldb, beta, c[lo*ldc:], ldc)
	})
}

// Split cuts [0, n) into up to workers contiguous ranges and runs fn on
// each, returning when all are done. The ranges are taken in turn by the
// calling goroutine and by one goroutine started per further range,
// whichever comes first: the caller would only wait otherwise, and when
// a goroutine starts late (its thread preempted on a busy machine) the
// caller runs that range too instead of waiting for it. A goroutine that
// finds every range taken exits without calling fn.
func Split(n, workers int, fn func(lo, hi int)) {
	if workers <= 1 || n <= 1 {
		fn(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	parts := int64((n + chunk - 1) / chunk)
	var next, done atomic.Int64
	finished := make(chan struct{})
	run := func() {
		for {
			i := next.Add(1) - 1
			if i >= parts {
				return
			}
			fn(int(i)*chunk, min(int(i+1)*chunk, n))
			if done.Add(1) == parts {
				close(finished)
			}
		}
	}
	for range parts - 1 {
		go run()
	}
	run()
	<-finished
}

// GemmSerial is Gemm on the calling goroutine, for callers that run
// several products at once themselves.
func GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkSizes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
