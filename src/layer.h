/* layer.h -- the immutable weights of a built GRU, and what the forward
 * pass derives from them once. */
#ifndef GRU_LAYER_H
#define GRU_LAYER_H

#include "gemm.h"
#include "gru.h"
#include "kernels.h"
#include "memory.h"
#include "weights.h"

struct gru_layer {
  gru__allocator alloc;
  gru__weights weights;
  /* Per cell, the bias each gate's kernel adds: bx + bh for r and z (both
   * sit outside the activation), and for n bx + bh (reset-before) or bx
   * alone (reset-after, whose bh_n is added inside r*(...)). [cells][3H]. */
  float *bias;
  gru_isa isa;
  const gru__kernels *kernels;
  gru_products products;
  const gru__gemm *gemm;
  gru__packed_cell *packed; /* [cells] (pack.h); NULL on the BLAS path */
  size_t ahead_bytes;       /* half a core's L2, or 0 if unknown (hoist.h) */
  size_t own_bytes;         /* the allocation holding this struct, bias and packed */
};

/* Creates a layer that takes over weights (complete, checked) on success;
 * on failure weights stay with the caller. */
gru_status gru__layer_create(gru_layer **out, const gru__allocator *alloc, gru__weights *weights,
                             gru_isa isa, gru_products products);

/* Bytes the layer holds. */
size_t gru__layer_bytes(const gru_layer *layer);

/* The cell of layer k, direction d, and its bias. */
static inline const gru__cell *gru__layer_cell(const gru_layer *l, size_t k, size_t d) {
  return gru__weights_cell(&l->weights, k, d);
}

static inline const float *gru__layer_bias(const gru_layer *l, size_t k, size_t d) {
  return l->bias + (k * l->weights.shape.dirs + d) * 3 * l->weights.shape.hidden;
}

#endif
