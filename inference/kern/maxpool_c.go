//go:build !purego

package kern

/*
#cgo CFLAGS: -O3
// b = v > b ? v : b is MAXSS/MAXPS exactly (NaN and ±0 included), so the
// compiler may vectorise it without changing a result.
static void max_rows_3x3(const float *src, long w, long sh, long sw, long x0, float *dst, long wo, long rows, long n) {
	for (long oy = 0; oy < rows; oy++) {
		const float *r0 = src + oy * sh * w + x0, *r1 = r0 + w, *r2 = r1 + w;
		float *out = dst + oy * wo;
		for (long i = 0; i < n; i++) {
			long x = i * sw;
			float b = r0[x], v;
#define STEP(p) v = (p); b = v > b ? v : b;
			STEP(r0[x + 1]) STEP(r0[x + 2])
			STEP(r1[x]) STEP(r1[x + 1]) STEP(r1[x + 2])
			STEP(r2[x]) STEP(r2[x + 1]) STEP(r2[x + 2])
#undef STEP
			out[i] = b;
		}
	}
}

static void max_rows_2x2(const float *src, long w, float *dst, long wo, long rows, long n) {
	for (long oy = 0; oy < rows; oy++) {
		const float *r0 = src + 2 * oy * w, *r1 = r0 + w;
		float *out = dst + oy * wo;
		for (long i = 0; i < n; i++) {
			float b = r0[2 * i], v;
#define STEP(p) v = (p); b = v > b ? v : b;
			STEP(r0[2 * i + 1]) STEP(r1[2 * i]) STEP(r1[2 * i + 1])
#undef STEP
			out[i] = b;
		}
	}
}
*/
import "C"

import "unsafe"

func maxRows3x3(src []float32, w, sh, sw, x0 int, dst []float32, wo, rows, n int) {
	C.max_rows_3x3((*C.float)(unsafe.Pointer(&src[0])), C.long(w), C.long(sh), C.long(sw), C.long(x0),
		(*C.float)(unsafe.Pointer(&dst[0])), C.long(wo), C.long(rows), C.long(n))
}

func maxRows2x2(src []float32, w int, dst []float32, wo, rows, n int) {
	C.max_rows_2x2((*C.float)(unsafe.Pointer(&src[0])), C.long(w), (*C.float)(unsafe.Pointer(&dst[0])), C.long(wo), C.long(rows), C.long(n))
}
