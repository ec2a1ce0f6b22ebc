/* reference.h -- a plain-C, double-precision GRU written straight from the
 * equations of docs/math.md, for the tests to compare libgru against. It
 * shares no code with the library. */
#ifndef GRU_TEST_REFERENCE_H
#define GRU_TEST_REFERENCE_H

#include <stddef.h>

#include "gru.h"

/* Weights in the concatenated layout, our convention (z weights the
 * candidate). Cell c = layer*D + direction. */
typedef struct ref_weights {
  gru_variant variant;
  gru_direction direction;
  size_t layers, input, hidden;
  const float *const *w;   /* [cells*3]: W_r, W_z, W_h, each H x (H + I_k) */
  const float *const *b;   /* [cells*3] or NULL; an entry may be NULL: zero */
  const float *const *bhn; /* [cells] or NULL: reset-after's b_hn */
} ref_weights;

size_t ref_dirs(const ref_weights *w);
size_t ref_output(const ref_weights *w);
size_t ref_layer_input(const ref_weights *w, size_t layer);

/* Runs the whole GRU. x is time-major [T, B, I]; h0 is [L*D, B, H] or NULL;
 * lengths is [B] or NULL. Writes y [T, B, output] and hn [L*D, B, H]. */
void ref_run(const ref_weights *w, size_t steps, size_t batch, const float *x, const float *h0,
             const size_t *lengths, double *y, double *hn);

#endif
