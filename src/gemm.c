/* gemm.c -- picks the matrix-kernel table for an ISA, and runs a packed
 * cell's gates through it. */
#include "gemm.h"

const gru__gemm *gru__gemm_for(gru_isa isa) {
  /* Entries this build lacks stay NULL and fall back to scalar. */
  static const gru__gemm *const tables[] = {
      [GRU_ISA_SCALAR] = &gru__gemm_scalar,
#ifdef GRU_HAVE_X86
      [GRU_ISA_AVX2] = &gru__gemm_avx2,
      [GRU_ISA_AVX512] = &gru__gemm_avx512,
#endif
  };
  size_t i = (size_t)isa;
  if (i < sizeof tables / sizeof tables[0] && tables[i]) return tables[i];
  return &gru__gemm_scalar;
}

void gru__gate_products(const gru__gemm *k, const gru__panels *w, size_t g0, size_t g1, size_t p0,
                        size_t p1, size_t rows, const float *a, size_t lda, float *c, size_t ldc,
                        bool backwards) {
  size_t h = w->outputs, panels = gru__panel_count(h);
  gru__panels all;
  if (p0 == 0 && p1 == panels && gru__gates_as_one(w, g0, g1, &all)) {
    k->panels(&all, 0, (g1 - g0) * panels, rows, a, lda, c + g0 * h, ldc, backwards);
    return;
  }
  for (size_t i = g0; i < g1; i++) {
    size_t g = backwards ? g1 - 1 - (i - g0) : i;
    k->panels(&w[g], p0, p1, rows, a, lda, c + g * h, ldc, backwards);
  }
}
