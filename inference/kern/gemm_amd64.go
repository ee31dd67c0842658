//go:build !purego && amd64

package kern

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lpthread
#include "gemm.h"
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The blocking, as gemm.h declares it.
const (
	mr = C.KERN_MR
	nr = C.KERN_NR
	kc = C.KERN_KC
	nc = C.KERN_NC
)

var available = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// wide runs the AVX-512 tile (6×32, over two of B's panels): where the
// CPU and OS have AVX-512F. Tests turn it off to check the AVX2 tile too.
var wide = available && cpu.X86.HasAVX512F

func flag(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func uintptrOf(s []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(s))) }

func fptr(s []float32) *C.float {
	if s == nil {
		return nil
	}
	return (*C.float)(unsafe.Pointer(unsafe.SliceData(s)))
}

func packA(a []float32, m, k, lda int, out []float32) {
	C.kern_pack_a(fptr(a), C.long(m), C.long(k), C.long(lda), fptr(out))
}

func startPool(n int) { C.kern_pool_start(C.long(n)) }

// mul and mulImage hand a whole product to C, which splits it over parts
// threads: ap is A packed, bp the calling thread's scratch for B's
// blocks, bk nil or room for all of B packed (see Weights.parts).
func mul(m, k int, ap, b []float32, ldb, n int, c []float32, ldc int, e Epilogue, parts int, bp, bk []float32) {
	C.kern_gemm(C.long(m), C.long(n), C.long(k), fptr(ap), fptr(b), C.long(ldb), fptr(c), C.long(ldc),
		fptr(e.Bias), fptr(e.Skip), flag(e.Relu), flag(wide), C.long(parts), fptr(bp), fptr(bk))
}

func mulImage(m, k int, ap, x []float32, geom []int, c []float32, ldc int, e Epilogue, parts int, bp, bk []float32) {
	var g [13]C.long
	for i, v := range geom {
		g[i] = C.long(v)
	}
	C.kern_gemm_image(C.long(m), C.long(k), fptr(ap), fptr(x), &g[0], fptr(c), C.long(ldc),
		fptr(e.Bias), fptr(e.Skip), flag(e.Relu), flag(wide), C.long(parts), fptr(bp), fptr(bk))
}
