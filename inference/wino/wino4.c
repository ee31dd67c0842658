//go:build !purego && cgo && amd64

// Native F(4×4, 3×3) transforms (wino4.go): the same operations in the
// same order as input4Go and output4Go, on blocks of eight tiles (AVX,
// when the CPU has it) or four (SSE), so the results are bit-identical.
// Tiles left over past the last whole block go through a four-tile block
// on a scratch copy.
// No fused multiply-adds: the Go versions round every product.
#pragma GCC optimize("fp-contract=off")
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>
#include "wino.h"

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)

// SSE, four tiles.
#define VT __m128
#define W 4
#define SFX sse
#define LD _mm_loadu_ps
#define ST _mm_storeu_ps
#define ADD _mm_add_ps
#define SUB _mm_sub_ps
#define MUL _mm_mul_ps
#define SET1 _mm_set1_ps
// q[k] lane j = p[4j + k].
#define DEINT6(p, q) do { \
	__m128 r0_ = _mm_loadu_ps(p), r1_ = _mm_loadu_ps((p) + 4), r2_ = _mm_loadu_ps((p) + 8); \
	__m128 r3_ = _mm_loadu_ps((p) + 12), r4_ = _mm_loadu_ps((p) + 16); \
	__m128 l4_ = _mm_unpacklo_ps(r1_, r2_), h4_ = _mm_unpacklo_ps(r3_, r4_); \
	q[4] = _mm_movelh_ps(l4_, h4_); \
	q[5] = _mm_movehl_ps(h4_, l4_); \
	_MM_TRANSPOSE4_PS(r0_, r1_, r2_, r3_); \
	q[0] = r0_, q[1] = r1_, q[2] = r2_, q[3] = r3_; \
} while (0)
// p[4j + c] = y[c] lane j.
#define STORE4(p, y) do { \
	__m128 y0_ = y[0], y1_ = y[1], y2_ = y[2], y3_ = y[3]; \
	_MM_TRANSPOSE4_PS(y0_, y1_, y2_, y3_); \
	_mm_storeu_ps(p, y0_), _mm_storeu_ps((p) + 4, y1_); \
	_mm_storeu_ps((p) + 8, y2_), _mm_storeu_ps((p) + 12, y3_); \
} while (0)
#include "wino4_body.h"
#undef VT
#undef W
#undef SFX
#undef LD
#undef ST
#undef ADD
#undef SUB
#undef MUL
#undef SET1
#undef DEINT6
#undef STORE4

// AVX, eight tiles: lanes [0,4) in the low half, [4,8) in the high half.
#pragma GCC push_options
#pragma GCC target("avx")
#define VT __m256
#define W 8
#define SFX avx
#define LD _mm256_loadu_ps
#define ST _mm256_storeu_ps
#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps
#define MUL _mm256_mul_ps
#define SET1 _mm256_set1_ps
#define DEINT6(p, q) do { \
	__m256 l0_ = _mm256_loadu_ps(p), l1_ = _mm256_loadu_ps((p) + 8), l2_ = _mm256_loadu_ps((p) + 16); \
	__m256 l3_ = _mm256_loadu_ps((p) + 24), l4_ = _mm256_loadu_ps((p) + 32); \
	__m256 r0_ = _mm256_permute2f128_ps(l0_, l2_, 0x20), r1_ = _mm256_permute2f128_ps(l0_, l2_, 0x31); \
	__m256 r2_ = _mm256_permute2f128_ps(l1_, l3_, 0x20), r3_ = _mm256_permute2f128_ps(l1_, l3_, 0x31); \
	__m256 r4_ = _mm256_permute2f128_ps(l2_, l4_, 0x20); \
	__m256 t0_ = _mm256_unpacklo_ps(r0_, r1_), t1_ = _mm256_unpackhi_ps(r0_, r1_); \
	__m256 t2_ = _mm256_unpacklo_ps(r2_, r3_), t3_ = _mm256_unpackhi_ps(r2_, r3_); \
	q[0] = _mm256_shuffle_ps(t0_, t2_, _MM_SHUFFLE(1, 0, 1, 0)); \
	q[1] = _mm256_shuffle_ps(t0_, t2_, _MM_SHUFFLE(3, 2, 3, 2)); \
	q[2] = _mm256_shuffle_ps(t1_, t3_, _MM_SHUFFLE(1, 0, 1, 0)); \
	q[3] = _mm256_shuffle_ps(t1_, t3_, _MM_SHUFFLE(3, 2, 3, 2)); \
	__m256 u0_ = _mm256_unpacklo_ps(r1_, r2_), u1_ = _mm256_unpacklo_ps(r3_, r4_); \
	q[4] = _mm256_shuffle_ps(u0_, u1_, _MM_SHUFFLE(1, 0, 1, 0)); \
	q[5] = _mm256_shuffle_ps(u0_, u1_, _MM_SHUFFLE(3, 2, 3, 2)); \
} while (0)
#define STORE4(p, y) do { \
	__m256 u0_ = _mm256_unpacklo_ps(y[0], y[1]), u1_ = _mm256_unpackhi_ps(y[0], y[1]); \
	__m256 u2_ = _mm256_unpacklo_ps(y[2], y[3]), u3_ = _mm256_unpackhi_ps(y[2], y[3]); \
	__m256 r0_ = _mm256_shuffle_ps(u0_, u2_, _MM_SHUFFLE(1, 0, 1, 0)); \
	__m256 r1_ = _mm256_shuffle_ps(u0_, u2_, _MM_SHUFFLE(3, 2, 3, 2)); \
	__m256 r2_ = _mm256_shuffle_ps(u1_, u3_, _MM_SHUFFLE(1, 0, 1, 0)); \
	__m256 r3_ = _mm256_shuffle_ps(u1_, u3_, _MM_SHUFFLE(3, 2, 3, 2)); \
	_mm256_storeu_ps(p, _mm256_permute2f128_ps(r0_, r1_, 0x20)); \
	_mm256_storeu_ps((p) + 8, _mm256_permute2f128_ps(r2_, r3_, 0x20)); \
	_mm256_storeu_ps((p) + 16, _mm256_permute2f128_ps(r0_, r1_, 0x31)); \
	_mm256_storeu_ps((p) + 24, _mm256_permute2f128_ps(r2_, r3_, 0x31)); \
} while (0)
#include "wino4_body.h"
#undef VT
#undef W
#undef SFX
#undef LD
#undef ST
#undef ADD
#undef SUB
#undef MUL
#undef SET1
#undef DEINT6
#undef STORE4
#pragma GCC pop_options

// in6 of wino4.go on one column.
static void in6_1(const float d[6], float o[6]) {
	o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
	o[1] = (d[3] + d[4]) - 4.0f * (d[1] + d[2]);
	o[2] = (d[4] - d[3]) + 4.0f * (d[1] - d[2]);
	float a = d[4] - d[2], b = 2.0f * (d[3] - d[1]);
	o[3] = a + b;
	o[4] = a - b;
	o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// The functions for the widest blocks this CPU runs.
typedef struct {
	int lanes;
	int (*cols)(const float *const rows[6], float *e, int width, int n);
	void (*in_block)(const float *e, int width, float *v, ptrdiff_t stride);
	void (*out_block)(const float *m, ptrdiff_t stride, float b, float *dst, int dstride);
} blocks;

static const blocks sse = {4, cols_sse, in_block_sse, out_block_sse};
static const blocks avx = {8, cols_avx, in_block_avx, out_block_avx};

// columns is columns4 of wino4.go: Bᵀ down six rows into e.
static void columns(const blocks *b, const float *plane, int h, int w, int iy, int pl, float *e, int width,
                    const float *zero) {
	const float *rows[6];
	for (int r = 0; r < 6; r++) {
		int y = iy + r;
		rows[r] = (y >= 0 && y < h) ? plane + (ptrdiff_t)y * w : zero;
	}
	int n = w < width - pl ? w : width - pl;
	float *ex = e + pl;
	int x = b->cols(rows, ex, width, n);
	const float *rx[6];
	for (int r = 0; r < 6; r++)
		rx[r] = rows[r] + x;
	x += sse.cols(rx, ex + x, width, n - x);
	for (; x < n; x++) {
		float d[6], o[6];
		for (int r = 0; r < 6; r++)
			d[r] = rows[r][x];
		in6_1(d, o);
		for (int i = 0; i < 6; i++)
			ex[(ptrdiff_t)i * width + x] = o[i];
	}
}

void camviz_wino4_in(const float *x, int h, int w, int pt, int pl, int ty0, int ty1, int tw,
                     int c0, int c1, int cin, float *v, long ld, long t0, int wide) {
	const blocks *b = wide ? &avx : &sse;
	ptrdiff_t stride = (ptrdiff_t)cin * ld;
	int width = 4 * tw + 16;
	float *e = calloc((size_t)6 * width + w, sizeof(float));
	if (!e)
		abort();
	const float *zero = e + 6 * width;
	float tmp[36 * 4];
	for (int ch = c0; ch < c1; ch++) {
		const float *plane = x + (ptrdiff_t)ch * h * w;
		ptrdiff_t t = (ptrdiff_t)ch * ld + t0;
		for (int ty = ty0; ty < ty1; ty++) {
			columns(b, plane, h, w, 4 * ty - pt, pl, e, width, zero);
			int tx = 0;
			for (; tx + b->lanes <= tw; tx += b->lanes, t += b->lanes)
				b->in_block(e + 4 * tx, width, v + t, stride);
			for (; tx + 4 <= tw; tx += 4, t += 4)
				in_block_sse(e + 4 * tx, width, v + t, stride);
			if (tx < tw) {
				int rest = tw - tx;
				in_block_sse(e + 4 * tx, width, tmp, 4);
				for (int xi = 0; xi < 36; xi++)
					memcpy(v + t + xi * stride, tmp + xi * 4, rest * sizeof(float));
				t += rest;
			}
		}
	}
	free(e);
}

// cut copies the rows × cols corner of the block src (rows 32 apart) to dst.
static void cut(const float *src, float *dst, int dstride, int rows, int cols) {
	for (int r = 0; r < rows; r++)
		memcpy(dst + (ptrdiff_t)r * dstride, src + r * 32, cols * sizeof(float));
}

void camviz_wino4_out(const float *m, int ho, int wo, int ty0, int ty1, int tw, int k0, int k1,
                      int cout, const float *bias, float *out, long ld, long t0, int wide) {
	const blocks *b = wide ? &avx : &sse;
	ptrdiff_t stride = (ptrdiff_t)cout * ld;
	float blk[4 * 32], tmp[36 * 4];
	for (int k = k0; k < k1; k++) {
		float bk = bias ? bias[k] : 0.0f;
		float *plane = out + (ptrdiff_t)k * ho * wo;
		ptrdiff_t t = (ptrdiff_t)k * ld + t0;
		for (int ty = ty0; ty < ty1; ty++) {
			int oy = 4 * ty, rows = ho - oy < 4 ? ho - oy : 4;
			float *row = plane + (ptrdiff_t)oy * wo;
			int tx = 0;
			for (const blocks *bb = b;; bb = &sse) {
				for (; tx + bb->lanes <= tw; tx += bb->lanes, t += bb->lanes) {
					int ox = 4 * tx, cols = 4 * bb->lanes;
					if (rows == 4 && ox + cols <= wo) {
						bb->out_block(m + t, stride, bk, row + ox, wo);
						continue;
					}
					bb->out_block(m + t, stride, bk, blk, 32);
					cut(blk, row + ox, wo, rows, wo - ox < cols ? wo - ox : cols);
				}
				if (bb == &sse)
					break;
			}
			if (tx < tw) {
				int rest = tw - tx, ox = 4 * tx;
				memset(tmp, 0, sizeof tmp);
				for (int xi = 0; xi < 36; xi++)
					memcpy(tmp + xi * 4, m + t + xi * stride, rest * sizeof(float));
				out_block_sse(tmp, 4, bk, blk, 32);
				cut(blk, row + ox, wo, rows, wo - ox);
				t += rest;
			}
		}
	}
}
