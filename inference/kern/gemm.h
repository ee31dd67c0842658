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
	int wide;      // 1: pairs of B panels through the AVX-512 tile (6×32)
	kern_image im; // im.x set: B is im's im2col matrix (b unused)
} kern_args;

void kern_pack_a(const float *a, long m, long k, long lda, float *out);

// kern_run computes the rows of C in A's panels [p0, p1) and its columns
// [j0, j1) on the calling thread; bp is a scratch of KERN_KC·KERN_NC
// floats.
void kern_run(const kern_args *g, long p0, long p1, long j0, long j1, float *bp);

// kern_pack_b packs the kc×nc block of B at row pc and column jc into out
// as panels of KERN_NR columns, [q][kc][KERN_NR], zero-padded.
void kern_pack_b(const kern_args *g, long pc, long kc, long jc, long nc, float *out);

// kern_run_packed is kern_run for all columns with the whole of B packed
// in bk: block pc·KERN_KC at bk + pc·KERN_KC·npad (npad: n rounded up
// to KERN_NR), as kern_pack_b lays it out.
void kern_run_packed(const kern_args *g, long p0, long p1, const float *bk);

// kern_pool_start starts n worker threads, once per process (later calls
// do nothing).
void kern_pool_start(long n);

// kern_parallel computes all of C, in chunks sized for parts threads: the
// caller (with scratch bp) and, when parts > 1 and the pool is free, the
// pool's workers. With bk (room for all of B packed, k·npad floats) the
// chunks are ranges of A's row panels over B packed once, in KERN_KC
// blocks shared out first; without, ranges of columns, each chunk
// packing its own part of B.
void kern_parallel(const kern_args *g, long parts, float *bp, float *bk);

// kern_gemm computes C = epilogue(A·B) over parts threads (kern_parallel);
// wide = 1 runs the AVX-512 tile, only where the CPU has AVX-512F.
void kern_gemm(long m, long n, long k, const float *a, const float *b, long ldb, float *c, long ldc,
	const float *bias, const float *skip, int relu, int wide, long parts, float *bp, float *bk);

// kern_gemm_image is kern_gemm with B the im2col matrix of x; geom holds
// c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo.
void kern_gemm_image(long m, long k, const float *a, const float *x, const long *geom, float *c, long ldc,
	const float *bias, const float *skip, int relu, int wide, long parts, float *bp, float *bk);
