/* kernels_avx2.c -- the AVX2 + FMA kernel table (built with -mavx2 -mfma,
 * used only when the CPU has both): kernels_impl.h over vec_avx2.h. */
#include "vec_avx2.h"

#define GRU_KERNELS_TABLE gru__kernels_avx2
#define GRU_KERNELS_ISA GRU_ISA_AVX2
#include "kernels_impl.h"
