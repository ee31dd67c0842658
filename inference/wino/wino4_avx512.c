//go:build !purego && cgo && amd64

// AVX-512 F(4×4, 3×3) transforms (wino4.go): sixteen tiles a block, the
// same operations in the same order as input4Go and output4Go, so the
// results are bit-identical. A block is sixteen consecutive tile numbers,
// which is V's and M's column order: on planes of fewer than sixteen
// tiles a row (VGG16's 14² and 28², four and seven) a block spans tile
// rows, so those planes still run whole vectors; the last block of a call
// is cut by masks, not copied.
//
// The input's column transform (Bᵀ down six rows) goes to E in tile
// order: E[i][4t + c] is column 4tx + c of row i of tile t = (ty, tx),
// the rows of tiles laid end to end, so the columns 0–3 of sixteen tiles
// are 64 consecutive floats wherever the rows break. Columns 4 and 5 are
// the next tile's 0 and 1, except on a row's last tile: its two are kept
// in T[i][c − 4][t] and blended in.
// No fused multiply-adds: the Go versions round every product.
#pragma GCC optimize("fp-contract=off")
#pragma GCC target("avx512f")
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>
#include "wino.h"

#define IN6(d, o) do { \
	__m512 f4_ = _mm512_set1_ps(4.0f), f5_ = _mm512_set1_ps(5.0f), f2_ = _mm512_set1_ps(2.0f); \
	o[0] = _mm512_add_ps(_mm512_sub_ps(_mm512_mul_ps(f4_, d[0]), _mm512_mul_ps(f5_, d[2])), d[4]); \
	o[1] = _mm512_sub_ps(_mm512_add_ps(d[3], d[4]), _mm512_mul_ps(f4_, _mm512_add_ps(d[1], d[2]))); \
	o[2] = _mm512_add_ps(_mm512_sub_ps(d[4], d[3]), _mm512_mul_ps(f4_, _mm512_sub_ps(d[1], d[2]))); \
	__m512 a_ = _mm512_sub_ps(d[4], d[2]), b_ = _mm512_mul_ps(f2_, _mm512_sub_ps(d[3], d[1])); \
	o[3] = _mm512_add_ps(a_, b_); \
	o[4] = _mm512_sub_ps(a_, b_); \
	o[5] = _mm512_add_ps(_mm512_sub_ps(_mm512_mul_ps(f4_, d[1]), _mm512_mul_ps(f5_, d[3])), d[5]); \
} while (0)

#define OUT6(m0, m1, m2, m3, m4, m5, y) do { \
	__m512 s12_ = _mm512_add_ps(m1, m2), s34_ = _mm512_add_ps(m3, m4); \
	__m512 d12_ = _mm512_sub_ps(m1, m2), d34_ = _mm512_sub_ps(m3, m4); \
	y[0] = _mm512_add_ps(_mm512_add_ps(m0, s12_), s34_); \
	y[1] = _mm512_add_ps(d12_, _mm512_mul_ps(_mm512_set1_ps(2.0f), d34_)); \
	y[2] = _mm512_add_ps(s12_, _mm512_mul_ps(_mm512_set1_ps(4.0f), s34_)); \
	y[3] = _mm512_add_ps(_mm512_add_ps(d12_, _mm512_mul_ps(_mm512_set1_ps(8.0f), d34_)), m5); \
} while (0)

// in6_1 is in6 of wino4.go on one column.
static void in6_1(const float d[6], float o[6]) {
	o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
	o[1] = (d[3] + d[4]) - 4.0f * (d[1] + d[2]);
	o[2] = (d[4] - d[3]) + 4.0f * (d[1] - d[2]);
	float a = d[4] - d[2], b = 2.0f * (d[3] - d[1]);
	o[3] = a + b;
	o[4] = a - b;
	o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// lanes is the mask of the first n (≤ 16) lanes.
static __mmask16 lanes(int n) { return n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1); }

// cols writes Bᵀ down rows[0..5] for columns [0, n) into e's six rows
// (estride apart).
static void cols(const float *const rows[6], float *e, ptrdiff_t estride, int n) {
	for (int x = 0; x < n; x += 16) {
		__mmask16 k = lanes(n - x);
		__m512 d[6], o[6];
		for (int r = 0; r < 6; r++)
			d[r] = _mm512_maskz_loadu_ps(k, rows[r] + x);
		IN6(d, o);
		for (int i = 0; i < 6; i++)
			_mm512_mask_storeu_ps(e + i * estride + x, k, o[i]);
	}
}

// Layout of the input scratch for nt tiles: E [6][estride], then
// T [6][2][tstride], then a zero row of w floats.
typedef struct {
	float *e, *t;
	const float *zero;
	ptrdiff_t estride, tstride;
} scratch;

// tile_row writes E and T for the tile row whose first tile is rb and
// whose input rows start at iy.
static void tile_row(const scratch *s, const float *plane, int h, int w, int iy, int pl, int tw, int rb) {
	const float *rows[6];
	for (int r = 0; r < 6; r++) {
		int y = iy + r;
		rows[r] = (y >= 0 && y < h) ? plane + (ptrdiff_t)y * w : s->zero;
	}
	// Columns X = x + pl in [0, 4tw) go to E; X = 4tw, 4tw+1 are the last
	// tile's columns 4 and 5. E's columns outside the image stay zero.
	int n = w < 4 * tw - pl ? w : 4 * tw - pl;
	if (n > 0)
		cols(rows, s->e + 4 * (ptrdiff_t)rb + pl, s->estride, n);
	for (int c = 0; c < 2; c++) {
		int x = 4 * tw + c - pl;
		float d[6], o[6] = {0};
		if (x >= 0 && x < w) {
			for (int r = 0; r < 6; r++)
				d[r] = rows[r][x];
			in6_1(d, o);
		}
		for (int i = 0; i < 6; i++)
			s->t[(2 * i + c) * s->tstride + rb + tw - 1] = o[i];
	}
}

// in_block writes V for the tiles [tb, tb+16) ∩ lanes k: ends marks the
// lanes whose tile is the last of its row.
static void in_block(const scratch *s, int tb, __mmask16 ends, __mmask16 k, float *v, ptrdiff_t stride) {
	const __m512i lo = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
	const __m512i hi = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
	for (int i = 0; i < 6; i++) {
		const float *p = s->e + i * s->estride + 4 * (ptrdiff_t)tb;
		__m512 z0 = _mm512_loadu_ps(p), z1 = _mm512_loadu_ps(p + 16);
		__m512 z2 = _mm512_loadu_ps(p + 32), z3 = _mm512_loadu_ps(p + 48);
		__m512 a01 = _mm512_permutex2var_ps(z0, lo, z1), b01 = _mm512_permutex2var_ps(z2, lo, z3);
		__m512 a23 = _mm512_permutex2var_ps(z0, hi, z1), b23 = _mm512_permutex2var_ps(z2, hi, z3);
		__m512 q[6], o[6];
		q[0] = _mm512_shuffle_f32x4(a01, b01, _MM_SHUFFLE(1, 0, 1, 0));
		q[1] = _mm512_shuffle_f32x4(a01, b01, _MM_SHUFFLE(3, 2, 3, 2));
		q[2] = _mm512_shuffle_f32x4(a23, b23, _MM_SHUFFLE(1, 0, 1, 0));
		q[3] = _mm512_shuffle_f32x4(a23, b23, _MM_SHUFFLE(3, 2, 3, 2));
		for (int c = 0; c < 2; c++) { // the next tile's column c, or T
			__m512i next = _mm512_castps_si512(_mm512_set1_ps(p[64 + c]));
			__m512 sh = _mm512_castsi512_ps(_mm512_alignr_epi32(next, _mm512_castps_si512(q[c]), 1));
			const float *t = s->t + (2 * i + c) * s->tstride + tb;
			q[4 + c] = _mm512_mask_blend_ps(ends, sh, _mm512_loadu_ps(t));
		}
		IN6(q, o);
		for (int j = 0; j < 6; j++)
			_mm512_mask_storeu_ps(v + (ptrdiff_t)(6 * i + j) * stride, k, o[j]);
	}
}

void camviz_wino4_in512(const float *x, int h, int w, int pt, int pl, int ty0, int ty1, int tw,
                        int c0, int c1, int cin, float *v, long ld, long t0) {
	int nt = (ty1 - ty0) * tw, nb = (nt + 15) / 16;
	scratch s;
	s.estride = 4 * (ptrdiff_t)nb * 16 + 64; // the last block reads 2 past its tiles
	s.tstride = (ptrdiff_t)nb * 16;
	s.e = calloc((size_t)(6 * s.estride + 12 * s.tstride + w), sizeof(float));
	__mmask16 *ends = malloc(nb * sizeof *ends);
	if (!s.e || !ends)
		abort();
	s.t = s.e + 6 * s.estride;
	s.zero = s.t + 12 * s.tstride;
	for (int b = 0; b < nb; b++) {
		ends[b] = 0;
		for (int j = 0; j < 16; j++)
			if ((16 * b + j) % tw == tw - 1)
				ends[b] |= (__mmask16)(1u << j);
	}
	ptrdiff_t stride = (ptrdiff_t)cin * ld;
	for (int ch = c0; ch < c1; ch++) {
		const float *plane = x + (ptrdiff_t)ch * h * w;
		float *vc = v + (ptrdiff_t)ch * ld + t0;
		int tb = 0; // the next block's first tile
		for (int ty = ty0; ty < ty1; ty++) {
			int rb = (ty - ty0) * tw;
			tile_row(&s, plane, h, w, 4 * ty - pt, pl, tw, rb);
			for (; tb + 16 <= rb + tw; tb += 16)
				in_block(&s, tb, ends[tb / 16], 0xffff, vc + tb, stride);
		}
		if (tb < nt)
			in_block(&s, tb, ends[tb / 16], lanes(nt - tb), vc + tb, stride);
	}
	free(ends);
	free(s.e);
}

// out_block writes the outputs of the tiles [0, 16) ∩ lanes k (lane j is
// tile j, M's ξ at m + ξ·stride) plus b to blk: row r of tile j's 4×4 at
// blk + 64r + 4j.
static void out_block(const float *m, ptrdiff_t stride, __mmask16 k, float b, float *blk) {
	const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
	const __m512i ihi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
	const __m512i plo = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
	const __m512i phi = _mm512_setr_epi32(8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
	__m512 s[36], a[4][6];
	for (int xi = 0; xi < 36; xi++)
		s[xi] = _mm512_maskz_loadu_ps(k, m + xi * stride);
	for (int j = 0; j < 6; j++) {
		__m512 y[4];
		OUT6(s[j], s[6 + j], s[12 + j], s[18 + j], s[24 + j], s[30 + j], y);
		for (int r = 0; r < 4; r++)
			a[r][j] = y[r];
	}
	__m512 bv = _mm512_set1_ps(b);
	for (int r = 0; r < 4; r++) {
		__m512 y[4];
		OUT6(a[r][0], a[r][1], a[r][2], a[r][3], a[r][4], a[r][5], y);
		for (int c = 0; c < 4; c++)
			y[c] = _mm512_add_ps(y[c], bv);
		// blk[64r + 4j + c] = y[c] lane j.
		__m512 u01 = _mm512_permutex2var_ps(y[0], ilo, y[1]), v01 = _mm512_permutex2var_ps(y[0], ihi, y[1]);
		__m512 u23 = _mm512_permutex2var_ps(y[2], ilo, y[3]), v23 = _mm512_permutex2var_ps(y[2], ihi, y[3]);
		float *d = blk + 64 * r;
		_mm512_storeu_ps(d, _mm512_permutex2var_ps(u01, plo, u23));
		_mm512_storeu_ps(d + 16, _mm512_permutex2var_ps(u01, phi, u23));
		_mm512_storeu_ps(d + 32, _mm512_permutex2var_ps(v01, plo, v23));
		_mm512_storeu_ps(d + 48, _mm512_permutex2var_ps(v01, phi, v23));
	}
}

// copyf copies n floats from src to dst.
static void copyf(const float *src, float *dst, int n) {
	for (int o = 0; o < n; o += 16) {
		__mmask16 k = lanes(n - o);
		_mm512_mask_storeu_ps(dst + o, k, _mm512_maskz_loadu_ps(k, src + o));
	}
}

void camviz_wino4_out512(const float *m, int ho, int wo, int ty0, int ty1, int tw, int k0, int k1,
                         int cout, const float *bias, float *out, long ld, long t0) {
	ptrdiff_t stride = (ptrdiff_t)cout * ld;
	int nt = (ty1 - ty0) * tw;
	float blk[4 * 64];
	for (int k = k0; k < k1; k++) {
		float bk = bias ? bias[k] : 0.0f;
		float *plane = out + (ptrdiff_t)k * ho * wo;
		const float *mk = m + (ptrdiff_t)k * ld + t0;
		for (int tb = 0; tb < nt; tb += 16) {
			int n = nt - tb < 16 ? nt - tb : 16;
			out_block(mk + tb, stride, lanes(n), bk, blk);
			// Cut the block into runs of one tile row, and those to the image.
			for (int j = 0; j < n;) {
				int t = tb + j, ty = ty0 + t / tw, tx = t % tw;
				int run = tw - tx < n - j ? tw - tx : n - j;
				int oy = 4 * ty, ox = 4 * tx, cols = wo - ox < 4 * run ? wo - ox : 4 * run;
				for (int r = 0; r < 4 && oy + r < ho; r++)
					copyf(blk + 64 * r + 4 * j, plane + (ptrdiff_t)(oy + r) * wo + ox, cols);
				j += run;
			}
		}
	}
}

#undef IN6
#undef OUT6
