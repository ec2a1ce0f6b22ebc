/* gemm.h -- libgru's own matrix kernels for the per-step products, one
 * table per ISA (gemm_impl.h compiled by gemm_<isa>.c).
 *
 * They multiply rows of activations (a hidden state, an input) by weights
 * packed into panels (pack.h). Each output is one chain of fused
 * multiply-adds over k = 0, 1, ..., K-1 in that order, started from zero:
 * its value does not depend on the batch, on the tile it fell in, on the
 * panels a thread was given, or on the vector width. So AVX2 and AVX-512
 * agree bit for bit and any slicing of the outputs between threads gives
 * the same bits. The scalar table rounds each multiply and add apart where
 * the CPU has no fused multiply-add (vec_scalar.h), like its elementwise
 * kernels. */
#ifndef GRU_GEMM_H
#define GRU_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"
#include "pack.h"

typedef struct gru__gemm {
  gru_isa isa;
  /* For rows m < rows and the outputs j of panels [p0, p1) of w (j <
   * w->outputs): c[m*ldc + j] = sum over k of a[m*lda + k] * weight(j, k).
   * Writes nothing else; c may not overlap a. backwards visits the panels
   * from the last to the first (the same results): a caller alternating
   * directions from call to call finds the panels it read last still in
   * cache when they are more than the cache holds. */
  void (*panels)(const gru__panels *w, size_t p0, size_t p1, size_t rows, const float *a,
                 size_t lda, float *c, size_t ldc, bool backwards);
} gru__gemm;

extern const gru__gemm gru__gemm_scalar;
#ifdef GRU_HAVE_X86
extern const gru__gemm gru__gemm_avx2;
extern const gru__gemm gru__gemm_avx512;
#endif

/* The table for isa; the scalar table for an ISA this build lacks. */
const gru__gemm *gru__gemm_for(gru_isa isa);

/* k->panels() over panels [p0, p1) of each of gates [g0, g1) of w (a
 * packed cell's h or x), gate g's outputs at c + gH; backwards takes the
 * gates in reverse too. Over all the panels, gates that are one matrix
 * (gru__gates_as_one) go as one: the kernels' groups of panels then run across
 * the gates' ends, with no short group at the end of each gate. */
void gru__gate_products(const gru__gemm *k, const gru__panels *w, size_t g0, size_t g1, size_t p0,
                        size_t p1, size_t rows, const float *a, size_t lda, float *c, size_t ldc,
                        bool backwards);

#endif
