//go:build !purego && amd64

package kern

/*
#cgo CFLAGS: -O3
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

// mulRange and mulImageRange hand one goroutine's part to C: ap is A
// packed, bp its scratch for B's blocks.
func mulRange(m, k int, ap, b []float32, ldb, n int, c []float32, ldc int, e Epilogue, p0, p1, j0, j1 int, bp []float32) {
	relu := C.int(0)
	if e.Relu {
		relu = 1
	}
	C.kern_gemm(C.long(m), C.long(n), C.long(k), fptr(ap), fptr(b), C.long(ldb), fptr(c), C.long(ldc),
		fptr(e.Bias), fptr(e.Skip), relu, C.long(p0), C.long(p1), C.long(j0), C.long(j1), fptr(bp))
}

func mulImageRange(m, k int, ap, x []float32, geom []int, c []float32, ldc int, e Epilogue, p0, p1, j0, j1 int, bp []float32) {
	relu := C.int(0)
	if e.Relu {
		relu = 1
	}
	var g [13]C.long
	for i, v := range geom {
		g[i] = C.long(v)
	}
	C.kern_gemm_image(C.long(m), C.long(k), fptr(ap), fptr(x), &g[0], fptr(c), C.long(ldc),
		fptr(e.Bias), fptr(e.Skip), relu, C.long(p0), C.long(p1), C.long(j0), C.long(j1), fptr(bp))
}
