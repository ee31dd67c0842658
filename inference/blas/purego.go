//go:build purego

package blas

// Name says which BLAS the binary was built with.
const Name = "gonum (pure Go)"

// Load reports the pure-Go BLAS this build computes with.
func Load() Info {
	return Info{Library: Name, Core: "go", CoreSource: "build", CPU: DetectCPU()}
}

func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	goGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
