/* gemm.c -- picks the matrix-kernel table for an ISA. */
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
