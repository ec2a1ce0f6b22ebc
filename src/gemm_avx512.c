/* gemm_avx512.c -- the AVX-512 matrix kernels (built with -mavx512f ...):
 * of the 32 zmm registers, a tile of eight rows by three panels keeps 24
 * accumulators, and one row runs eight panels at once. */
#include "vec_avx512.h"

#define GRU_GEMM_TABLE gru__gemm_avx512
#define GRU_GEMM_ISA GRU_ISA_AVX512
#define GEMM_MR 8
#define GEMM_PN 3
#define GEMM_PN1 8
#include "gemm_impl.h"
