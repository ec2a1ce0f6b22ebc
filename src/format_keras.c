/* keras.layers.GRU: kernel [I_k, 3H], recurrent_kernel [H, 3H], gates in
 * columns z|r|h; bias [3H] (reset_after=False, one bias per gate) or
 * [2, 3H] (reset_after=True: input biases, then recurrent). Its z weights
 * the old state, so z is negated on the way in and out. */
#include <string.h>

#include "format.h"

static size_t shape_kernel(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  shape[0] = gru__shape_input(s, k);
  shape[1] = 3 * s->hidden;
  return 2;
}

static size_t shape_recurrent(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  shape[0] = s->hidden;
  shape[1] = 3 * s->hidden;
  return 2;
}

static size_t shape_bias(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  if (s->variant == GRU_RESET_BEFORE) {
    shape[0] = 3 * s->hidden;
    return 1;
  }
  shape[0] = 2;
  shape[1] = 3 * s->hidden;
  return 2;
}

static const gru__stacking columns_zrh = {gru__order_zrh, true, true};

/* kernel's row j is input column j of every gate; recurrent_kernel's row j
 * is recurrent column j. */
static void copy_kernel(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                        size_t nrows) {
  gru__gates_copy(gru__weights_cell(w, k, d), w->shape.hidden, GRU__PART_X, columns_zrh, m, row0,
                  nrows, load);
}

static void copy_recurrent(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                           size_t nrows) {
  gru__gates_copy(gru__weights_cell(w, k, d), w->shape.hidden, GRU__PART_H, columns_zrh, m, row0,
                  nrows, load);
}

/* With reset_after=True bias is two rows, the input biases then the
 * recurrent ones. With reset_after=False it is one row, one bias per gate:
 * loading sets ours to it (recurrent side zero); reading back gives their
 * sum. */
static void copy_bias(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                      size_t nrows) {
  gru__cell *c = gru__weights_cell(w, k, d);
  size_t h = w->shape.hidden;
  if (w->shape.variant == GRU_RESET_AFTER) {
    for (size_t r = row0; r < row0 + nrows; r++, m += 3 * h)
      gru__bias_copy(r == 0 ? c->bx : c->bh, h, m, gru__order_zrh, true, load);
  } else if (nrows == 0) {
    return;
  } else if (load) {
    gru__bias_copy(c->bx, h, m, gru__order_zrh, true, true);
    memset(c->bh, 0, 3 * h * sizeof(float));
  } else {
    for (int g = 0; g < 3; g++)
      gru__bias_sum(c, h, g, m + (size_t)gru__order_zrh[g] * h, g == GRU__GATE_Z);
  }
}

static const gru__tensor_kind kinds[] = {
    {"kernel", true, GRU__BOTH_VARIANTS, shape_kernel, copy_kernel},
    {"recurrent_kernel", true, GRU__BOTH_VARIANTS, shape_recurrent, copy_recurrent},
    {"bias", true, GRU__BOTH_VARIANTS, shape_bias, copy_bias},
};

const gru__format gru__format_keras = {"Keras", GRU__BOTH_VARIANTS, false, kinds,
                                       sizeof kinds / sizeof kinds[0]};
