//go:build !purego && cgo && amd64

package wino

/*
#cgo CFLAGS: -O2
#include "wino.h"
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Fast says whether the transforms are native code: SSE, and for
// F(4×4) eight-tile AVX blocks or sixteen-tile AVX-512 ones when the CPU
// and OS support them.
const Fast = true

// F(4×4)'s native blocks, widest last.
const (
	blocksSSE = iota
	blocksAVX
	blocksAVX512
)

// blocks4 picks F(4×4)'s native blocks; a variable so that tests run each.
var blocks4 = bestBlocks()

func bestBlocks() int {
	switch {
	case cpu.X86.HasAVX512F:
		return blocksAVX512
	case cpu.X86.HasAVX:
		return blocksAVX
	}
	return blocksSSE
}

func input(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	C.camviz_wino_in((*C.float)(unsafe.Pointer(&x[0])), C.int(h), C.int(w), C.int(pt), C.int(pl),
		C.int(ty0), C.int(ty1), C.int(tw), C.int(c0), C.int(c1), C.int(cin), (*C.float)(unsafe.Pointer(&v[0])), C.long(ld), C.long(t0))
}

func output(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	C.camviz_wino_out((*C.float)(unsafe.Pointer(&m[0])), C.int(ho), C.int(wo), C.int(ty0), C.int(ty1),
		C.int(tw), C.int(k0), C.int(k1), C.int(cout), biasPtr(bias), (*C.float)(unsafe.Pointer(&out[0])), C.long(ld), C.long(t0))
}

func input4(x []float32, h, w, pt, pl, ty0, ty1, tw, c0, c1, cin int, v []float32, ld, t0 int) {
	if blocks4 == blocksAVX512 {
		C.camviz_wino4_in512((*C.float)(unsafe.Pointer(&x[0])), C.int(h), C.int(w), C.int(pt), C.int(pl),
			C.int(ty0), C.int(ty1), C.int(tw), C.int(c0), C.int(c1), C.int(cin), (*C.float)(unsafe.Pointer(&v[0])), C.long(ld), C.long(t0))
		return
	}
	C.camviz_wino4_in((*C.float)(unsafe.Pointer(&x[0])), C.int(h), C.int(w), C.int(pt), C.int(pl),
		C.int(ty0), C.int(ty1), C.int(tw), C.int(c0), C.int(c1), C.int(cin), (*C.float)(unsafe.Pointer(&v[0])), C.long(ld), C.long(t0), cbool(blocks4 >= blocksAVX))
}

func output4(m []float32, ho, wo, ty0, ty1, tw, k0, k1, cout int, bias, out []float32, ld, t0 int) {
	if blocks4 == blocksAVX512 {
		C.camviz_wino4_out512((*C.float)(unsafe.Pointer(&m[0])), C.int(ho), C.int(wo), C.int(ty0), C.int(ty1),
			C.int(tw), C.int(k0), C.int(k1), C.int(cout), biasPtr(bias), (*C.float)(unsafe.Pointer(&out[0])), C.long(ld), C.long(t0))
		return
	}
	C.camviz_wino4_out((*C.float)(unsafe.Pointer(&m[0])), C.int(ho), C.int(wo), C.int(ty0), C.int(ty1),
		C.int(tw), C.int(k0), C.int(k1), C.int(cout), biasPtr(bias), (*C.float)(unsafe.Pointer(&out[0])), C.long(ld), C.long(t0), cbool(blocks4 >= blocksAVX))
}

func biasPtr(bias []float32) *C.float {
	if bias == nil {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&bias[0]))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
