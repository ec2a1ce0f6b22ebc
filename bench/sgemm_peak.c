/* The yardstick of the large-batch targets: OpenBLAS's sgemm on 2048^3,
 * with the kernels the environment gives it and its threads (all cores
 * unless OPENBLAS_NUM_THREADS says otherwise), best of five; and the
 * bench's one call that sets BLAS's thread count. */
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

double bench_sgemm_peak(void) {
  enum { N = 2048 };
  float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N),
        *c = malloc(sizeof(float) * N * N);
  for (size_t i = 0; i < (size_t)N * N; i++) {
    a[i] = (float)(i % 7) * 0.01f;
    b[i] = (float)(i % 5) * 0.01f;
  }
  double best = 1e30;
  for (int r = 0; r < 6; r++) { /* the first is a warm-up */
    double t0 = bench_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
    double t = bench_now() - t0;
    if (r > 0 && t < best) best = t;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * N * N * N / best / 1e9;
}
