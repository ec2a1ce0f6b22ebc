#include "blas.h"

#include <cblas.h>
#include <stdio.h>

#include "gru.h"

void gru__gemm_nt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                  size_t ldb, float beta, float *c, size_t ldc) {
  if (m == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.0f, b, (int)ldb, a, 1, beta, c, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b,
              (int)ldb, beta, c, (int)ldc);
}

gru_status gru_blas_info(char *buf, size_t size) {
  if (!buf) return GRU_ERR_NULL;
  if (size == 0) return GRU_ERR_SIZE;
#if defined(GRU_BLAS_OPENBLAS)
  int n = snprintf(buf, size, "OpenBLAS (%s) core=%s threads=%d", openblas_get_config(),
                   openblas_get_corename(), openblas_get_num_threads());
#else
  int n = snprintf(buf, size, "CBLAS (unknown implementation)");
#endif
  return n >= 0 && (size_t)n < size ? GRU_OK : GRU_ERR_BUFFER;
}
