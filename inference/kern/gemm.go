package kern

import (
	"fmt"
	"sync"

	"camviz/inference/blas"
)

// Weights is the left-hand matrix A [m][k] of Mul (a convolution's
// weights, one row per output channel). The first Mul packs it, once, in
// panels of mr rows (the last padded with zero rows) and keeps the
// packing: repacking on every call cost more than the product on
// ResNet-50's 7×7 and 14×14 layers, where each weight meets only 49 or
// 196 columns. Packing at first use rather than at load keeps the copy's
// page faults (~0.3 s for ResNet-50's ~50 MB) out of loading a model.
type Weights struct {
	m, k, lda int
	a         []float32
	once      sync.Once
	p         []float32
}

// Epilogue is what Mul does to each value v of A·B as it stores it:
// v = (v + Bias[i]) + Skip[i·ldc + j], then max(0, v) when Relu — the
// additions in the order of a Conv, Add and Relu run as separate steps.
// Max is MAXPS(0, v): a NaN stays NaN.
type Epilogue struct {
	Bias []float32 // nil or one value per row of C
	Skip []float32 // nil or a matrix laid out like C
	Relu bool
}

// Available reports whether this build and CPU run the packed product
// (amd64 with AVX2 and FMA, cgo). NewWeights returns nil when it is not.
func Available() bool { return available }

// NewWeights takes the m×k matrix a (row stride lda) as Mul's A, or
// returns nil when the packed product is not available or the matrix is
// empty. The first Mul reads a: it must not change before.
func NewWeights(a []float32, m, k, lda int) *Weights {
	if !available || m < 1 || k < 1 {
		return nil
	}
	if lda < k || len(a) < (m-1)*lda+k {
		panic(fmt.Sprintf("kern.NewWeights: %d values for %d×%d with row stride %d", len(a), m, k, lda))
	}
	return &Weights{m: m, k: k, lda: lda, a: a}
}

// parallelFlops is the size below which a product runs on one goroutine.
const parallelFlops = 1 << 22

// Mul sets C = epilogue(A·B) for B k×n (row stride ldb) and C m×n (row
// stride ldc).
func (a *Weights) Mul(b []float32, ldb, n int, c []float32, ldc int, e Epilogue) {
	if n < 1 {
		return
	}
	a.check(len(b), ldb, n, len(c), ldc, e)
	ap := a.packed()
	parts, bk := a.parts(n)
	s := scratch.Get().(*[]float32)
	mul(a.m, a.k, ap, b, ldb, n, c, ldc, e, parts, *s, bk)
	scratch.Put(s)
	putShared(bk)
}

// MulSerial is Mul on the calling thread alone, for callers that run
// several products at once (Winograd's tile positions, one per thread).
func (a *Weights) MulSerial(b []float32, ldb, n int, c []float32, ldc int, e Epilogue) {
	if n < 1 {
		return
	}
	a.check(len(b), ldb, n, len(c), ldc, e)
	s := scratch.Get().(*[]float32)
	mul(a.m, a.k, a.packed(), b, ldb, n, c, ldc, e, 1, *s, nil)
	scratch.Put(s)
}

// Pack packs A now, rather than on the first product: after it the
// caller may change or drop the matrix NewWeights was given.
func (a *Weights) Pack() { a.packed() }

// Image is a convolution's input [C][H][W] and geometry. Its im2col
// matrix has a row for each (channel, ky, kx) and a column for each
// output position (oy, ox), holding
//
//	X[ch][oy·SH − PadTop + ky·DH][ox·SW − PadLeft + kx·DW]
//
// (zero outside the image).
type Image struct {
	X                               []float32
	C, H, W, KH, KW, SH, SW, DH, DW int
	PadTop, PadLeft, HO, WO         int
}

// MulImage is Mul with B the im2col matrix of x, read from the image as
// B is packed: no im2col copy is made.
func (a *Weights) MulImage(x Image, c []float32, ldc int, e Epilogue) {
	n := x.HO * x.WO
	if n < 1 {
		return
	}
	if a.k != x.C*x.KH*x.KW || len(x.X) < x.C*x.H*x.W {
		panic(fmt.Sprintf("kern.MulImage: %d values for a %d×%d×%d image with %d×%d taps, weights of depth %d",
			len(x.X), x.C, x.H, x.W, x.KH, x.KW, a.k))
	}
	a.check(a.k*n, n, n, len(c), ldc, e) // B itself is never read
	geom := []int{x.C, x.H, x.W, x.KH, x.KW, x.SH, x.SW, x.DH, x.DW, x.PadTop, x.PadLeft, x.HO, x.WO}
	ap := a.packed()
	parts, bk := a.parts(n)
	s := scratch.Get().(*[]float32)
	mulImage(a.m, a.k, ap, x.X, geom, c, ldc, e, parts, *s, bk)
	scratch.Put(s)
	putShared(bk)
}

// packed returns A in panels, packing it on first use.
func (a *Weights) packed() []float32 {
	a.once.Do(func() {
		a.p = aligned((a.m + mr - 1) / mr * mr * a.k)
		packA(a.a, a.m, a.k, a.lda, a.p)
		a.a = nil // packed: not read again
	})
	return a.p
}

// parts is how many threads a product with n columns is split over —
// one below parallelFlops, else blas.Workers() — and, when they split it
// by A's rows, room for all of B packed once and shared (nil when they
// split by columns, each packing its own). Splitting by rows, each chunk
// packing B for itself, ran ResNet-50's 196-column products at half the
// speed. The threads are the caller's and those of kern's own pool
// (pool_amd64.c), started on the first product that wants them with one
// thread fewer than Workers().
func (a *Weights) parts(n int) (int, []float32) {
	parts := min(blas.Workers(), 2*a.m*n*a.k/parallelFlops)
	if parts <= 1 {
		return 1, nil
	}
	poolOnce.Do(func() { startPool(blas.Workers() - 1) })
	if n >= 8*nr*parts {
		return parts, nil
	}
	return parts, getShared(a.k * ((n + nr - 1) / nr * nr))
}

var poolOnce sync.Once

// shared holds buffers for B packed whole, reused across products.
var shared sync.Pool

func getShared(size int) []float32 {
	if s, ok := shared.Get().(*[]float32); ok && cap(*s) >= size {
		return (*s)[:size]
	}
	return aligned(size)
}

func putShared(s []float32) {
	if s != nil {
		shared.Put(&s)
	}
}

func (a *Weights) check(lb, ldb, n, lc, ldc int, e Epilogue) {
	switch {
	case ldb < n || lb < (a.k-1)*ldb+n:
		panic(fmt.Sprintf("kern.Mul: B has %d values for %d×%d with row stride %d", lb, a.k, n, ldb))
	case ldc < n || lc < (a.m-1)*ldc+n:
		panic(fmt.Sprintf("kern.Mul: C has %d values for %d×%d with row stride %d", lc, a.m, n, ldc))
	case e.Bias != nil && len(e.Bias) < a.m:
		panic(fmt.Sprintf("kern.Mul: %d bias values for %d rows", len(e.Bias), a.m))
	case e.Skip != nil && len(e.Skip) < (a.m-1)*ldc+n:
		panic(fmt.Sprintf("kern.Mul: the added matrix has %d values, C needs %d", len(e.Skip), (a.m-1)*ldc+n))
	}
}

// scratch holds the calling threads' buffers B's blocks are packed into
// (the pool's workers have their own).
var scratch = sync.Pool{New: func() any {
	s := aligned(kc * nc)
	return &s
}}

// aligned returns n zeroed floats starting on a 64-byte boundary, so no
// packed panel straddles more cache lines than it must.
func aligned(n int) []float32 {
	s := make([]float32, n+16)
	off := 0
	for uintptrOf(s[off:])%64 != 0 {
		off++
	}
	return s[off : off+n : off+n]
}
