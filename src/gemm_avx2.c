/* gemm_avx2.c -- the AVX2 matrix kernels (built with -mavx2 -mfma): a
 * panel line is two of the sixteen ymm registers, so a tile is four rows
 * by one panel (eight accumulators), or one row by four panels. */
#include "vec_avx2.h"

#define GRU_GEMM_TABLE gru__gemm_avx2
#define GRU_GEMM_ISA GRU_ISA_AVX2
#define GEMM_MR 4
#define GEMM_PN 1
#define GEMM_PN1 4
#include "gemm_impl.h"
