/* gemm_avx2.c -- the AVX2 matrix kernels (built with -mavx2 -mfma): a
 * panel line is two of the sixteen ymm registers, so a tile is six rows
 * by one panel (twelve accumulators, two weight lines and a broadcast:
 * fifteen registers), or one row by four panels.
 *
 * Tuned on an AMD EPYC (Zen 3: two 256-bit fma pipes of latency 4, 32 KiB
 * L1) with paired runs of bench/gru-ab against four rows (eight chains,
 * no slack for the latency) and k blocks of 128: six rows and blocks of
 * 512 (one panel's 512 k is 32 KiB) took 6% off d's steps on one and two
 * threads, 3-5% off e's, 2% off b's and c's (their hoists). Blocks of 64
 * and 96 were slower than 128, and 256 between 128 and 512.
 *
 * Two rows take two panels a tile (eight accumulators, not four): 11% off
 * a step at I = H = 512, B = 2 on one thread, 18% on two. Three panels
 * for two rows, or two for three rows, run out of registers: 9% and 33%
 * slower. */
#include "vec_avx2.h"

#define GRU_GEMM_TABLE gru__gemm_avx2
#define GRU_GEMM_ISA GRU_ISA_AVX2
#define GEMM_MR 6
#define GEMM_PN 1
#define GEMM_PN1 4
#define GEMM_KC 512
#define GEMM_FEW(F) F(2, 2)
#include "gemm_impl.h"
