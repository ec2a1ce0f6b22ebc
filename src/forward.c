/* The forward pass. For each layer and direction, chunk by chunk: the
 * input projections of the chunk's steps computed at once (hoisted), then
 * its steps (step.c). On the packed path the sequence's threads do both,
 * each for its own hidden units, with libgru's kernels; a one-step chunk (a
 * streaming step) computes its input projections inside the step instead.
 * On the BLAS path the caller does both, with one large sgemm for the
 * hoist and BLAS for the recurrent products.
 *
 * Why the packed path hoists with its own kernels rather than BLAS's
 * sgemm: OpenBLAS 0.3.21's threads keep polling (sched_yield in a loop)
 * for about 0.1 s after every call, and Linux lets such a thread keep half
 * of its core; the steps that follow a hoist, on libgru's threads, then
 * ran several times slower (docs/threading.md). The result of a hoist may
 * not depend on the thread count, so every thread count uses the same
 * kernels for it. */
#include "forward.h"

#include <string.h>

#include "clock.h"
#include "step.h"

typedef gru__pass pass;

/* Steps t0 .. t0+n-1 of a pass, in the pass's direction. */
typedef struct chunk {
  const pass *p;
  size_t t0, n;
  bool hoist; /* false: a streaming step, input projections in the step */
  /* The state ping-pongs between two buffers when several threads share
   * the rows (a thread may not overwrite units another still reads):
   * before step i it is in h[(parity + i) % 2]. A team of one, or one that
   * splits the rows, updates in place. */
  float *h[2];
  size_t parity;
  bool ping_pong;
  size_t sweep;          /* the sequence's steps so far: even reads weights forwards */
  gru__balance *balance; /* the split that follows each thread's rate */
  gru__shared_hoist *shared;
} chunk;

static void run_chunk(void *arg, const gru__team *team) {
  const chunk *c = arg;
  const pass *p = c->p;
  /* A thread's work: its time in the chunk but for its spinning at the
   * barriers (where only a thread with nothing to do reads the clock). */
  uint64_t start = c->balance ? gru__clock_ns() : 0;
  uint64_t waited = c->balance ? gru__team_waited(team) : 0;
  size_t h3 = 3 * p->q->layer->weights.shape.hidden;
  gru__hoisted g = {0, 0, false};
  gru__ahead ahead = {0};
  if (c->hoist) {
    g = gru__hoist(p, c->t0, c->n, team, &ahead, c->shared);
    /* A shared hoist's pieces are any thread's; and an inner layer of a
     * stack overwrites its input rows with its output (below): every
     * thread must have read them first, unless each has rows of its own. */
    if (g.shared || (p->in.base == p->out.base && c->ping_pong)) gru__team_barrier(team);
    /* A shared hoist went to whoever was free: time only the steps,
     * whose split the balance moves. */
    if (g.shared && c->balance) {
      start = gru__clock_ns();
      waited = gru__team_waited(team);
    }
  }
  for (size_t i = 0; i < c->n; i++) {
    size_t tt = p->reverse ? c->n - 1 - i : i;
    size_t from = c->ping_pong ? (c->parity + i) % 2 : c->parity;
    gru__step_io io = {
        .t = c->t0 + tt,
        .gx = c->hoist ? p->w->gx + tt * g.t_step * h3 : NULL,
        .gx_stride = g.b_step * h3,
        .h = c->h[from],
        .h_next = c->h[c->ping_pong ? 1 - from : from],
        .backwards = (c->sweep + i) % 2,
        .ahead = ahead.total ? &ahead : NULL,
        .next = i + 1,
    };
    gru__step(p, &io, team);
  }
  if (c->balance)
    c->balance->ns[team->tid] = gru__clock_ns() - start - (gru__team_waited(team) - waited);
}

/* Runs the pass on up to threads threads of the sequence's pool. */
static void run_pass(gru_sequence *q, pass *p, size_t threads) {
  size_t h = q->layer->weights.shape.hidden, panels = gru__panel_count(h);
  /* Weights so small that a thread takes rows from one row each: a thread
   * per row at most (so the threads split the rows), as splitting the units
   * would cost more in barriers than reading all the weights does.
   * Otherwise a thread per panel of units at most when they split the
   * units: more would only wait. */
  if (gru__split_rows_from(p) == 1 && threads > p->batch) threads = p->batch;
  if (!gru__split_rows(p, threads) && threads > panels) threads = panels;
  bool rows = gru__split_rows(p, threads);
  gru__shared_hoist shared;
  chunk c = {.p = p, .h = {gru__state_row(q, p->state_cell, 0), q->h_alt}, .shared = &shared};
  c.ping_pong = threads > 1 && !rows;
  if (threads > 1) {
    c.balance = rows ? &q->rows : &q->panels;
    gru__balance_start(c.balance, rows ? p->batch : panels, threads);
    p->first = c.balance->first;
  }
  size_t per_chunk = gru__chunk_steps(q, p->batch);
  uint64_t start = gru__clock_ns();
  p->ns = 0;
  for (size_t done = 0; done < p->steps;) {
    size_t n = p->steps - done < per_chunk ? p->steps - done : per_chunk;
    c.t0 = p->reverse ? p->steps - done - n : done;
    c.n = n;
    c.hoist = !(p->packed && n == 1);
    c.sweep = p->sweep + done;
    if (c.hoist) gru__shared_hoist_init(&shared, p, n, threads);
    gru__pool_run(q->pool, threads, run_chunk, &c);
    for (size_t i = 0; c.balance && i < threads; i++)
      p->ns += c.balance->ns[i];
    if (c.balance) gru__balance_update(c.balance);
    if (c.ping_pong) c.parity = (c.parity + n) % 2;
    done += n;
  }
  if (c.parity) memcpy(c.h[0], c.h[1], p->batch * h * sizeof(float));
  if (!c.balance) p->ns = gru__clock_ns() - start;
}

/* Inner layers of a stack write time-major rows into the sequence's
 * buffers. One direction reads and writes one buffer in place (a chunk's
 * inputs are hoisted before its outputs overwrite them); two directions
 * need the whole input until both are done, so layers alternate between
 * two buffers. */
static gru__rows inner_rows(const gru_sequence *q, size_t k, size_t batch) {
  const gru__shape *s = &q->layer->weights.shape;
  float *buf = q->inner[s->dirs == 2 ? k % 2 : 0];
  return (gru__rows){buf, s->output, batch, 1};
}

/* The last layer's output rows of direction d: within a concatenated row
 * at column d*H, or (split) in a block of its own, ONNX's [T, D, B, H]. */
static gru__rows final_rows(const gru__rows *y, const gru__shape *s, size_t d, size_t batch,
                            bool split, size_t *col) {
  *col = s->direction == GRU_BIDIRECTIONAL && !split ? d * s->hidden : 0;
  if (!split || !y->base) return *y;
  return (gru__rows){y->base + d * batch * y->stride, y->stride, s->dirs * batch, 1};
}

/* The two passes of a bidirectional layer at once, a thread each. */
static void run_direction(void *arg, const gru__team *team) {
  pass *p = arg;
  run_pass(p[team->tid].q, &p[team->tid], 1);
}

/* Whether the sequence runs layer k's directions p[0 .. dirs-1] at once:
 * a layer whose directions may (gru__directions_at_once), on two threads,
 * at a batch they would not split by rows. */
static bool at_once(const gru_sequence *q, const pass *p, size_t dirs, size_t threads) {
  return dirs == 2 && q->work2_mem && threads == 2 && !gru__split_rows(p, threads);
}

/* The threads a call runs on: the caller alone when the workers sleep and
 * waking them would cost more than they save, by the last call of this
 * size (gru__pool_solo). A short call at intervals, a streaming step each
 * frame, finds them asleep every time; the same bits either way. */
static size_t call_threads(gru_sequence *q, size_t steps, size_t batch) {
  bool known = q->last_steps == steps && q->last_batch == batch;
  return known && gru__pool_solo(q->pool, q->last_ns) ? 1 : gru__pool_threads(q->pool);
}

void gru__forward(gru_sequence *q, size_t steps, size_t batch, const gru__rows *x,
                  const gru__rows *y, const size_t *lengths, bool split) {
  const gru_layer *l = q->layer;
  const gru__shape *s = &l->weights.shape;
  size_t threads = call_threads(q, steps, batch);
  uint64_t work = 0;
  for (size_t k = 0; k < s->layers; k++) {
    gru__rows in = k == 0 ? *x : inner_rows(q, k - 1, batch);
    bool last = k + 1 == s->layers;
    pass p[2];
    for (size_t d = 0; d < s->dirs; d++) {
      size_t col = s->direction == GRU_BIDIRECTIONAL ? d * s->hidden : 0;
      gru__rows out = last ? final_rows(y, s, d, batch, split, &col) : inner_rows(q, k, batch);
      p[d] = (pass){
          .q = q,
          .w = &q->work,
          .sweep = q->sweep,
          .cell = gru__layer_cell(l, k, d),
          .packed = l->packed ? &l->packed[k * s->dirs + d] : NULL,
          .bias = gru__layer_bias(l, k, d),
          .bias_hn = gru__layer_cell(l, k, d)->bh + 2 * s->hidden,
          .state_cell = k * s->dirs + d,
          .in = in,
          .out = out,
          .col = col,
          .accumulate = s->direction == GRU_BIDIRECTIONAL_SUM && d == 1,
          .reverse = gru__shape_reversed(s, d),
          .steps = steps,
          .batch = batch,
          .lengths = lengths,
      };
    }
    if (at_once(q, p, s->dirs, threads)) {
      p[1].w = &q->work2;
      gru__pool_run(q->pool, 2, run_direction, p);
      q->sweep += steps;
      work += p[0].ns + p[1].ns;
      continue;
    }
    for (size_t d = 0; d < s->dirs; d++) {
      p[d].sweep = q->sweep;
      run_pass(q, &p[d], p[d].packed ? threads : 1);
      q->sweep += steps;
      work += p[d].ns;
    }
  }
  q->last_steps = steps;
  q->last_batch = batch;
  q->last_ns = work;
}
