//go:build !purego && amd64

package kern

/*
#cgo CFLAGS: -O3
#include "rows.h"
*/
import "C"

const maxRows = C.KERN_ROWS

func rowsBT(m, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc, j0, j1 int) {
	C.kern_rows_bt(C.long(m), C.long(k), C.float(alpha), fptr(a), C.long(lda), fptr(b), C.long(ldb), C.float(beta), fptr(c), C.long(ldc), C.long(j0), C.long(j1), flag(wide))
}
