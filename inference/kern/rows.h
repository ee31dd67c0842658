// The few-rows product of rows_amd64.c; rows.go reads KERN_ROWS.
enum { KERN_ROWS = 8 };

// kern_rows_bt sets C[i][j] = α·Σ_k A[i][k]·B[j][k] + β·C[i][j] for
// i < m ≤ KERN_ROWS and j in [j0, j1) (C not read when β = 0); wide = 1
// takes AVX-512F's 16-lane path, only where the CPU has it.
void kern_rows_bt(long m, long k, float alpha, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc, long j0, long j1, int wide);
