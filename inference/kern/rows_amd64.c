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

void kern_rows_bt(long m, long k, float alpha, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc, long j0, long j1) {
	float d[KERN_ROWS];
	for (long j = j0; j < j1; j++) {
		dots(m, k, a, lda, b + j * ldb, d);
		for (long i = 0; i < m; i++) {
			float *o = c + i * ldc + j;
			*o = beta == 0.0f ? alpha * d[i] : alpha * d[i] + beta * *o;
		}
	}
}
