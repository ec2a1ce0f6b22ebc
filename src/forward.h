/* forward.h -- the forward pass over a sequence's rows. */
#ifndef GRU_FORWARD_H
#define GRU_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

#include "sequence.h"

/* Where row (t, b) of a [T, B, .] or [B, T, .] tensor starts:
 * base + (t*t_step + b*b_step) * stride. Input views are only read. */
typedef struct gru__rows {
  float *base;
  size_t stride;
  size_t t_step;
  size_t b_step;
} gru__rows;

static inline float *gru__row(const gru__rows *r, size_t t, size_t b) {
  return r->base + (t * r->t_step + b * r->b_step) * r->stride;
}

/* Runs steps x batch through every layer and direction (arguments already
 * checked). y.base may be NULL: then only the state is computed. With
 * split, y holds each direction's rows apart, as [T, D, B, H]. */
void gru__forward(gru_sequence *q, size_t steps, size_t batch, const gru__rows *x,
                  const gru__rows *y, const size_t *lengths, bool split);

#endif
