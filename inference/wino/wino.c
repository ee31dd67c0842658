//go:build !purego && cgo && amd64

// SSE versions of inputGo and outputGo (wino.go): the same operations in
// the same order, four tiles of a tile row at a time, so the results are
// bit-identical. Tiles near the border take the one-tile path.
#include <stddef.h>
#include <xmmintrin.h>
#include "wino.h"

static void tile_in(const float *plane, int h, int w, int iy, int ix, float *v, ptrdiff_t stride) {
	float d[4][4], b[4][4];
	for (int r = 0; r < 4; r++)
		for (int q = 0; q < 4; q++) {
			int y = iy + r, x = ix + q;
			d[r][q] = (y < 0 || y >= h || x < 0 || x >= w) ? 0.0f : plane[(ptrdiff_t)y * w + x];
		}
	for (int j = 0; j < 4; j++) {
		b[0][j] = d[0][j] - d[2][j];
		b[1][j] = d[1][j] + d[2][j];
		b[2][j] = d[2][j] - d[1][j];
		b[3][j] = d[1][j] - d[3][j];
	}
	for (int i = 0; i < 4; i++) {
		float *o = v + (ptrdiff_t)i * 4 * stride;
		o[0] = b[i][0] - b[i][2];
		o[stride] = b[i][1] + b[i][2];
		o[2 * stride] = b[i][2] - b[i][1];
		o[3 * stride] = b[i][1] - b[i][3];
	}
}

// Four tiles starting at column ix: lane j holds tile j.
static void tiles4_in(const float *plane, int w, int iy, int ix, float *v, ptrdiff_t stride) {
	__m128 d[4][4], b[4][4];
	for (int r = 0; r < 4; r++) {
		const float *p = plane + (ptrdiff_t)(iy + r) * w + ix;
		__m128 a = _mm_loadu_ps(p), c = _mm_loadu_ps(p + 4);
		__m128 a2 = _mm_loadu_ps(p + 2), c2 = _mm_loadu_ps(p + 6);
		d[r][0] = _mm_shuffle_ps(a, c, _MM_SHUFFLE(2, 0, 2, 0));
		d[r][1] = _mm_shuffle_ps(a, c, _MM_SHUFFLE(3, 1, 3, 1));
		d[r][2] = _mm_shuffle_ps(a2, c2, _MM_SHUFFLE(2, 0, 2, 0));
		d[r][3] = _mm_shuffle_ps(a2, c2, _MM_SHUFFLE(3, 1, 3, 1));
	}
	for (int j = 0; j < 4; j++) {
		b[0][j] = _mm_sub_ps(d[0][j], d[2][j]);
		b[1][j] = _mm_add_ps(d[1][j], d[2][j]);
		b[2][j] = _mm_sub_ps(d[2][j], d[1][j]);
		b[3][j] = _mm_sub_ps(d[1][j], d[3][j]);
	}
	for (int i = 0; i < 4; i++) {
		float *o = v + (ptrdiff_t)i * 4 * stride;
		_mm_storeu_ps(o, _mm_sub_ps(b[i][0], b[i][2]));
		_mm_storeu_ps(o + stride, _mm_add_ps(b[i][1], b[i][2]));
		_mm_storeu_ps(o + 2 * stride, _mm_sub_ps(b[i][2], b[i][1]));
		_mm_storeu_ps(o + 3 * stride, _mm_sub_ps(b[i][1], b[i][3]));
	}
}

void camviz_wino_in(const float *x, int h, int w, int pt, int pl, int ty0, int ty1, int tw,
                    int c0, int c1, int cin, float *v, long ld, long t0) {
	ptrdiff_t stride = (ptrdiff_t)cin * ld;
	for (int ch = c0; ch < c1; ch++) {
		const float *plane = x + (ptrdiff_t)ch * h * w;
		ptrdiff_t t = (ptrdiff_t)ch * ld + t0;
		for (int ty = ty0; ty < ty1; ty++) {
			int iy = 2 * ty - pt, rows_in = iy >= 0 && iy + 4 <= h;
			for (int tx = 0; tx < tw;) {
				int ix = 2 * tx - pl;
				if (rows_in && tx + 4 <= tw && ix >= 0 && ix + 10 <= w) {
					tiles4_in(plane, w, iy, ix, v + t, stride);
					t += 4, tx += 4;
				} else {
					tile_in(plane, h, w, iy, ix, v + t, stride);
					t++, tx++;
				}
			}
		}
	}
}

static void tile_out(const float *m, ptrdiff_t stride, float b, float *plane, int ho, int wo, int oy, int ox) {
	float s[16], a[2][4];
	for (int xi = 0; xi < 16; xi++)
		s[xi] = m[xi * stride];
	for (int j = 0; j < 4; j++) {
		a[0][j] = s[j] + s[4 + j] + s[8 + j];
		a[1][j] = s[4 + j] - s[8 + j] - s[12 + j];
	}
	for (int i = 0; i < 2 && oy + i < ho; i++) {
		float *row = plane + (ptrdiff_t)(oy + i) * wo;
		row[ox] = a[i][0] + a[i][1] + a[i][2] + b;
		if (ox + 1 < wo)
			row[ox + 1] = a[i][1] - a[i][2] - a[i][3] + b;
	}
}

static void tiles4_out(const float *m, ptrdiff_t stride, __m128 b, float *row0, float *row1) {
	__m128 s[16], a[2][4];
	for (int xi = 0; xi < 16; xi++)
		s[xi] = _mm_loadu_ps(m + xi * stride);
	for (int j = 0; j < 4; j++) {
		a[0][j] = _mm_add_ps(_mm_add_ps(s[j], s[4 + j]), s[8 + j]);
		a[1][j] = _mm_sub_ps(_mm_sub_ps(s[4 + j], s[8 + j]), s[12 + j]);
	}
	float *rows[2] = {row0, row1};
	for (int i = 0; i < 2; i++) {
		__m128 y0 = _mm_add_ps(_mm_add_ps(_mm_add_ps(a[i][0], a[i][1]), a[i][2]), b);
		__m128 y1 = _mm_add_ps(_mm_sub_ps(_mm_sub_ps(a[i][1], a[i][2]), a[i][3]), b);
		_mm_storeu_ps(rows[i], _mm_unpacklo_ps(y0, y1));
		_mm_storeu_ps(rows[i] + 4, _mm_unpackhi_ps(y0, y1));
	}
}

void camviz_wino_out(const float *m, int ho, int wo, int ty0, int ty1, int tw, int k0, int k1,
                     int cout, const float *bias, float *out, long ld, long t0) {
	ptrdiff_t stride = (ptrdiff_t)cout * ld;
	for (int k = k0; k < k1; k++) {
		float b = bias ? bias[k] : 0.0f;
		__m128 bv = _mm_set1_ps(b);
		float *plane = out + (ptrdiff_t)k * ho * wo;
		ptrdiff_t t = (ptrdiff_t)k * ld + t0;
		for (int ty = ty0; ty < ty1; ty++) {
			int oy = 2 * ty;
			for (int tx = 0; tx < tw;) {
				int ox = 2 * tx;
				if (oy + 2 <= ho && tx + 4 <= tw && ox + 8 <= wo) {
					float *row0 = plane + (ptrdiff_t)oy * wo + ox;
					tiles4_out(m + t, stride, bv, row0, row0 + wo);
					t += 4, tx += 4;
				} else {
					tile_out(m + t, stride, b, plane, ho, wo, oy, ox);
					t++, tx++;
				}
			}
		}
	}
}
