//go:build !purego && amd64

// A product of a few rows by a wide matrix read along its rows,
// C = α·A·Bᵀ + β·C with A m×k (m ≤ KERN_ROWS), B n×k: a fully connected
// layer's batch times its weights. Each row of B is read once and meets
// every row of A, which stays in cache; nothing is packed. OpenBLAS packs
// B on every call, which for VGG16's fc6 (n·k = 103 M) copies 411 MB a
// batch to use each value m times.

#include <immintrin.h>

#include "rows.h"

// hsum is the sum of v's eight lanes, pairwise.
__attribute__((target("avx2,fma"))) static inline float hsum(__m256 v) {
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

// dots sets out[i] = Σ_k A[i][k]·b[k] for i < m, two accumulators a row
// so that even m = 1 is not held to one FMA per latency.
__attribute__((target("avx2,fma"))) static void dots(long m, long k, const float *a, long lda, const float *b, float *out) {
	__m256 lo[KERN_ROWS], hi[KERN_ROWS];
	for (long i = 0; i < KERN_ROWS; i++) lo[i] = hi[i] = _mm256_setzero_ps();
	long kk = 0;
	for (; kk + 16 <= k; kk += 16) {
		__m256 b0 = _mm256_loadu_ps(b + kk), b1 = _mm256_loadu_ps(b + kk + 8);
#pragma GCC unroll 8
		for (long i = 0; i < KERN_ROWS; i++) {
			if (i < m) {
				lo[i] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i * lda + kk), b0, lo[i]);
				hi[i] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i * lda + kk + 8), b1, hi[i]);
			}
		}
	}
	for (long i = 0; i < m; i++) {
		float s = hsum(_mm256_add_ps(lo[i], hi[i]));
		for (long t = kk; t < k; t++) s += a[i * lda + t] * b[t];
		out[i] = s;
	}
}

// dots512 is dots for JB rows of B at once, b's rows ldb apart, with
// 16-lane accumulators: out[j·KERN_ROWS + i] = Σ_k A[i][k]·B[j][k]. Each
// value of A read from cache meets JB rows of B, and JB streams of B
// come from memory side by side: fc6 at a batch of 4 read B at 15 GB/s
// with dots, a row at a time, where two threads can read 25 GB/s.
// JB·m ≤ 16 accumulators (a constant after inlining).
__attribute__((target("avx512f"), always_inline)) static inline void dots512(long m, long k, const float *a, long lda, const float *b, long ldb, float *out, const int jb) {
	__m512 acc[KERN_ROWS][8];
	for (int i = 0; i < KERN_ROWS; i++)
		for (int j = 0; j < 8; j++) acc[i][j] = _mm512_setzero_ps();
	for (long kk = 0; kk < k; kk += 16) {
		__mmask16 mk = k - kk >= 16 ? 0xFFFF : (__mmask16)((1u << (k - kk)) - 1);
		__m512 bv[8];
#pragma GCC unroll 8
		for (int j = 0; j < jb; j++) bv[j] = _mm512_maskz_loadu_ps(mk, b + j * ldb + kk);
#pragma GCC unroll 8
		for (int i = 0; i < KERN_ROWS; i++) {
			if (i < m) {
				__m512 av = _mm512_maskz_loadu_ps(mk, a + i * lda + kk);
#pragma GCC unroll 8
				for (int j = 0; j < jb; j++) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
			}
		}
	}
	for (int j = 0; j < jb; j++)
		for (long i = 0; i < m; i++) out[j * KERN_ROWS + i] = _mm512_reduce_add_ps(acc[i][j]);
}

// rows512 is kern_rows_bt's loop with dots512, jb rows of B a step (the
// last few one at a time).
__attribute__((target("avx512f"), always_inline)) static inline long rows512(long m, long k, const float *a, long lda, const float *b, long ldb, float *d, long j, long j1, const int jb) {
	for (; j + jb <= j1; j += jb) {
		dots512(m, k, a, lda, b + j * ldb, ldb, d + j * KERN_ROWS, jb);
	}
	return j;
}

__attribute__((target("avx512f"))) static long rows_wide(long m, long k, const float *a, long lda, const float *b, long ldb, float *d, long j0, long j1) {
	long j = j0;
	if (m <= 2) {
		j = rows512(m, k, a, lda, b, ldb, d, j, j1, 8);
	} else if (m <= 4) {
		j = rows512(m, k, a, lda, b, ldb, d, j, j1, 4);
	} else {
		j = rows512(m, k, a, lda, b, ldb, d, j, j1, 2);
	}
	for (; j < j1; j++) dots512(m, k, a, lda, b + j * ldb, ldb, d + j * KERN_ROWS, 1);
	return j;
}

void kern_rows_bt(long m, long k, float alpha, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc, long j0, long j1, int wide) {
	enum { STEP = 64 }; // columns of C per store pass
	float d[STEP * KERN_ROWS];
	for (long js = j0; js < j1; js += STEP) {
		long je = js + STEP < j1 ? js + STEP : j1;
		if (wide) {
			rows_wide(m, k, a, lda, b + js * ldb, ldb, d, 0, je - js);
		} else {
			for (long j = js; j < je; j++) dots(m, k, a, lda, b + j * ldb, d + (j - js) * KERN_ROWS);
		}
		for (long j = js; j < je; j++) {
			for (long i = 0; i < m; i++) {
				float *o = c + i * ldc + j, v = d[(j - js) * KERN_ROWS + i];
				*o = beta == 0.0f ? alpha * v : alpha * v + beta * *o;
			}
		}
	}
}
