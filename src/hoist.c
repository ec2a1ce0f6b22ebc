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

/* Groups of AHEAD_PANELS panels in a share, per gate. */
static size_t panel_groups(const gru__share *s) {
  return (s->p1 - s->p0 + AHEAD_PANELS - 1) / AHEAD_PANELS;
}

/* The end of a block of up to size rows from r0, of n. */
static size_t block_end(size_t r0, size_t size, size_t n) { return n - r0 < size ? n : r0 + size; }

/* Rows [r0, r1) of the chunk's product (rows in->stride apart from step
 * t0's first) by panel group j of gate g, the groups counted from p0. */
static void block(const gru__pass *p, size_t t0, size_t g, size_t p0, size_t p1, size_t j,
                  size_t r0, size_t r1) {
  size_t pa = p0 + j * AHEAD_PANELS, pb = p1 - pa < AHEAD_PANELS ? p1 : pa + AHEAD_PANELS;
  size_t h = p->q->layer->weights.shape.hidden, lda = p->in.stride;
  const float *x = gru__row(&p->in, t0, 0) + r0 * lda;
  p->q->layer->gemm->panels(&p->packed->x[g], pa, pb, r1 - r0, x, lda,
                            p->w->gx + r0 * 3 * h + g * h, 3 * h, false);
}

/* Piece i: block i / per_block of rows, counted from the end of the chunk
 * when the pass runs backwards in time, then gate, then panel group. */
static void piece(const gru__ahead *a, size_t i) {
  size_t rows = i / per_block(a), g = i % per_block(a) / a->groups, j = i % a->groups;
  size_t r0 = rows * GRU__AHEAD_ROWS, r1 = block_end(r0, GRU__AHEAD_ROWS, a->n);
  if (a->p->reverse) {
    size_t end = a->n - r0;
    r0 = a->n - r1;
    r1 = end;
  }
  block(a->p, a->t0, g, a->p0, a->p1, j, r0, r1);
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

/* Rows of a piece of a shared hoist: eight tiles of the AVX-512 kernels,
 * some tens of microseconds of work, so that the threads finish within
 * about that of each other. */
#define SHARED_ROWS 64

/* Thread t's share in a shared hoist of rows rows: its panel groups
 * (*groups per gate) and blocks of rows (*blocks); returns its pieces. */
static size_t shared_pieces(const gru__pass *p, size_t t, size_t threads, size_t rows,
                            gru__share *s, size_t *groups, size_t *blocks) {
  *s = gru__slice(p, &(gru__team){NULL, t, threads});
  *groups = panel_groups(s);
  *blocks = (rows + SHARED_ROWS - 1) / SHARED_ROWS;
  return 3 * *groups * *blocks;
}

/* Whether the hoist is one product over the chunk's rows for every
 * thread, and the team could share it out. */
static bool one_product(const gru__pass *p, size_t n) {
  const gru__rows *in = &p->in;
  return in->t_step == p->batch * in->b_step || n == p->steps || p->batch == 1;
}

void gru__shared_hoist_init(gru__shared_hoist *sh, const gru__pass *p, size_t n, size_t threads) {
  sh->on = false;
  if (!p->packed || threads < 2 || gru__split_rows(p, threads) || !one_product(p, n)) return;
  for (size_t t = 0; t < threads; t++) {
    gru__share s;
    size_t groups, blocks, count = shared_pieces(p, t, threads, n * p->batch, &s, &groups, &blocks);
    if (count > UINT32_MAX || goes_ahead(p, n, &(gru__team){NULL, t, threads}, &s)) return;
    atomic_store_explicit(&sh->left[t], (uint64_t)count << 32, memory_order_relaxed);
  }
  sh->on = true;
}

/* Takes a piece of a list (first | end << 32): the first, or the last. */
static bool take(_Atomic uint64_t *list, bool first, size_t *i) {
  uint64_t v = atomic_load_explicit(list, memory_order_relaxed);
  for (;;) {
    uint64_t lo = v & UINT32_MAX, hi = v >> 32;
    if (lo >= hi) return false;
    uint64_t next = first ? v + 1 : (hi - 1) << 32 | lo;
    if (atomic_compare_exchange_weak_explicit(list, &v, next, memory_order_relaxed,
                                              memory_order_relaxed)) {
      *i = (size_t)(first ? lo : hi - 1);
      return true;
    }
  }
}

/* Piece i of thread t's list: gate, then panel group, then rows, so that
 * a group's weights serve all the rows while they are in cache. */
static void shared_piece(const gru__pass *p, size_t t0, size_t n, size_t t, size_t threads,
                         size_t i) {
  gru__share s;
  size_t groups, blocks, rows = n * p->batch;
  shared_pieces(p, t, threads, rows, &s, &groups, &blocks);
  size_t g = i / (groups * blocks), j = i / blocks % groups, r0 = i % blocks * SHARED_ROWS;
  block(p, t0, g, s.p0, s.p1, j, r0, block_end(r0, SHARED_ROWS, rows));
}

/* The team's hoist shared out: the thread's own list from the start,
 * then the others' from their ends. */
static void shared_hoist(const gru__pass *p, size_t t0, size_t n, const gru__team *team,
                         gru__shared_hoist *sh) {
  size_t i, threads = team->threads;
  for (size_t k = 0; k < threads; k++) {
    size_t t = (team->tid + k) % threads;
    while (take(&sh->left[t], k == 0, &i))
      shared_piece(p, t0, n, t, threads, i);
  }
}

gru__hoisted gru__hoist(const gru__pass *p, size_t t0, size_t n, const gru__team *team,
                        gru__ahead *ahead, gru__shared_hoist *sh) {
  gru_sequence *q = p->q;
  size_t h3 = 3 * q->layer->weights.shape.hidden, b = p->batch;
  gru__share s = gru__slice(p, team);
  *ahead = (gru__ahead){.p = p, .t0 = t0, .n = n, .p0 = s.p0, .p1 = s.p1};
  const gru__rows *in = &p->in;
  bool time_major = in->t_step == b * in->b_step;
  if (sh && sh->on) {
    shared_hoist(p, t0, n, team, sh);
    return time_major ? (gru__hoisted){b, 1, true} : (gru__hoisted){1, n, true};
  }
  if (goes_ahead(p, n, team, &s)) {
    ahead->groups = panel_groups(&s);
    ahead->total = (n + GRU__AHEAD_ROWS - 1) / GRU__AHEAD_ROWS * per_block(ahead);
    gru__ahead_until(ahead, 0);
    return (gru__hoisted){1, n, false};
  }
  if (s.r1 - s.r0 == b && one_product(p, n)) {
    gru__input_products(p, gru__row(in, t0, 0), in->stride, n * b, p->w->gx, &s, false);
    return time_major ? (gru__hoisted){b, 1, false} : (gru__hoisted){1, n, false};
  }
  if (time_major) { /* the share's rows, step by step */
    for (size_t tt = 0; tt < n; tt++)
      gru__input_products(p, gru__row(in, t0 + tt, s.r0), in->stride, s.r1 - s.r0,
                          p->w->gx + (tt * b + s.r0) * h3, &s, false);
    return (gru__hoisted){b, 1, false};
  }
  for (size_t r = s.r0; r < s.r1; r++)
    gru__input_products(p, gru__row(in, t0, r), in->stride, n, p->w->gx + r * n * h3, &s, false);
  return (gru__hoisted){1, n, false};
}
