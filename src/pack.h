/* pack.h -- the recurrent and input weights of a cell, repacked once when
 * a layer is built for libgru's own matrix kernels (gemm.h).
 *
 * A panelled matrix holds N outputs x K inputs as panels of GRU__PANEL
 * outputs: panel p is K rows of GRU__PANEL floats, element (k, l) being
 * weight (16p + l, k); outputs past N are zero. So a kernel reads one
 * panel as one contiguous stream, one 64-byte line per k, and a worker
 * thread that owns a run of panels reads only its own lines: its share of
 * the weights stays in its core's L2 from step to step. */
#ifndef GRU_PACK_H
#define GRU_PACK_H

#include <stddef.h>

#include "weights.h"

/* Outputs per panel: one AVX-512 vector, two AVX2 vectors, one cache line. */
#define GRU__PANEL 16

typedef struct gru__panels {
  const float *data; /* panels() * depth * GRU__PANEL floats */
  size_t outputs;    /* N */
  size_t depth;      /* K */
} gru__panels;

static inline size_t gru__panel_count(size_t outputs) {
  return (outputs + GRU__PANEL - 1) / GRU__PANEL;
}

static inline const float *gru__panel(const gru__panels *m, size_t p) {
  return m->data + p * m->depth * GRU__PANEL;
}

/* One cell's weights per gate (r, z, n): h over the recurrent columns
 * (K = H), x over the input columns (K = I_k). The three gates' panels
 * follow each other, so when H is a multiple of GRU__PANEL (no padding
 * between gates) they are also one matrix of 3H outputs, gate g's output
 * j being output gH + j (gru__gates_as_one() below): a product over all the
 * gates' panels then runs as one, its groups crossing the gates' ends. */
typedef struct gru__packed_cell {
  gru__panels h[3];
  gru__panels x[3];
} gru__packed_cell;

/* Gates [g0, g1) of m (the h or x of a packed cell) as one matrix, its
 * outputs from g0's first; false when H is not a multiple of GRU__PANEL. */
static inline bool gru__gates_as_one(const gru__panels *m, size_t g0, size_t g1, gru__panels *out) {
  if (m->outputs % GRU__PANEL) return false;
  *out = (gru__panels){m[g0].data, (g1 - g0) * m->outputs, m->depth};
  return true;
}

/* Floats the packed weights of every cell of s take; false on overflow. */
bool gru__pack_floats(const gru__shape *s, size_t *floats);

/* Packs every cell of w into dst (gru__pack_floats() floats, 64-byte
 * aligned) and fills cells[layers * dirs]. A copy: exact. */
void gru__pack(const gru__weights *w, float *dst, gru__packed_cell *cells);

#endif
