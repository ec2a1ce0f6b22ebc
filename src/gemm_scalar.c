/* gemm_scalar.c -- the portable matrix kernels: gemm_impl.h over
 * vec_scalar.h. One row by one panel (sixteen accumulators) is as much as
 * a baseline compiler keeps in registers. */
#include "vec_scalar.h"

#define GRU_GEMM_TABLE gru__gemm_scalar
#define GRU_GEMM_ISA GRU_ISA_SCALAR
#define GEMM_MR 1
#define GEMM_PN 1
#define GEMM_PN1 1
#include "gemm_impl.h"
