/* The sgemm yardsticks: OpenBLAS's sgemm on 2048^3 (the large-batch
 * bound), and on the shape of a configuration's hoisted input projection
 * (what libgru's hoist can get from BLAS), with the kernels the environment
 * gives OpenBLAS and its threads, best of five after a warm-up (of two for
 * the sample taken in each round of a case); and the bench's one call that
 * sets BLAS's thread count. */
#include <cblas.h>
#include <stdlib.h>

#include "bench.h"

void bench_blas_threads(size_t n) {
#ifdef GRU_BLAS_OPENBLAS
  openblas_set_num_threads((int)n);
#else
  (void)n;
#endif
}

/* C[m][n] = A[m][k] . B^T, B [n][ldb] (the layout of libgru's hoist:
 * the input columns of rows of [h, x] weights), or B [k][n] untransposed
 * when ldb is 0. */
static double rate(size_t m, size_t n, size_t k, size_t ldb, int timed) {
  size_t nb = ldb ? n * ldb : k * n;
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * nb),
        *c = malloc(sizeof(float) * m * n);
  for (size_t i = 0; i < m * k; i++)
    a[i] = (float)(i % 7) * 0.01f;
  for (size_t i = 0; i < nb; i++)
    b[i] = (float)(i % 5) * 0.01f;
  double best = 1e30;
  for (int r = 0; r <= timed; r++) { /* the first is a warm-up */
    double t0 = bench_now();
    if (ldb)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k,
                  b, (int)ldb, 0.0f, c, (int)n);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a,
                  (int)k, b, (int)n, 0.0f, c, (int)n);
    double t = bench_now() - t0;
    if (r > 0 && t < best) best = t;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * (double)m * (double)n * (double)k / best / 1e9;
}

double bench_sgemm_rate(size_t m, size_t n, size_t k, size_t ldb) { return rate(m, n, k, ldb, 5); }

double bench_sgemm_peak(void) { return rate(2048, 2048, 2048, 0, 5); }

double bench_sgemm_sample(void) { return rate(2048, 2048, 2048, 0, 2); }

void bench_blas_call(void) {
  enum { N = 512 }; /* large enough for OpenBLAS to use its threads */
  static float a[N * N], b[N * N], c[N * N];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
}
