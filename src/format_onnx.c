/* The ONNX GRU operator: W [D, 3H, I_k], R [D, 3H, H], B [D, 6H] (the
 * input biases, then the recurrent ones), gates z|r|h; the variant is its
 * linear_before_reset. One tensor holds every direction. Its z weights the
 * old state, so z is negated on the way in and out. */
#include "format.h"

static size_t shape_w(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  shape[0] = s->dirs;
  shape[1] = 3 * s->hidden;
  shape[2] = gru__shape_input(s, k);
  return 3;
}

static size_t shape_r(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  shape[0] = s->dirs;
  shape[1] = 3 * s->hidden;
  shape[2] = s->hidden;
  return 3;
}

static size_t shape_b(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  shape[0] = s->dirs;
  shape[1] = 6 * s->hidden;
  return 2;
}

static const gru__stacking rows_zrh = {gru__order_zrh, true, false};

/* W and R as D * 3H rows: direction dir's 3H rows go to its cell. */
static void copy_matrix(gru__weights *w, size_t k, int part, float *m, size_t row0, size_t nrows,
                        bool load) {
  size_t h = w->shape.hidden, end = row0 + nrows;
  for (size_t d = 0; d < w->shape.dirs; d++) {
    gru__cell *c = gru__weights_cell(w, k, d);
    size_t width = part == GRU__PART_H ? h : c->input;
    size_t first = d * 3 * h, last = first + 3 * h; /* this direction's rows */
    if (first < row0) first = row0;
    if (last > end) last = end;
    if (first < last)
      gru__gates_copy(c, h, part, rows_zrh, m + (first - row0) * width, first - d * 3 * h,
                      last - first, load);
  }
}

static void copy_w(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                   size_t nrows) {
  (void)d;
  copy_matrix(w, k, GRU__PART_X, m, row0, nrows, load);
}

static void copy_r(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                   size_t nrows) {
  (void)d;
  copy_matrix(w, k, GRU__PART_H, m, row0, nrows, load);
}

/* B: row dir holds that direction's input biases, then its recurrent. */
static void copy_b(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                   size_t nrows) {
  (void)d;
  size_t h = w->shape.hidden;
  for (size_t dir = row0; dir < row0 + nrows; dir++, m += 6 * h) {
    gru__cell *c = gru__weights_cell(w, k, dir);
    gru__bias_copy(c->bx, h, m, gru__order_zrh, true, load);
    gru__bias_copy(c->bh, h, m + 3 * h, gru__order_zrh, true, load);
  }
}

static const gru__tensor_kind kinds[] = {
    {"W", false, GRU__BOTH_VARIANTS, shape_w, copy_w},
    {"R", false, GRU__BOTH_VARIANTS, shape_r, copy_r},
    {"B", false, GRU__BOTH_VARIANTS, shape_b, copy_b},
};

const gru__format gru__format_onnx = {"ONNX", GRU__BOTH_VARIANTS, false, kinds,
                                      sizeof kinds / sizeof kinds[0]};
