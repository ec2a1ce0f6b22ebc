/* blas.h -- the bridge to CBLAS; blas.c is the only file that includes
 * cblas.h, so switching BLAS touches nothing else. */
#ifndef GRU_BLAS_H
#define GRU_BLAS_H

#include <stddef.h>

/* C[m x n] = A[m x k] . B[n x k]^T + beta * C, all row-major with leading
 * dimensions lda, ldb, ldc (callers keep every value within an int). A
 * single row (m = 1) goes to sgemv, which BLAS libraries run several times
 * faster than a one-row sgemm. */
void gru__gemm_nt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                  size_t ldb, float beta, float *c, size_t ldc);

#endif
