/* kernels_avx512.c -- the AVX-512 kernel table (built with -mavx512*, used
 * only when the CPU and OS have AVX-512): kernels_impl.h over vec_avx512.h. */
#include "vec_avx512.h"

#define GRU_KERNELS_TABLE gru__kernels_avx512
#define GRU_KERNELS_ISA GRU_ISA_AVX512
#include "kernels_impl.h"
