/* builder.h -- the mutable handle that collects a GRU's shape, options and
 * weights before they become an immutable layer. */
#ifndef GRU_BUILDER_H
#define GRU_BUILDER_H

#include <stdbool.h>

#include "error.h"
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

#endif
