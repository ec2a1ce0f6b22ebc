/* kernels.c -- picks the kernel table for an ISA. */
#include "kernels.h"

const gru__kernels *gru__kernels_for(gru_isa isa) {
  /* Entries this build lacks stay NULL and fall back to scalar. */
  static const gru__kernels *const tables[] = {
      [GRU_ISA_SCALAR] = &gru__kernels_scalar,
#ifdef GRU_HAVE_X86
      [GRU_ISA_AVX2] = &gru__kernels_avx2,
      [GRU_ISA_AVX512] = &gru__kernels_avx512,
#endif
  };
  size_t i = (size_t)isa;
  if (i < sizeof tables / sizeof tables[0] && tables[i]) return tables[i];
  return &gru__kernels_scalar;
}
