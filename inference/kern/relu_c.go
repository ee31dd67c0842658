//go:build !purego

package kern

/*
#cgo CFLAGS: -O3
// 0 > v ? 0 : v is MAXPS(0, v): the compiler vectorises it as such.
static void relu_floats(float *x, long n) {
	for (long i = 0; i < n; i++) x[i] = 0.0f > x[i] ? 0.0f : x[i];
}
*/
import "C"

import "unsafe"

func relu(x []float32) { C.relu_floats((*C.float)(unsafe.Pointer(&x[0])), C.long(len(x))) }
