/* gru-blas-bits: does OpenBLAS's thread count change the bits of a small
 * sgemm? For each row count M (the batch, or T at batch 1 in the hoisted
 * input projection) of C[M x N] = A . B^T with N = 3H, K = I, it runs the
 * product in two children with OPENBLAS_NUM_THREADS=1 and =2 (read when
 * OpenBLAS loads) and prints the row counts whose outputs differ. This is
 * why GRU_PRODUCTS_BLAS's bits are BLAS's (docs/reliability.md).
 *   gru-blas-bits [N K [MMAX]]     (default 1152 384 40) */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next value in [-0.5, 0.5) of a linear congruential sequence. */
static float next_value(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (float)(*s >> 40) / 16777216.0f - 0.5f;
}

/* FNV-1a of C after one product with M rows, or sgemv when M is 1. */
static uint64_t product_digest(int m, int n, int k) {
  float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)n * k),
        *c = calloc((size_t)m * n, sizeof(float));
  if (!a || !b || !c) exit(2);
  uint64_t s = 88172645463325252u;
  for (size_t i = 0; i < (size_t)n * k; i++)
    b[i] = next_value(&s);
  for (size_t i = 0; i < (size_t)m * k; i++)
    a[i] = next_value(&s);
  if (m == 1)
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, b, k, a, 1, 0.0f, c, 1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
  uint64_t h = 0xcbf29ce484222325u;
  const unsigned char *p = (const unsigned char *)c;
  for (size_t i = 0; i < (size_t)m * n * sizeof *c; i++)
    h = (h ^ p[i]) * 0x100000001b3u;
  free(a);
  free(b);
  free(c);
  return h;
}

static uint64_t child_digest(const char *self, int threads, int m, int n, int k) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=%d '%s' --child %d %d %d", threads, self, m, n,
           k);
  FILE *p = popen(cmd, "r");
  unsigned long long v = 0;
  if (!p || fscanf(p, "%llx", &v) != 1) {
    fprintf(stderr, "gru-blas-bits: %s failed\n", cmd);
    exit(1);
  }
  pclose(p);
  return v;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "--child") == 0) {
    printf("%016llx\n",
           (unsigned long long)product_digest(atoi(argv[2]), atoi(argv[3]), atoi(argv[4])));
    return 0;
  }
  int n = argc > 2 ? atoi(argv[1]) : 1152, k = argc > 2 ? atoi(argv[2]) : 384;
  int mmax = argc > 3 ? atoi(argv[3]) : 40;
  if (n < 1 || k < 1 || mmax < 1) {
    fprintf(stderr, "usage: gru-blas-bits [N K [MMAX]]\n");
    return 2;
  }
  const char *core = getenv("OPENBLAS_CORETYPE");
  printf("N=%d K=%d, OPENBLAS_CORETYPE=%s, OpenBLAS 1 vs 2 threads differ at M:", n, k,
         core ? core : "(unset)");
  int differ = 0;
  for (int m = 1; m <= mmax; m++)
    if (child_digest(argv[0], 1, m, n, k) != child_digest(argv[0], 2, m, n, k)) {
      printf(" %d", m);
      differ++;
    }
  printf("\n%d of %d row counts differ\n", differ, mmax);
  return 0;
}
