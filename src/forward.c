/* The forward pass. For each layer and direction: the input projections
 * of a chunk of steps in one sgemm (hoisted), then the chunk's steps
 * (step.c), run by the sequence's threads on the packed path, or by the
 * caller with BLAS for the recurrent products on the BLAS path. A
 * one-step chunk on the packed path (a streaming step) skips the hoist:
 * each thread computes its slice of the input projections itself. */
#include "forward.h"

#include <string.h>

#include "blas.h"
#include "step.h"

typedef gru__pass pass;

/* Where the hoisted projections of chunk-relative step tt, row b sit:
 * gx + (tt*t_step + b*b_step) * 3H. */
typedef struct hoisted {
  size_t t_step;
  size_t b_step;
} hoisted;

/* Input projections of steps t0 .. t0+n-1 for every row, into q->gx. One
 * sgemm when those rows are evenly spaced in memory (time-major, or the
 * whole sequence batch-major), else one per batch row. */
static hoisted hoist(gru_sequence *q, const pass *p, size_t t0, size_t n) {
  const gru__cell *c = p->cell;
  size_t h = q->layer->weights.shape.hidden, b = p->batch;
  const float *w = c->w + h; /* the input columns */
  const gru__rows *in = &p->in;
  bool time_major = in->t_step == b * in->b_step;
  if (time_major || n == p->steps || b == 1) {
    gru__gemm_nt(n * b, 3 * h, c->input, gru__row(in, t0, 0), in->stride, w, c->ld, 0.0f, q->gx,
                 3 * h);
    return time_major ? (hoisted){b, 1} : (hoisted){1, n};
  }
  for (size_t r = 0; r < b; r++)
    gru__gemm_nt(n, 3 * h, c->input, gru__row(in, t0, r), in->stride, w, c->ld, 0.0f,
                 q->gx + r * n * 3 * h, 3 * h);
  return (hoisted){1, n};
}

/* Steps t0 .. t0+n-1 of a pass, in the pass's direction. */
typedef struct chunk {
  const pass *p;
  size_t t0, n;
  const float *gx; /* hoisted, or NULL */
  hoisted g;
  /* The state ping-pongs between two buffers when several threads run
   * (a thread may not overwrite units another still reads): before step
   * i it is in h[(parity + i) % 2]. A team of one updates in place. */
  float *h[2];
  size_t parity;
  size_t sweep; /* the sequence's steps so far: even reads weights forwards */
} chunk;

static void run_chunk(void *arg, const gru__team *team) {
  const chunk *c = arg;
  size_t h3 = 3 * c->p->q->layer->weights.shape.hidden;
  for (size_t i = 0; i < c->n; i++) {
    size_t tt = c->p->reverse ? c->n - 1 - i : i;
    size_t from = team->threads > 1 ? (c->parity + i) % 2 : c->parity;
    gru__step_io io = {
        .t = c->t0 + tt,
        .gx = c->gx ? c->gx + tt * c->g.t_step * h3 : NULL,
        .gx_stride = c->g.b_step * h3,
        .h = c->h[from],
        .h_next = c->h[team->threads > 1 ? 1 - from : from],
        .backwards = (c->sweep + i) % 2,
    };
    gru__step(c->p, &io, team);
  }
}

static void run_pass(gru_sequence *q, const pass *p) {
  size_t h = q->layer->weights.shape.hidden;
  /* A thread per panel of units at most: more would only wait. */
  size_t threads = p->packed ? gru__pool_threads(q->pool) : 1, panels = gru__panel_count(h);
  if (threads > panels) threads = panels;
  chunk c = {.p = p, .h = {gru__state_row(q, p->state_cell, 0), q->h_alt}};
  for (size_t done = 0; done < p->steps;) {
    size_t n = p->steps - done < q->chunk ? p->steps - done : q->chunk;
    c.t0 = p->reverse ? p->steps - done - n : done;
    c.n = n;
    bool own_input = p->packed && n == 1;
    c.gx = own_input ? NULL : q->gx;
    c.sweep = q->sweep;
    c.g = own_input ? (hoisted){0, 0} : hoist(q, p, c.t0, n);
    /* After a hoist the next chunk hoists again: park the workers so that
     * BLAS's threads have the cores. */
    gru__pool_run(q->pool, threads, run_chunk, &c, !own_input);
    if (threads > 1) c.parity = (c.parity + n) % 2;
    q->sweep += n;
    done += n;
  }
  if (c.parity) memcpy(c.h[0], c.h[1], p->batch * h * sizeof(float));
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

void gru__forward(gru_sequence *q, size_t steps, size_t batch, const gru__rows *x,
                  const gru__rows *y, const size_t *lengths, bool split) {
  const gru_layer *l = q->layer;
  const gru__shape *s = &l->weights.shape;
  for (size_t k = 0; k < s->layers; k++) {
    gru__rows in = k == 0 ? *x : inner_rows(q, k - 1, batch);
    bool last = k + 1 == s->layers;
    for (size_t d = 0; d < s->dirs; d++) {
      size_t col = s->direction == GRU_BIDIRECTIONAL ? d * s->hidden : 0;
      gru__rows out = last ? final_rows(y, s, d, batch, split, &col) : inner_rows(q, k, batch);
      pass p = {
          .q = q,
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
      run_pass(q, &p);
    }
  }
}
