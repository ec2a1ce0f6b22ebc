#include "hoist.h"

#include "blas.h"

/* Panels of one gate in a piece: a tile of panels of the AVX-512 kernels. */
#define AHEAD_PANELS 3

void gru__input_products(const gru__pass *p, const float *a, size_t lda, size_t rows, float *c,
                         const gru__share *s, bool backwards) {
  size_t h = p->q->layer->weights.shape.hidden;
  const gru__cell *cell = p->cell;
  if (!p->packed) {
    gru__gemm_nt(rows, 3 * h, cell->input, a, lda, cell->w + h, cell->ld, 0.0f, c, 3 * h);
    return;
  }
  gru__gate_products(p->q->layer->gemm, p->packed->x, 0, 3, s->p0, s->p1, rows, a, lda, c, 3 * h,
                     backwards);
}

/* Whether the thread's hoist goes in pieces (hoist.h). */
static bool goes_ahead(const gru__pass *p, size_t n, const gru__team *team, const gru__share *s) {
  if (!p->packed || team->threads == 1 || s->rows || p->batch != 1 || n <= GRU__AHEAD_ROWS)
    return false;
  size_t depth = p->packed->x[0].depth + p->packed->h[0].depth;
  return 3 * (s->u1 - s->u0) * depth * sizeof(float) <= p->q->layer->ahead_bytes;
}

static size_t per_block(const gru__ahead *a) { return 3 * a->groups; }

/* Piece i: block i / per_block of rows, counted from the end of the chunk
 * when the pass runs backwards in time, then gate, then panel group. */
static void piece(const gru__ahead *a, size_t i) {
  const gru__pass *p = a->p;
  size_t block = i / per_block(a), g = i % per_block(a) / a->groups, j = i % a->groups;
  size_t r0 = block * GRU__AHEAD_ROWS,
         r1 = a->n - r0 < GRU__AHEAD_ROWS ? a->n : r0 + GRU__AHEAD_ROWS;
  if (p->reverse) {
    size_t end = a->n - r0;
    r0 = a->n - r1;
    r1 = end;
  }
  size_t pa = a->p0 + j * AHEAD_PANELS, pb = a->p1 - pa < AHEAD_PANELS ? a->p1 : pa + AHEAD_PANELS;
  size_t h = p->q->layer->weights.shape.hidden, lda = p->in.stride;
  const float *x = gru__row(&p->in, a->t0, 0) + r0 * lda;
  p->q->layer->gemm->panels(&p->packed->x[g], pa, pb, r1 - r0, x, lda,
                            p->q->gx + r0 * 3 * h + g * h, 3 * h, false);
}

bool gru__ahead_piece(void *arg) {
  gru__ahead *a = arg;
  if (a->done == a->total) return false;
  piece(a, a->done++);
  return true;
}

void gru__ahead_until(gru__ahead *a, size_t i) {
  size_t need = (i / GRU__AHEAD_ROWS + 1) * per_block(a);
  while (a->done < need && a->done < a->total)
    piece(a, a->done++);
}

gru__hoisted gru__hoist(const gru__pass *p, size_t t0, size_t n, const gru__team *team,
                        gru__ahead *ahead) {
  gru_sequence *q = p->q;
  size_t h3 = 3 * q->layer->weights.shape.hidden, b = p->batch;
  gru__share s = gru__slice(p, team);
  *ahead = (gru__ahead){.p = p, .t0 = t0, .n = n, .p0 = s.p0, .p1 = s.p1};
  if (goes_ahead(p, n, team, &s)) {
    ahead->groups = (s.p1 - s.p0 + AHEAD_PANELS - 1) / AHEAD_PANELS;
    ahead->total = (n + GRU__AHEAD_ROWS - 1) / GRU__AHEAD_ROWS * per_block(ahead);
    gru__ahead_until(ahead, 0);
    return (gru__hoisted){1, n};
  }
  const gru__rows *in = &p->in;
  bool time_major = in->t_step == b * in->b_step, all = s.r1 - s.r0 == b;
  if (all && (time_major || n == p->steps || b == 1)) {
    gru__input_products(p, gru__row(in, t0, 0), in->stride, n * b, q->gx, &s, false);
    return time_major ? (gru__hoisted){b, 1} : (gru__hoisted){1, n};
  }
  if (time_major) { /* the share's rows, step by step */
    for (size_t tt = 0; tt < n; tt++)
      gru__input_products(p, gru__row(in, t0 + tt, s.r0), in->stride, s.r1 - s.r0,
                          q->gx + (tt * b + s.r0) * h3, &s, false);
    return (gru__hoisted){b, 1};
  }
  for (size_t r = s.r0; r < s.r1; r++)
    gru__input_products(p, gru__row(in, t0, r), in->stride, n, q->gx + r * n * h3, &s, false);
  return (gru__hoisted){1, n};
}
