// Blocking of kern_gemm; gemm_c.go reads the same numbers.
enum { KERN_MR = 6, KERN_NR = 16, KERN_KC = 256, KERN_NC = 256, KERN_MCP = 16 };

// kern_image is a convolution's input [c][h][w] and geometry: B is then
// its im2col matrix, read as it is packed.
typedef struct {
	const float *x;
	long c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo;
} kern_image;

typedef struct {
	long m, n, k;
	const float *a; // packed by kern_pack_a
	const float *b;
	long ldb;
	float *c;
	long ldc;
	const float *bias, *skip; // NULL or [m], NULL or like c
	int relu;
	kern_image im; // im.x set: B is im's im2col matrix (b unused)
} kern_args;

void kern_pack_a(const float *a, long m, long k, long lda, float *out);
// kern_gemm computes the rows of C in A's panels [p0, p1) and its columns
// [j0, j1); bp is a scratch of KERN_KC·KERN_NC floats.
void kern_gemm(long m, long n, long k, const float *a, const float *b, long ldb, float *c, long ldc,
	const float *bias, const float *skip, int relu, long p0, long p1, long j0, long j1, float *bp);

// kern_gemm_image is kern_gemm with B the im2col matrix of x; geom holds
// c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo.
void kern_gemm_image(long m, long k, const float *a, const float *x, const long *geom, float *c, long ldc,
	const float *bias, const float *skip, int relu, long p0, long p1, long j0, long j1, float *bp);
