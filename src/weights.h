/* weights.h -- the shape of a GRU and its weights in canonical form.
 *
 * Canonical form, per cell (one layer, one direction): W [3H, H + I_k],
 * rows r|z|n, each row the recurrent columns [0, H) then the input columns
 * [H, H + I_k); biases bx (input side) and bh (recurrent side), 3H each,
 * kept apart so every format reads back exactly. z is libgru's z (weights
 * the candidate): formats with the other convention negate it on the way
 * in and out. */
#ifndef GRU_WEIGHTS_H
#define GRU_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"
#include "memory.h"

enum { GRU__GATE_R = 0, GRU__GATE_Z = 1, GRU__GATE_N = 2 };
enum { GRU__PART_H = 0, GRU__PART_X = 1 };

typedef struct gru__shape {
  gru_variant variant;
  gru_direction direction;
  size_t layers;
  size_t dirs;   /* 1 or 2 */
  size_t input;  /* I of layer 0 */
  size_t hidden; /* H */
  size_t output; /* width of a layer's output row: H or 2H */
} gru__shape;

/* Checks and fills a shape. On failure writes a message to error. */
gru_status gru__shape_init(gru__shape *s, gru_variant variant, gru_direction direction,
                           size_t layers, size_t input, size_t hidden, char *error);

/* Input width of layer k. */
static inline size_t gru__shape_input(const gru__shape *s, size_t k) {
  return k == 0 ? s->input : s->output;
}

/* True if direction d of the shape runs from the last step to the first. */
static inline bool gru__shape_reversed(const gru__shape *s, size_t d) {
  return s->direction == GRU_REVERSE || d == 1;
}

typedef struct gru__cell {
  size_t input; /* I_k */
  size_t ld;    /* H + I_k, the row length of w */
  float *w;     /* [3H][ld] */
  float *bx;    /* [3H] */
  float *bh;    /* [3H] */
  unsigned set; /* which (gate, part) blocks of w were given: bit 2g+p */
} gru__cell;

#define GRU__CELL_COMPLETE 0x3fu

typedef struct gru__weights {
  gru__shape shape;
  gru__cell *cells; /* [layers * dirs], cell of (k, d) at k*dirs + d */
  void *block;      /* one allocation holding cells and all floats */
  size_t bytes;
} gru__weights;

/* Allocates zeroed weights for shape s. */
gru_status gru__weights_alloc(gru__weights *w, const gru__shape *s, const gru__allocator *a);
void gru__weights_free(gru__weights *w, const gru__allocator *a);

static inline gru__cell *gru__weights_cell(const gru__weights *w, size_t k, size_t d) {
  return &w->cells[k * w->shape.dirs + d];
}

#endif
