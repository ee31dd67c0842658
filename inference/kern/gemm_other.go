//go:build purego || !amd64

package kern

import "unsafe"

// Without cgo on amd64 there is no packed product: NewWeights returns nil
// and callers keep their BLAS path, so startPool, packA, mul and mulImage
// are never reached.
const (
	mr = 6
	nr = 16
	kc = 256
	nc = 256
)

const available = false

var wide = false

func uintptrOf(s []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(s))) }

func packA(a []float32, m, k, lda int, out []float32) {
	panic("kern: no packed product in this build")
}

func startPool(n int) { panic("kern: no packed product in this build") }

func mul(m, k int, ap, b []float32, ldb, n int, c []float32, ldc int, e Epilogue, parts int, bp, bk []float32) {
	panic("kern: no packed product in this build")
}

func mulImage(m, k int, ap, x []float32, geom []int, c []float32, ldc int, e Epilogue, parts int, bp, bk []float32) {
	panic("kern: no packed product in this build")
}
