#include "pack.h"

#include <string.h>

/* Floats of one gate's panels over k columns. */
static bool gate_floats(size_t h, size_t k, size_t *out) {
  return gru__mul3(gru__panel_count(h), k, GRU__PANEL, out);
}

bool gru__pack_floats(const gru__shape *s, size_t *floats) {
  size_t total = 0;
  for (size_t k = 0; k < s->layers; k++) {
    size_t fh, fx, cell;
    if (!gate_floats(s->hidden, s->hidden, &fh) ||
        !gate_floats(s->hidden, gru__shape_input(s, k), &fx) || !gru__add(fh, fx, &cell) ||
        !gru__mul3(cell, 3, s->dirs, &cell) || !gru__add(total, cell, &total))
      return false;
  }
  *floats = total;
  return true;
}

/* Panels of rows [0, n) of w (row length ld), columns [col, col + k). */
static gru__panels pack_block(const float *w, size_t ld, size_t n, size_t col, size_t k,
                              float *dst) {
  size_t panels = gru__panel_count(n);
  memset(dst, 0, panels * k * GRU__PANEL * sizeof *dst);
  for (size_t j = 0; j < n; j++) {
    float *panel = dst + (j / GRU__PANEL) * k * GRU__PANEL + j % GRU__PANEL;
    const float *row = w + j * ld + col;
    for (size_t i = 0; i < k; i++)
      panel[i * GRU__PANEL] = row[i];
  }
  return (gru__panels){dst, n, k};
}

void gru__pack(const gru__weights *w, float *dst, gru__packed_cell *cells) {
  const gru__shape *s = &w->shape;
  size_t h = s->hidden;
  for (size_t c = 0; c < s->layers * s->dirs; c++) {
    const gru__cell *cell = &w->cells[c];
    for (size_t g = 0; g < 3; g++) { /* the gates' h, one after another */
      cells[c].h[g] = pack_block(cell->w + g * h * cell->ld, cell->ld, h, 0, h, dst);
      dst += gru__panel_count(h) * h * GRU__PANEL;
    }
    for (size_t g = 0; g < 3; g++) { /* then their x */
      cells[c].x[g] = pack_block(cell->w + g * h * cell->ld, cell->ld, h, h, cell->input, dst);
      dst += gru__panel_count(h) * cell->input * GRU__PANEL;
    }
  }
}
