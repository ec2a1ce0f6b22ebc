/* kernels_scalar.c -- the portable kernel table, for every CPU:
 * kernels_impl.h over vec_scalar.h. */
#include "vec_scalar.h"

#define GRU_KERNELS_TABLE gru__kernels_scalar
#define GRU_KERNELS_ISA GRU_ISA_SCALAR
#include "kernels_impl.h"
