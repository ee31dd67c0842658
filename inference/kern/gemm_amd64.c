//go:build !purego && amd64

// A packed single-precision product C = A·B for row-major matrices with
// the convolution's epilogue in its last store, for AVX2 + FMA and, where
// the CPU has it, AVX-512F. A is packed once (a layer's weights, on first
// use) in panels of MR rows; B is packed per block of KC rows and NC
// columns in panels of NR columns. The micro-kernel keeps an MR×NR tile of
// C in twelve registers, or with AVX-512 an MR×2NR tile over two panels
// of B, and a 2MR×2NR tile over two panels of A where there are two.
//
// Blocking (Zen 3: 32 KB L1d, 512 KB L2): one B panel, KC·NR floats
// (16 KB), stays in L1 while the MCP row panels of A (MCP·MR·KC floats,
// 96 KB) stream from L2; the B block (KC·NC, 256 KB) stays in L2.

#include <immintrin.h>
#include <stddef.h>

#include "gemm.h"

static long lmin(long a, long b) { return a < b ? a : b; }
static long lmax(long a, long b) { return a > b ? a : b; }

void kern_pack_a(const float *a, long m, long k, long lda, float *out) {
	for (long p = 0; p * KERN_MR < m; p++) {
		float *dst = out + p * k * KERN_MR;
		for (long kk = 0; kk < k; kk++) {
			for (long i = 0; i < KERN_MR; i++) {
				long r = p * KERN_MR + i;
				dst[kk * KERN_MR + i] = r < m ? a[r * lda + kk] : 0.0f;
			}
		}
	}
}

// pack_b lays the kc×nc block of B at row pc and column jc out as
// panels of NR columns, [q][kc][NR], the last panel padded with zeros.
// Its copies are 16 values each: inline, not memcpy and memset calls. It
// prefetches four rows ahead: each row's piece is in another page, where
// the hardware's prefetcher starts afresh, and a B from memory (VGG16's
// conv3 as im2col, 29 MB) was packed at a third of the product's time
// (BenchmarkMulSerial 256×3136×2304: 97 → 125 GF/s; B in cache gains
// nothing).
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static void pack_b(const kern_args *g, long pc, long kc, long jc, long nc, float *out) {
	for (long kk = 0; kk < kc; kk++) {
		const float *src = g->b + (pc + kk) * g->ldb + jc;
		if (kk + 4 < kc) {
			const float *next = src + 4 * g->ldb;
			for (long j = 0; j < nc; j += KERN_NR) __builtin_prefetch(next + j);
		}
		for (long j = 0, q = 0; j < nc; j += KERN_NR, q++) {
			float *dst = out + (q * kc + kk) * KERN_NR;
			long w = lmin(KERN_NR, nc - j);
			if (w == KERN_NR) {
				for (long i = 0; i < KERN_NR; i++) dst[i] = src[j + i];
				continue;
			}
			for (long i = 0; i < w; i++) dst[i] = src[j + i];
			for (long i = w; i < KERN_NR; i++) dst[i] = 0.0f;
		}
	}
}

// pack_image is pack_b for the im2col matrix of a convolution's input,
// read from the image itself: row (ch, ky, kx), column (oy, ox) holds
// x[ch][oy·sh − pt + ky·dh][ox·sw − pl + kx·dw], zero outside the image.
// Its loops run a few to a hundred values each (7 on a 7×7 plane): GCC
// must not turn the zero fills into memset calls, which made the 512@7
// 3×3 product 1.3× slower.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static void pack_image(const kern_image *im, long pc, long kc, long jc, long nc, float *out) {
	long taps = im->kh * im->kw;
	for (long kk = 0; kk < kc; kk++) {
		long r = pc + kk, ch = r / taps, t = r % taps, ky = t / im->kw, kx = t % im->kw;
		const float *plane = im->x + ch * im->h * im->w;
		long xoff = kx * im->dw - im->pl;
		// Column j of the block goes to panel j/NR, lane j%NR of row kk.
		float *dst = out + kk * KERN_NR;
		unsigned long lane = 0;
		for (long j = 0; j < nc;) {
			long oy = (jc + j) / im->wo, ox0 = (jc + j) % im->wo;
			long run = lmin(im->wo - ox0, nc - j);
			long iy = oy * im->sh - im->pt + ky * im->dh;
			const float *row = iy >= 0 && iy < im->h ? plane + iy * im->w : NULL;
			// Columns [lo, hi) of the run read inside the row; the rest are
			// padding.
			long first = ox0 * im->sw + xoff, lo = 0, hi = 0; // first: ix of the run's first column
			if (row) {
				lo = first >= 0 ? 0 : lmin(run, (-first + im->sw - 1) / im->sw);
				hi = first >= im->w ? 0 : lmin(run, (im->w - first + im->sw - 1) / im->sw);
				if (hi < lo) hi = lo;
			}
			for (long i = 0; i < run;) {
				// Up to the end of this panel's row of lanes: padding, the
				// values inside the row (stride sw), padding.
				long end = lmin(run, i + KERN_NR - (long)lane);
				float *d = dst + lane; // d[t − i] holds the run's column t
				long a = lmin(end, lmax(i, lo)), b = lmin(end, lmax(a, hi));
				for (long t = i; t < a; t++) d[t - i] = 0.0f;
				for (long t = a; t < b; t++) d[t - i] = row[first + t * im->sw];
				for (long t = b; t < end; t++) d[t - i] = 0.0f;
				lane += end - i;
				i = end;
				if (lane == KERN_NR) {
					lane = 0;
					dst += kc * KERN_NR;
				}
			}
			j += run;
		}
		for (; lane && lane < KERN_NR; lane++) dst[lane] = 0.0f;
	}
}

// finish is the epilogue of one value, the vector code's operations in
// its order: C + acc when C holds an earlier block's sum, then on the last
// block + bias, + skip, and max(0, ·) as MAXPS(0, v) (NaN stays NaN).
static inline float finish(float acc, const float *c, int first, int last, float bias, const float *skip, int relu) {
	float v = first ? acc : *c + acc;
	if (!last) return v;
	v = v + bias;
	if (skip) v = v + *skip;
	if (relu) v = 0.0f > v ? 0.0f : v;
	return v;
}

typedef struct {
	float *c;
	long ldc;
	int first, last, relu;
	const float *bias, *skip; // bias at the tile's first row, skip at its first value (row stride ldc)
} tile;

#define ROW(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
#define FMA(i)                                      \
	{                                               \
		__m256 ai = _mm256_broadcast_ss(a + i);     \
		c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0); \
		c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1); \
	}

__attribute__((target("avx2,fma"))) static inline void store_row(const tile *t, long i, __m256 v0, __m256 v1) {
	float *c = t->c + i * t->ldc;
	if (!t->first) {
		v0 = _mm256_add_ps(_mm256_loadu_ps(c), v0);
		v1 = _mm256_add_ps(_mm256_loadu_ps(c + 8), v1);
	}
	if (t->last) {
		__m256 b = _mm256_set1_ps(t->bias ? t->bias[i] : 0.0f);
		v0 = _mm256_add_ps(v0, b);
		v1 = _mm256_add_ps(v1, b);
		if (t->skip) {
			const float *s = t->skip + i * t->ldc;
			v0 = _mm256_add_ps(v0, _mm256_loadu_ps(s));
			v1 = _mm256_add_ps(v1, _mm256_loadu_ps(s + 8));
		}
		if (t->relu) {
			v0 = _mm256_max_ps(_mm256_setzero_ps(), v0);
			v1 = _mm256_max_ps(_mm256_setzero_ps(), v1);
		}
	}
	_mm256_storeu_ps(c, v0);
	_mm256_storeu_ps(c + 8, v1);
}

// spill stores the tile's top-left mr×nr values from acc (rows KERN_NR
// apart) through t, one value at a time.
static void spill(const float *acc, const tile *t, long mr, long nr) {
	for (long i = 0; i < mr; i++) {
		float bias = t->bias ? t->bias[i] : 0.0f;
		for (long j = 0; j < nr; j++) {
			float *c = t->c + i * t->ldc + j;
			*c = finish(acc[i * KERN_NR + j], c, t->first, t->last, bias, t->skip ? t->skip + i * t->ldc + j : NULL, t->relu);
		}
	}
}

// micro_half is micro for a panel of B with at most 8 live columns (the
// last of a 49-column product has one): it computes the left half of the
// tile only, the same lanes with the same operations.
__attribute__((target("avx2,fma"))) static void micro_half(long kc, const float *a, const float *b, const tile *t, long mr, long nr) {
	__m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(),
	       c3 = _mm256_setzero_ps(), c4 = _mm256_setzero_ps(), c5 = _mm256_setzero_ps();
	for (long kk = 0; kk < kc; kk++) {
		__m256 b0 = _mm256_loadu_ps(b);
		c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 0), b0, c0);
		c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 1), b0, c1);
		c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 2), b0, c2);
		c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 3), b0, c3);
		c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 4), b0, c4);
		c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 5), b0, c5);
		a += KERN_MR;
		b += KERN_NR;
	}
	float acc[KERN_MR * KERN_NR];
	_mm256_storeu_ps(acc + 0 * KERN_NR, c0);
	_mm256_storeu_ps(acc + 1 * KERN_NR, c1);
	_mm256_storeu_ps(acc + 2 * KERN_NR, c2);
	_mm256_storeu_ps(acc + 3 * KERN_NR, c3);
	_mm256_storeu_ps(acc + 4 * KERN_NR, c4);
	_mm256_storeu_ps(acc + 5 * KERN_NR, c5);
	spill(acc, t, mr, nr);
}

// micro multiplies an MR×kc panel of A by a kc×NR panel of B and stores
// the tile's top-left mr×nr values through t.
__attribute__((target("avx2,fma"))) static void micro(long kc, const float *a, const float *b, const tile *t, long mr, long nr) {
	ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5)
	for (long kk = 0; kk < kc; kk++) {
		__m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
		FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5)
		a += KERN_MR;
		b += KERN_NR;
	}
	if (mr == KERN_MR && nr == KERN_NR) {
		store_row(t, 0, c00, c01);
		store_row(t, 1, c10, c11);
		store_row(t, 2, c20, c21);
		store_row(t, 3, c30, c31);
		store_row(t, 4, c40, c41);
		store_row(t, 5, c50, c51);
		return;
	}
	float acc[KERN_MR * KERN_NR];
#define SPILL(i)                                                    \
	_mm256_storeu_ps(acc + i * KERN_NR, c##i##0);                   \
	_mm256_storeu_ps(acc + i * KERN_NR + 8, c##i##1);
	SPILL(0) SPILL(1) SPILL(2) SPILL(3) SPILL(4) SPILL(5)
	spill(acc, t, mr, nr);
}

// ROW512(p, i) declares row i's accumulators p{i}0 and p{i}1; FMA512(p,
// src, i) adds src[i] times B's two vectors to them.
#define ROW512(p, i) __m512 p##i##0 = _mm512_setzero_ps(), p##i##1 = _mm512_setzero_ps();
#define FMA512(p, src, i)                           \
	{                                               \
		__m512 ai = _mm512_set1_ps(src[i]);         \
		p##i##0 = _mm512_fmadd_ps(ai, b0, p##i##0); \
		p##i##1 = _mm512_fmadd_ps(ai, b1, p##i##1); \
	}

// store_row512 is store_row for a row of micro512's tile, its 32 values
// in v0 and v1, the lanes of each that hold C's columns in m0 and m1: the
// others are neither read nor written (a masked load does not fault).
__attribute__((target("avx512f"))) static inline void store_row512(const tile *t, long i, __m512 v0, __m512 v1, __mmask16 m0, __mmask16 m1) {
	float *c = t->c + i * t->ldc;
	if (!t->first) {
		v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, c), v0);
		v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, c + 16), v1);
	}
	if (t->last) {
		__m512 b = _mm512_set1_ps(t->bias ? t->bias[i] : 0.0f);
		v0 = _mm512_add_ps(v0, b);
		v1 = _mm512_add_ps(v1, b);
		if (t->skip) {
			const float *s = t->skip + i * t->ldc;
			v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, s));
			v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, s + 16));
		}
		if (t->relu) {
			v0 = _mm512_max_ps(_mm512_setzero_ps(), v0);
			v1 = _mm512_max_ps(_mm512_setzero_ps(), v1);
		}
	}
	_mm512_mask_storeu_ps(c, m0, v0);
	_mm512_mask_storeu_ps(c + 16, m1, v1);
}

// lanes is the mask of the first n of 16 lanes (n clamped to [0, 16]).
static inline unsigned lanes(long n) { return n >= 16 ? 0xFFFFu : n <= 0 ? 0u : (1u << n) - 1; }

// micro512 is micro for two adjacent panels of B, b and b2, as one
// kc×2NR panel: the same twelve accumulators, 16 lanes wide instead of 8,
// so each broadcast value of A meets twice as many of B's. Each value of
// C gets micro's operations in micro's order. It prefetches A's panel 16
// steps (384 bytes) ahead: on ResNet-50, where many panels of A meet only
// two or seven of B's pairs (49 and 196 columns) and so stream from L3,
// the forward went from 0.051–0.055 s to 0.047–0.052 s in seven
// interleaved pairs; the products of BenchmarkMul did not move. It also
// brings the next call's panel of A, an, into L2 step by step: a layer's
// weights come from memory once a forward, and that cold first pass over
// each panel held the tile back (ResNet-50 forward, eleven interleaved
// pairs: median 0.049 → 0.046 s; VGG16 unchanged).
__attribute__((target("avx512f"))) static void micro512(long kc, const float *a, const float *b, const float *b2, const tile *t, long mr, long nr, const float *an) {
	ROW512(c, 0) ROW512(c, 1) ROW512(c, 2) ROW512(c, 3) ROW512(c, 4) ROW512(c, 5)
	for (long kk = 0; kk < kc; kk++) {
		__m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b2);
		_mm_prefetch((const char *)(a + 16 * KERN_MR), _MM_HINT_T0);
		_mm_prefetch((const char *)an, _MM_HINT_T1);
		an += KERN_MR;
		FMA512(c, a, 0) FMA512(c, a, 1) FMA512(c, a, 2) FMA512(c, a, 3) FMA512(c, a, 4) FMA512(c, a, 5)
		a += KERN_MR;
		b += KERN_NR;
		b2 += KERN_NR;
	}
	// Rows past mr and lanes past nr are left alone: the edges of C take
	// the vector path too, not spill's one value at a time.
	__mmask16 m0 = lanes(nr), m1 = lanes(nr - 16);
	store_row512(t, 0, c00, c01, m0, m1);
	if (mr > 1) store_row512(t, 1, c10, c11, m0, m1);
	if (mr > 2) store_row512(t, 2, c20, c21, m0, m1);
	if (mr > 3) store_row512(t, 3, c30, c31, m0, m1);
	if (mr > 4) store_row512(t, 4, c40, c41, m0, m1);
	if (mr > 5) store_row512(t, 5, c50, c51, m0, m1);
}

// micro512x2 is micro512 for two panels of A at once, a (full: MR rows,
// through t) and a2 (mr2 rows, through t2): a 12×32 tile in 24
// accumulators. Each row of B's pair, loaded once, meets twelve values of
// A instead of six. micro512 issues two loads of B, six broadcasts and
// two prefetches for twelve FMAs, which leaves the two load ports as busy
// as the two FMA ports; here it is two loads of B and twelve broadcasts
// for 24 FMAs. Each value of C gets micro512's operations in its order,
// so the result is the same bit for bit. Measured (2-core Xeon, AVX-512,
// 213 GF/s of FMAs a core): on panels in L1, 162 → 178 GF/s; a thread's
// 256×3136×2304 product (BenchmarkMulSerial) 117–121 → 119–130 GF/s; the
// summed steps of VGG16 at batch 4, eight interleaved pairs, median
// 332 → 311 ms; ResNet-50 at one image 55.1 → 53.8 ms.
__attribute__((target("avx512f"))) static void micro512x2(long kc, const float *a, const float *a2, const float *b, const float *b2, const tile *t, const tile *t2, long mr2, long nr, const float *an) {
	ROW512(c, 0) ROW512(c, 1) ROW512(c, 2) ROW512(c, 3) ROW512(c, 4) ROW512(c, 5)
	ROW512(d, 0) ROW512(d, 1) ROW512(d, 2) ROW512(d, 3) ROW512(d, 4) ROW512(d, 5)
	for (long kk = 0; kk < kc; kk++) {
		__m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b2);
		_mm_prefetch((const char *)(a + 16 * KERN_MR), _MM_HINT_T0);
		_mm_prefetch((const char *)(a2 + 16 * KERN_MR), _MM_HINT_T0);
		_mm_prefetch((const char *)an, _MM_HINT_T1);
		an += KERN_MR;
		FMA512(c, a, 0) FMA512(c, a, 1) FMA512(c, a, 2) FMA512(c, a, 3) FMA512(c, a, 4) FMA512(c, a, 5)
		FMA512(d, a2, 0) FMA512(d, a2, 1) FMA512(d, a2, 2) FMA512(d, a2, 3) FMA512(d, a2, 4) FMA512(d, a2, 5)
		a += KERN_MR;
		a2 += KERN_MR;
		b += KERN_NR;
		b2 += KERN_NR;
	}
	__mmask16 m0 = lanes(nr), m1 = lanes(nr - 16);
	store_row512(t, 0, c00, c01, m0, m1);
	store_row512(t, 1, c10, c11, m0, m1);
	store_row512(t, 2, c20, c21, m0, m1);
	store_row512(t, 3, c30, c31, m0, m1);
	store_row512(t, 4, c40, c41, m0, m1);
	store_row512(t, 5, c50, c51, m0, m1);
	store_row512(t2, 0, d00, d01, m0, m1);
	if (mr2 > 1) store_row512(t2, 1, d10, d11, m0, m1);
	if (mr2 > 2) store_row512(t2, 2, d20, d21, m0, m1);
	if (mr2 > 3) store_row512(t2, 3, d30, d31, m0, m1);
	if (mr2 > 4) store_row512(t2, 4, d40, d41, m0, m1);
	if (mr2 > 5) store_row512(t2, 5, d50, d51, m0, m1);
}

void kern_pack_b(const kern_args *g, long pc, long kc, long jc, long nc, float *out) {
	if (g->im.x) {
		pack_image(&g->im, pc, kc, jc, nc, out);
	} else {
		pack_b(g, pc, kc, jc, nc, out);
	}
}

// tile_at is the tile of C at row and col for the depth block [pc, pc+kc).
static tile tile_at(const kern_args *g, long row, long col, long pc, long kc) {
	tile t = {g->c + row * g->ldc + col, g->ldc, pc == 0, pc + kc == g->k, g->relu,
		g->bias ? g->bias + row : NULL, g->skip ? g->skip + row * g->ldc + col : NULL};
	return t;
}

// block multiplies A's panels [p0, p1) by the kc×nc block of B at row pc
// and column jc, packed in bp, into C: B's panels two at a time through
// micro512 when g->wide, else (and for a last odd panel) one at a time.
__attribute__((target("avx2,fma"))) static void block(const kern_args *g, long p0, long p1, long pc, long kc, long jc, long nc, const float *bp) {
	for (long ic = p0; ic < p1; ic += KERN_MCP) {
		long ie = lmin(ic + KERN_MCP, p1);
		for (long q = 0; q * KERN_NR < nc;) {
			long rest = nc - q * KERN_NR, col = jc + q * KERN_NR;
			int pair = g->wide && rest > KERN_NR;
			long nr = lmin(pair ? 2 * KERN_NR : KERN_NR, rest);
			const float *bq = bp + q * kc * KERN_NR;
			for (long p = ic; p < ie; p++) {
				long row = p * KERN_MR;
				tile t = tile_at(g, row, col, pc, kc);
				const float *ap = g->a + p * g->k * KERN_MR + pc * KERN_MR;
				long mr = lmin(KERN_MR, g->m - row);
				if (pair && p + 1 < ie) {
					// Panel p is full: only the last panel of A is short.
					long row2 = row + KERN_MR;
					tile t2 = tile_at(g, row2, col, pc, kc);
					const float *an = p + 2 < ie ? ap + 2 * g->k * KERN_MR : ap;
					micro512x2(kc, ap, ap + g->k * KERN_MR, bq, bq + kc * KERN_NR, &t, &t2, lmin(KERN_MR, g->m - row2), nr, an);
					p++;
				} else if (pair) {
					// The next panel of A in this block, or (last) this one again.
					const float *an = p + 1 < ie ? ap + g->k * KERN_MR : ap;
					micro512(kc, ap, bq, bq + kc * KERN_NR, &t, mr, nr, an);
				} else {
					(nr <= 8 ? micro_half : micro)(kc, ap, bq, &t, mr, nr);
				}
			}
			q += pair ? 2 : 1;
		}
	}
}

void kern_run(const kern_args *g, long p0, long p1, long j0, long j1, float *bp) {
	for (long jc = j0; jc < j1; jc += KERN_NC) {
		long nc = lmin(KERN_NC, j1 - jc);
		for (long pc = 0; pc < g->k; pc += KERN_KC) {
			long kc = lmin(KERN_KC, g->k - pc);
			kern_pack_b(g, pc, kc, jc, nc, bp);
			block(g, p0, p1, pc, kc, jc, nc, bp);
		}
	}
}

void kern_run_packed(const kern_args *g, long p0, long p1, const float *bk) {
	long npad = (g->n + KERN_NR - 1) / KERN_NR * KERN_NR;
	for (long pc = 0; pc < g->k; pc += KERN_KC) {
		block(g, p0, p1, pc, lmin(KERN_KC, g->k - pc), 0, g->n, bk + pc * npad);
	}
}

void kern_gemm(long m, long n, long k, const float *a, const float *b, long ldb, float *c, long ldc,
		const float *bias, const float *skip, int relu, int wide, long parts, float *bp, float *bk) {
	kern_args g = {m, n, k, a, b, ldb, c, ldc, bias, skip, relu, wide};
	kern_parallel(&g, parts, bp, bk);
}

void kern_gemm_image(long m, long k, const float *a, const float *x, const long *geom, float *c, long ldc,
		const float *bias, const float *skip, int relu, int wide, long parts, float *bp, float *bk) {
	kern_image im = {x, geom[0], geom[1], geom[2], geom[3], geom[4], geom[5], geom[6], geom[7], geom[8], geom[9], geom[10], geom[11], geom[12]};
	kern_args g = {m, im.ho * im.wo, k, a, NULL, 0, c, ldc, bias, skip, relu, wide, im};
	kern_parallel(&g, parts, bp, bk);
}
