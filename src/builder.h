/* builder.h -- the mutable handle that collects a GRU's shape, options and
 * weights before they become an immutable layer. */
#ifndef GRU_BUILDER_H
#define GRU_BUILDER_H

#include <stdbool.h>

#include "error.h"
#include "format.h"
#include "gru.h"
#include "memory.h"
#include "weights.h"

struct gru_builder {
  gru__allocator alloc;
  bool has_shape;
  gru__shape shape;
  gru__weights weights; /* no block yet, or moved into a layer */
  gru_isa isa_cap;
  gru_products products;
  char error[GRU__ERROR_SIZE];
};

/* Sets rows [row0, row0 + nrows) of tensor t (gru__shape_rows of its
 * shape), rows pointing at row row0: gru_builder_set_tensor for a slice,
 * for callers that have checked t's shape against the builder's and set
 * the shape (so the weights are there). Cannot fail. */
void gru__builder_set_rows(gru_builder *b, const gru__tensor *t, const float *rows, size_t row0,
                           size_t nrows);

#endif
