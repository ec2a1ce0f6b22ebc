#include "step.h"

#include <string.h>

#include "blas.h"

typedef gru__share share;

/* The barriers of a step, which a team splitting rows does without; a
 * thread with hoisting still to do works on it while it waits. */
static void meet(const gru__team *team, const share *s, const gru__step_io *io) {
  if (s->rows) return;
  if (io->ahead)
    gru__team_barrier_idle(team, gru__ahead_piece, io->ahead);
  else
    gru__team_barrier(team);
}

/* c[r][gH + j] for gates [g0, g1), the share's units j and rows r, over
 * rows a [batch][lda] of K columns: own kernels on the packed weights (w:
 * the cell's packed h), or for a team of one, BLAS over the cell's
 * recurrent columns (w NULL). backwards runs the gates and panels in
 * reverse (gemm.h): steps alternate, so that when a thread's weights are
 * more than its L2 holds, each step starts on those the last one read. */
static void products(const gru__pass *p, const gru__panels *w, size_t g0, size_t g1, const float *a,
                     size_t lda, float *c, const share *s, bool backwards) {
  size_t h = p->q->layer->weights.shape.hidden, rows = s->r1 - s->r0;
  a += s->r0 * lda;
  c += s->r0 * 3 * h;
  if (w) {
    gru__gate_products(p->q->layer->gemm, w, g0, g1, s->p0, s->p1, rows, a, lda, c, 3 * h,
                       backwards);
    return;
  }
  const gru__cell *cell = p->cell;
  gru__gemm_nt(rows, (g1 - g0) * h, h, a, lda, cell->w + g0 * h * cell->ld, cell->ld, 0.0f,
               c + g0 * h, 3 * h);
}

static bool active(const gru__pass *p, size_t t, size_t row) {
  return !p->lengths || t < p->lengths[row];
}

/* Where row r's share of the step's output goes when it is the new state
 * itself, which the update then stores there too; NULL when outputs()
 * writes it (a sum of directions, or no output). */
static float *output_copy(const gru__pass *p, const gru__step_io *io, size_t r, size_t u0) {
  return p->out.base && !p->accumulate ? gru__row(&p->out, io->t, r) + p->col + u0 : NULL;
}

/* The new state of the share: the fused update, or for a row past its
 * length the old state. */
static void update(const gru__pass *p, const gru__step_io *io, const float *gx, size_t gs,
                   const share *s) {
  const gru_sequence *q = p->q;
  const gru__kernels *k = q->layer->kernels;
  size_t h = q->layer->weights.shape.hidden, h3 = 3 * h, u0 = s->u0, n = s->u1 - u0;
  bool after = q->layer->weights.shape.variant == GRU_RESET_AFTER;
  for (size_t r = s->r0; r < s->r1; r++) {
    const float *x = gx + r * gs + u0, *gh = p->w->gh + r * h3 + u0, *hp = io->h + r * h + u0;
    float *hn = io->h_next + r * h + u0;
    if (!active(p, io->t, r)) {
      if (hn != hp) memcpy(hn, hp, n * sizeof *hn);
    } else if (after) {
      k->update_after(n, h, x, gh, p->bias + u0, p->bias_hn + u0, hp, hn,
                      output_copy(p, io, r, u0));
    } else {
      k->update_before(n, x + 2 * h, gh + 2 * h, p->bias + 2 * h + u0, p->w->z + r * h + u0, hp, hn,
                       output_copy(p, io, r, u0));
    }
  }
}

/* Reset-before's first half: z, and r*h for the candidate. */
static void gates_before(const gru__pass *p, const gru__step_io *io, const float *gx, size_t gs,
                         const share *s) {
  const gru_sequence *q = p->q;
  const gru__kernels *k = q->layer->kernels;
  size_t h = q->layer->weights.shape.hidden, h3 = 3 * h, u0 = s->u0, n = s->u1 - u0;
  for (size_t r = s->r0; r < s->r1; r++) {
    const float *x = gx + r * gs + u0, *gh = p->w->gh + r * h3 + u0;
    size_t i = r * h + u0;
    k->reset_gate(n, x, gh, p->bias + u0, io->h + i, p->w->rh + i);
    k->gates(n, x + h, gh + h, p->bias + h + u0, p->w->z + i);
  }
}

/* The share of each output row that update() did not store: the new
 * state's sum with the other direction's, or zero past the row's length. */
static void outputs(const gru__pass *p, const gru__step_io *io, const share *s) {
  size_t h = p->q->layer->weights.shape.hidden, u0 = s->u0, n = s->u1 - u0;
  for (size_t r = s->r0; p->out.base && r < s->r1; r++) {
    const float *state = io->h_next + r * h + u0;
    float *o = gru__row(&p->out, io->t, r) + p->col + u0;
    if (!active(p, io->t, r)) {
      if (!p->accumulate) memset(o, 0, n * sizeof *o);
    } else if (p->accumulate) {
      for (size_t i = 0; i < n; i++)
        o[i] += state[i];
    }
  }
}

/* Most bytes of state gather() asks for. */
#define GATHER_MAX ((size_t)16 << 10)

/* Asks for all of a [floats] state at once, before a thread's products
 * read it: when threads split the units, the other cores wrote their parts
 * of it in their last step, and the kernels would otherwise fetch those
 * lines one by one, each a round trip to another core, as their k loop
 * reaches them. */
static void gather(const float *a, size_t floats) {
#if defined(__GNUC__)
  size_t bytes = floats * sizeof *a < GATHER_MAX ? floats * sizeof *a : GATHER_MAX;
  for (size_t i = 0; i < bytes; i += GRU__ALIGN)
    __builtin_prefetch((const char *)a + i);
#else
  (void)a;
  (void)floats;
#endif
}

/* The share's input projections of one streaming step. */
static void own_input(const gru__pass *p, const gru__step_io *io, const share *s) {
  const gru__rows *in = &p->in;
  size_t lda = in->b_step * in->stride;
  gru__input_products(p, gru__row(in, io->t, 0) + s->r0 * lda, lda, s->r1 - s->r0,
                      p->w->gx + s->r0 * 3 * p->q->layer->weights.shape.hidden, s, io->backwards);
}

void gru__step(const gru__pass *p, const gru__step_io *io, const gru__team *team) {
  gru_sequence *q = p->q;
  size_t h = q->layer->weights.shape.hidden;
  const gru__panels *wh = p->packed ? p->packed->h : NULL;
  share s = gru__slice(p, team);
  bool own = !io->gx, back = io->backwards;
  const float *gx = own ? p->w->gx : io->gx;
  size_t gs = own ? 3 * h : io->gx_stride;
  bool shared = !s.rows && team->threads > 1;
  if (shared) gather(io->h, p->batch * h);
  /* Input weights then recurrent ones, or (backwards) the reverse. */
  if (own && !back) own_input(p, io, &s);
  if (q->layer->weights.shape.variant == GRU_RESET_AFTER) {
    products(p, wh, 0, 3, io->h, h, p->w->gh, &s, back);
    if (own && back) own_input(p, io, &s);
    /* An inner layer of a stack writes its output over its input rows
     * (forward.c): every thread must have read them first. (Reset-before
     * has its own barrier here.) */
    if (own && p->in.base == p->out.base) meet(team, &s, io);
  } else {
    products(p, wh, 0, 2, io->h, h, p->w->gh, &s, back);
    if (own && back) own_input(p, io, &s);
    gates_before(p, io, gx, gs, &s);
    meet(team, &s, io);
    if (shared) gather(p->w->rh, p->batch * h);
    products(p, wh, 2, 3, p->w->rh, h, p->w->gh, &s, back);
  }
  update(p, io, gx, gs, &s);
  outputs(p, io, &s);
  /* Before the others may start the next step, which an inner layer of a
   * stack ends by writing over that step's input row. */
  if (io->ahead) gru__ahead_until(io->ahead, io->next);
  meet(team, &s, io);
}
