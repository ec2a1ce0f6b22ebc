/* libgru's own matrix kernels (src/gemm.h) on packed panels (src/pack.h):
 * each output must be exactly the chain of multiply-adds over k in order
 * that gemm.h promises -- fused on AVX2 and AVX-512, as vec_scalar.h does
 * it on the scalar path -- whatever the rows, the panel range, the tile a
 * value falls in, the rows its tile got (a batch is dealt into tiles of
 * sizes differing by one), the blocks its k loop ran in (depths past
 * GEMM_KC: 128 on AVX-512, 512 on AVX2) or the ISA; and nothing outside
 * the outputs may be written. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gemm.h"
#include "support.h"

/* The chain gemm.h describes, one multiply-add per k. */
static float chain(const gru__gemm *g, const float *w, const float *a, size_t k) {
  float acc = 0.0f;
  for (size_t i = 0; i < k; i++) {
    if (g->isa == GRU_ISA_SCALAR) {
#ifdef FP_FAST_FMAF
      acc = fmaf(w[i], a[i], acc);
#else
      volatile float product = w[i] * a[i]; /* rounded apart, as the kernel */
      acc = product + acc;
#endif
    } else {
      acc = fmaf(w[i], a[i], acc);
    }
  }
  return acc;
}

/* Packs w [n][k] as gru__pack does one gate. */
static float *pack(const float *w, size_t n, size_t k) {
  size_t panels = gru__panel_count(n);
  float *p = calloc(panels * k * GRU__PANEL, sizeof *p);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < k; i++)
      p[(j / GRU__PANEL) * k * GRU__PANEL + i * GRU__PANEL + j % GRU__PANEL] = w[j * k + i];
  return p;
}

static void check(const gru__gemm *g, size_t n, size_t k, size_t rows, size_t p0, size_t p1,
                  uint64_t *seed) {
  size_t lda = k + 3, ldc = n + 5;
  float *w = malloc(n * k * sizeof *w), *a = malloc(rows * lda * sizeof *a);
  float *c = malloc(rows * ldc * sizeof *c);
  test_fill(w, n * k, seed, 1.0f);
  test_fill(a, rows * lda, seed, 1.0f);
  for (size_t i = 0; i < rows * ldc; i++)
    c[i] = NAN;
  float *packed = pack(w, n, k);
  gru__panels m = {packed, n, k};
  g->panels(&m, p0, p1, rows, a, lda, c, ldc, rows % 2 == 0);
  size_t j0 = p0 * GRU__PANEL, j1 = p1 * GRU__PANEL < n ? p1 * GRU__PANEL : n;
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < ldc; j++) {
      float got = c[r * ldc + j];
      if (j < j0 || j >= j1) {
        assert_true(isnan(got)); /* not written */
        continue;
      }
      float want = chain(g, w + j * k, a + r * lda, k);
      if (memcmp(&got, &want, sizeof got) != 0)
        fail_msg("%s: n=%zu k=%zu rows=%zu panels [%zu, %zu): c[%zu][%zu] = %a, want %a",
                 gru_isa_name(g->isa), n, k, rows, p0, p1, r, j, got, want);
    }
  free(packed);
  free(c);
  free(a);
  free(w);
}

static void test_exact_chains(void **state) {
  (void)state;
  static const size_t outputs[] = {1, 5, 16, 17, 40, 100, 161};
  static const size_t depths[] = {1, 7, 16, 33, 129, 300, 1100};
  uint64_t seed = 1;
  gru_isa isas[3];
  size_t n_isa = test_isas(isas), cases = 0;
  for (size_t i = 0; i < n_isa; i++) {
    const gru__gemm *g = gru__gemm_for(isas[i]);
    assert_int_equal(g->isa, isas[i]);
    for (size_t o = 0; o < sizeof outputs / sizeof outputs[0]; o++)
      for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++)
        for (size_t rows = 1; rows <= 19; rows += rows < 10 ? 1 : 9) {
          size_t panels = gru__panel_count(outputs[o]);
          check(g, outputs[o], depths[d], rows, 0, panels, &seed);
          if (panels > 2) check(g, outputs[o], depths[d], rows, 1, panels - 1, &seed);
          cases += 1 + (panels > 2);
        }
  }
  print_message("%zu products, exact on %zu ISA(s)\n", cases, n_isa);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_chains),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
