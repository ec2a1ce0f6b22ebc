/* libgru's own layout, the equations of docs/math.md as written: W_r, W_z,
 * W_h [H, H + I_k] over [h, x]; b_r, b_z, b_h [H]; for reset-after also
 * b_hn [H], the bias inside r*(W_hh.h + b_hn). z is ours: no flip.
 *
 * Each b_g is the gate's whole bias: loading it sets the input-side bias
 * and clears the recurrent one; reading gives their sum. Reset-after's b_h
 * and b_hn map one to one. */
#include <string.h>

#include "format.h"

static size_t shape_w(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  shape[0] = s->hidden;
  shape[1] = s->hidden + gru__shape_input(s, k);
  return 2;
}

static size_t shape_b(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]) {
  (void)k;
  shape[0] = s->hidden;
  return 1;
}

/* W_g's row i is row i of gate g, recurrent columns then input ones: our
 * layout as it is. */
static void copy_gate(gru__weights *w, size_t k, size_t d, int gate, float *m, bool load,
                      size_t row0, size_t nrows) {
  gru__cell *c = gru__weights_cell(w, k, d);
  float *rows = c->w + ((size_t)gate * w->shape.hidden + row0) * c->ld;
  if (nrows == 0) return;
  memcpy(load ? rows : m, load ? m : rows, nrows * c->ld * sizeof(float));
  if (load) c->set |= 3u << (2 * gate);
}

/* A bias is one row. */
static void copy_bias(gru__weights *w, size_t k, size_t d, int gate, float *m, bool load,
                      size_t nrows) {
  gru__cell *c = gru__weights_cell(w, k, d);
  size_t h = w->shape.hidden, off = (size_t)gate * h;
  bool separate = gate == GRU__GATE_N && w->shape.variant == GRU_RESET_AFTER;
  if (nrows == 0) return;
  if (!load) {
    if (separate)
      memcpy(m, c->bx + off, h * sizeof(float));
    else
      gru__bias_sum(c, h, gate, m, false);
    return;
  }
  memcpy(c->bx + off, m, h * sizeof(float));
  if (!separate) memset(c->bh + off, 0, h * sizeof(float));
}

static void copy_b_hn(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0,
                      size_t nrows) {
  gru__cell *c = gru__weights_cell(w, k, d);
  float *bhn = c->bh + 2 * w->shape.hidden;
  (void)row0;
  if (nrows) memcpy(load ? bhn : m, load ? m : bhn, w->shape.hidden * sizeof(float));
}

#define GATE_COPIES(g, name)                                                                       \
  static void copy_w_##name(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0, \
                            size_t nrows) {                                                        \
    copy_gate(w, k, d, g, m, load, row0, nrows);                                                   \
  }                                                                                                \
  static void copy_b_##name(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0, \
                            size_t nrows) {                                                        \
    (void)row0;                                                                                    \
    copy_bias(w, k, d, g, m, load, nrows);                                                         \
  }
GATE_COPIES(GRU__GATE_R, r)
GATE_COPIES(GRU__GATE_Z, z)
GATE_COPIES(GRU__GATE_N, h)

#define AFTER GRU__VARIANT_BIT(GRU_RESET_AFTER)

static const gru__tensor_kind kinds[] = {
    {"W_r", true, GRU__BOTH_VARIANTS, shape_w, copy_w_r},
    {"W_z", true, GRU__BOTH_VARIANTS, shape_w, copy_w_z},
    {"W_h", true, GRU__BOTH_VARIANTS, shape_w, copy_w_h},
    {"b_r", true, GRU__BOTH_VARIANTS, shape_b, copy_b_r},
    {"b_z", true, GRU__BOTH_VARIANTS, shape_b, copy_b_z},
    {"b_h", true, GRU__BOTH_VARIANTS, shape_b, copy_b_h},
    {"b_hn", true, AFTER, shape_b, copy_b_hn},
};

const gru__format gru__format_concat = {"concatenated", GRU__BOTH_VARIANTS, false, kinds,
                                        sizeof kinds / sizeof kinds[0]};
