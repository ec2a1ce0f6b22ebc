/* PyTorch's nn.GRU and nn.GRUCell: weight_ih [3H, I_k], weight_hh [3H, H],
 * bias_ih and bias_hh [3H], rows r|z|n; reset-after only. Its z weights
 * the old state, so the z rows are negated on the way in and out. */
#include "format.h"

static size_t shape_ih(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  shape[0] = 3 * s->hidden;
  shape[1] = gru__shape_input(s, k);
  return 2;
}

static size_t shape_hh(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  shape[0] = 3 * s->hidden;
  shape[1] = s->hidden;
  return 2;
}

static size_t shape_bias(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  shape[0] = 3 * s->hidden;
  return 1;
}

static const gru__stacking rows_rzn = {gru__order_rzn, true, false};

static void copy_ih(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                    size_t nrows) {
  gru__gates_copy(gru__weights_cell(w, k, d), w->shape.hidden, GRU__PART_X, rows_rzn, m, row0,
                  nrows, load);
}

static void copy_hh(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                    size_t nrows) {
  gru__gates_copy(gru__weights_cell(w, k, d), w->shape.hidden, GRU__PART_H, rows_rzn, m, row0,
                  nrows, load);
}

/* A bias is one row. */
static void copy_bias_ih(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                         size_t nrows) {
  (void)row0;
  if (nrows)
    gru__bias_copy(gru__weights_cell(w, k, d)->bx, w->shape.hidden, m, gru__order_rzn, true, load);
}

static void copy_bias_hh(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                         size_t nrows) {
  (void)row0;
  if (nrows)
    gru__bias_copy(gru__weights_cell(w, k, d)->bh, w->shape.hidden, m, gru__order_rzn, true, load);
}

#define AFTER GRU__VARIANT_BIT(GRU_RESET_AFTER)

static const gru__tensor_kind kinds[] = {
    {"weight_ih", true, AFTER, shape_ih, copy_ih},
    {"weight_hh", true, AFTER, shape_hh, copy_hh},
    {"bias_ih", true, AFTER, shape_bias, copy_bias_ih},
    {"bias_hh", true, AFTER, shape_bias, copy_bias_hh},
};

const gru__format gru__format_torch = {"PyTorch", AFTER, true, kinds,
                                       sizeof kinds / sizeof kinds[0]};
