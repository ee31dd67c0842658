// The F(4×4, 3×3) blocks for one vector width, included by wino4.c once
// per instruction set with VT (the vector type), W (its lanes), the
// operations LD, ST, ADD, SUB, MUL, SET1, DEINT6 and STORE4, and SFX (a
// name suffix) defined. The arithmetic is in6 and out6 of wino4.go, in
// the same order.

#define IN6(d, o) do { \
	VT f4_ = SET1(4.0f), f5_ = SET1(5.0f), f2_ = SET1(2.0f); \
	o[0] = ADD(SUB(MUL(f4_, d[0]), MUL(f5_, d[2])), d[4]); \
	o[1] = SUB(ADD(d[3], d[4]), MUL(f4_, ADD(d[1], d[2]))); \
	o[2] = ADD(SUB(d[4], d[3]), MUL(f4_, SUB(d[1], d[2]))); \
	VT a_ = SUB(d[4], d[2]), b_ = MUL(f2_, SUB(d[3], d[1])); \
	o[3] = ADD(a_, b_); \
	o[4] = SUB(a_, b_); \
	o[5] = ADD(SUB(MUL(f4_, d[1]), MUL(f5_, d[3])), d[5]); \
} while (0)

#define OUT6(m0, m1, m2, m3, m4, m5, y) do { \
	VT s12_ = ADD(m1, m2), s34_ = ADD(m3, m4), d12_ = SUB(m1, m2), d34_ = SUB(m3, m4); \
	y[0] = ADD(ADD(m0, s12_), s34_); \
	y[1] = ADD(d12_, MUL(SET1(2.0f), d34_)); \
	y[2] = ADD(s12_, MUL(SET1(4.0f), s34_)); \
	y[3] = ADD(ADD(d12_, MUL(SET1(8.0f), d34_)), m5); \
} while (0)

// cols writes Bᵀ down rows[0..5] for columns [0, n) into e's six rows
// (width apart); it does whole vectors and returns how many columns.
static int CAT(cols, SFX)(const float *const rows[6], float *e, int width, int n) {
	int x = 0;
	for (; x + W <= n; x += W) {
		VT d[6], o[6];
		for (int r = 0; r < 6; r++)
			d[r] = LD(rows[r] + x);
		IN6(d, o);
		for (int i = 0; i < 6; i++)
			ST(e + (ptrdiff_t)i * width + x, o[i]);
	}
	return x;
}

// in_block writes V for the W tiles whose columns start at e (column
// rows width apart): lane j is tile j, ξ = 6i+k at v + ξ·stride.
static void CAT(in_block, SFX)(const float *e, int width, float *v, ptrdiff_t stride) {
	for (int i = 0; i < 6; i++) {
		VT q[6], o[6];
		DEINT6(e + (ptrdiff_t)i * width, q);
		IN6(q, o);
		for (int k = 0; k < 6; k++)
			ST(v + (ptrdiff_t)(6 * i + k) * stride, o[k]);
	}
}

// out_block writes the 4×4W outputs of W tiles (lane j is tile j, M's ξ
// at m + ξ·stride) plus b to dst, rows dstride apart.
static void CAT(out_block, SFX)(const float *m, ptrdiff_t stride, float b, float *dst, int dstride) {
	VT s[36], a[4][6];
	for (int xi = 0; xi < 36; xi++)
		s[xi] = LD(m + xi * stride);
	for (int j = 0; j < 6; j++) {
		VT y[4];
		OUT6(s[j], s[6 + j], s[12 + j], s[18 + j], s[24 + j], s[30 + j], y);
		for (int r = 0; r < 4; r++)
			a[r][j] = y[r];
	}
	VT bv = SET1(b);
	for (int r = 0; r < 4; r++) {
		VT y[4];
		OUT6(a[r][0], a[r][1], a[r][2], a[r][3], a[r][4], a[r][5], y);
		for (int c = 0; c < 4; c++)
			y[c] = ADD(y[c], bv);
		STORE4(dst + (ptrdiff_t)r * dstride, y);
	}
}

#undef IN6
#undef OUT6
