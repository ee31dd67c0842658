//go:build !purego

package blas

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// OpenBLAS is opened at run time, not linked: it picks its kernels once,
// in its load-time constructor, from OPENBLAS_CORETYPE or its own table of
// CPU models, and a CPU newer than the installed library falls back to
// SSE3 kernels. Opening it ourselves lets camviz name the core first.

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
	const float *, int, float, float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int,
	float, float *, int);
typedef char *(*name_fn)(void);
typedef void (*threads_fn)(int);

static sgemm_fn p_sgemm;
static sgemv_fn p_sgemv;
static name_fn p_corename, p_config;

static void *sym(void *h, const char *name, const char **err) {
	void *p = dlsym(h, name);
	if (!p && !*err) *err = name;
	return p;
}

// camviz_open loads lib with core as OPENBLAS_CORETYPE ("" leaves it to
// OpenBLAS) and one thread; it returns NULL or what went wrong.
static void restore(const char *name, char *old) {
	if (old) {
		setenv(name, old, 1);
		free(old);
	} else {
		unsetenv(name);
	}
}

static char *saved(const char *name) {
	const char *v = getenv(name);
	return v ? strdup(v) : NULL;
}

static const char *camviz_open(const char *lib, const char *core) {
	char *threads = saved("OPENBLAS_NUM_THREADS"), *coretype = saved("OPENBLAS_CORETYPE");
	setenv("OPENBLAS_NUM_THREADS", "1", 1);
	if (core[0]) setenv("OPENBLAS_CORETYPE", core, 1);
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	restore("OPENBLAS_NUM_THREADS", threads);
	restore("OPENBLAS_CORETYPE", coretype);
	if (!h) return dlerror();
	const char *err = NULL;
	p_sgemm = (sgemm_fn)sym(h, "cblas_sgemm", &err);
	p_sgemv = (sgemv_fn)sym(h, "cblas_sgemv", &err);
	p_corename = (name_fn)sym(h, "openblas_get_corename", &err);
	p_config = (name_fn)sym(h, "openblas_get_config", &err);
	threads_fn set = (threads_fn)sym(h, "openblas_set_num_threads", &err);
	if (err) return err;
	set(1);
	return NULL;
}

static void camviz_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
		const float *b, int ldb, float beta, float *c, int ldc) {
	p_sgemm(101, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void camviz_sgemv(int t, int m, int n, float alpha, const float *a, int lda,
		const float *x, int incx, float beta, float *y, int incy) {
	p_sgemv(101, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

static const char *camviz_corename(void) { return p_corename(); }
static const char *camviz_config(void) { return p_config(); }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// Name says which BLAS the binary was built with.
const Name = "openblas"

// libraries are the sonames tried in order: Debian's runtime package
// (libopenblas0-pthread / -openmp / -serial all provide the first).
var libraries = []string{"libopenblas.so.0", "libopenblas.so"}

var (
	loadOnce sync.Once
	loaded   Info
	native   bool // OpenBLAS loaded and passed the self-check
)

// Load opens OpenBLAS on first use and reports which kernels it runs.
// When the library cannot be opened or its products disagree with the
// reference loop, camviz computes with gonum's pure-Go BLAS instead and
// Info.Fallback says why.
func Load() Info {
	loadOnce.Do(func() { loaded, native = open() })
	return loaded
}

func open() (Info, bool) {
	info := Info{Library: Name, CPU: DetectCPU()}
	core, userSet := os.LookupEnv("OPENBLAS_CORETYPE")
	info.CoreSource = "OPENBLAS_CORETYPE"
	if userSet && core != "" && !runnable(core) {
		// OpenBLAS would follow it into an illegal instruction.
		info.Note = fmt.Sprintf("OPENBLAS_CORETYPE=%s needs instructions this CPU lacks; ignored", core)
		userSet = false
	}
	if !userSet || core == "" {
		userSet = false
		core, info.CoreSource = info.CPU.Core, "camviz"
		if core == "" {
			info.CoreSource = "openblas"
		}
	}
	var err error
	for _, lib := range libraries {
		if err = openLib(lib, core, userSet); err == nil {
			break
		}
	}
	if err == nil {
		err = roomForBuffer()
	}
	if err != nil {
		return fallback(info, err), false
	}
	info.Core = C.GoString(C.camviz_corename())
	info.Config = strings.TrimSpace(C.GoString(C.camviz_config()))
	if err := selfCheck(nativeGemm); err != nil {
		return fallback(info, fmt.Errorf("OpenBLAS %s kernels failed the self-check: %w", info.Core, err)), false
	}
	return info, true
}

// openLib opens one soname; a core the user set is left in the
// environment, where OpenBLAS reads it itself.
func openLib(lib, core string, userSet bool) error {
	clib := C.CString(lib)
	defer C.free(unsafe.Pointer(clib))
	if userSet {
		core = ""
	}
	ccore := C.CString(core)
	defer C.free(unsafe.Pointer(ccore))
	if msg := C.camviz_open(clib, ccore); msg != nil {
		return errors.New(C.GoString(msg))
	}
	return nil
}

func fallback(info Info, err error) Info {
	info.Library = "gonum (pure Go)"
	info.Core = "go"
	info.Fallback = err.Error()
	return info
}

func trans(t bool) C.int {
	if t {
		return 112 // CblasTrans
	}
	return 111 // CblasNoTrans
}

func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if Load(); !native {
		goGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if k > 0 && (m == 1 || n == 1) {
		vectorProduct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	nativeGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func nativeGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var pa, pb *float32
	if k > 0 {
		pa, pb = &a[0], &b[0]
	}
	C.camviz_sgemm(trans(transA), trans(transB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(pa)), C.int(lda), (*C.float)(unsafe.Pointer(pb)), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}

// vectorProduct runs a product with one row or one column of C as a
// matrix-vector product. Some OpenBLAS kernels (0.3.21's SkylakeX
// among them) pack the whole matrix for a one-row sgemm, which on a
// classifier's 25088×4096 weights costs more than the product.
func vectorProduct(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 1 {
		// c (1×n) = a (1×k) · op(B) (k×n) ⇔ cᵀ = op(B)ᵀ · aᵀ.
		incx := 1
		if transA {
			incx = lda
		}
		// B stored row-major is k×n (no trans) or n×k (trans).
		rows, cols, t := k, n, true
		if transB {
			rows, cols, t = n, k, false
		}
		gemv(t, rows, cols, alpha, b, ldb, a, incx, beta, c, 1)
		return
	}
	// n == 1: c (m×1) = op(A) (m×k) · b (k×1).
	incx := ldb
	if transB {
		incx = 1
	}
	rows, cols, t := m, k, false
	if transA {
		rows, cols, t = k, m, true
	}
	gemv(t, rows, cols, alpha, a, lda, b, incx, beta, c, ldc)
}

func gemv(t bool, m, n int, alpha float32, a []float32, lda int, x []float32, incx int, beta float32, y []float32, incy int) {
	if beta == 0 { // y may hold anything, NaN included, and 0·NaN is NaN
		ylen := m
		if t {
			ylen = n
		}
		for i := 0; i < ylen; i++ {
			y[i*incy] = 0
		}
	}
	C.camviz_sgemv(trans(t), C.int(m), C.int(n), C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&x[0])), C.int(incx), C.float(beta), (*C.float)(unsafe.Pointer(&y[0])), C.int(incy))
}
