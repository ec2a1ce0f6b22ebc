/* The forward pass. For each layer and direction: the input projections of
 * a chunk of steps in one sgemm (hoisted), then per step the recurrent
 * projection (one sgemm, two for reset-before) and the elementwise
 * kernels. */
#include "forward.h"

#include <string.h>

#include "blas.h"

/* One direction of one layer over the whole sequence. */
typedef struct pass {
  const gru__cell *cell;
  const float *bias;
  const float *bias_hn;
  size_t state_cell;
  gru__rows in;
  gru__rows out;   /* base NULL: no output */
  size_t col;      /* first column of this direction in an output row */
  bool accumulate; /* add to the output (the sum of two directions) */
  bool reverse;
  size_t steps;
  size_t batch;
  const size_t *lengths;
} pass;

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

/* r, z and the candidate of every row, into q->act. */
static void activate(gru_sequence *q, const pass *p, const float *gx, hoisted g) {
  const gru__kernels *k = q->layer->kernels;
  size_t h = q->layer->weights.shape.hidden, h3 = 3 * h, b = p->batch;
  const gru__cell *c = p->cell;
  float *state = gru__state_row(q, p->state_cell, 0);
  bool after = q->layer->weights.shape.variant == GRU_RESET_AFTER;
  gru__gemm_nt(b, after ? h3 : 2 * h, h, state, h, c->w, c->ld, 0.0f, q->gh, h3);
  for (size_t r = 0; r < b; r++) {
    const float *x = gx + r * g.b_step * h3;
    float *a = q->act + r * h3, *gh = q->gh + r * h3;
    k->gates(2 * h, x, gh, p->bias, a);
    if (after)
      k->candidate_after(h, x + 2 * h, p->bias + 2 * h, a, gh + 2 * h, p->bias_hn, a + 2 * h);
    else
      k->reset(h, a, state + r * h, q->rh + r * h);
  }
  if (after) return;
  gru__gemm_nt(b, h, h, q->rh, h, c->w + 2 * h * c->ld, c->ld, 0.0f, q->gh + 2 * h, h3);
  for (size_t r = 0; r < b; r++)
    k->candidate_before(h, gx + r * g.b_step * h3 + 2 * h, q->gh + r * h3 + 2 * h, p->bias + 2 * h,
                        q->act + r * h3 + 2 * h);
}

/* The update of every row still inside its length, and its output. */
static void update(gru_sequence *q, const pass *p, size_t t) {
  const gru__kernels *k = q->layer->kernels;
  size_t h = q->layer->weights.shape.hidden;
  for (size_t r = 0; r < p->batch; r++) {
    bool active = !p->lengths || t < p->lengths[r];
    float *state = gru__state_row(q, p->state_cell, r);
    const float *a = q->act + r * 3 * h;
    if (active) k->blend(h, a + h, a + 2 * h, state);
    if (!p->out.base) continue;
    float *o = gru__row(&p->out, t, r) + p->col;
    if (p->accumulate) {
      if (active)
        for (size_t i = 0; i < h; i++)
          o[i] += state[i];
    } else if (active) {
      memcpy(o, state, h * sizeof(float));
    } else {
      memset(o, 0, h * sizeof(float));
    }
  }
}

static void run_pass(gru_sequence *q, const pass *p) {
  size_t h3 = 3 * q->layer->weights.shape.hidden;
  for (size_t done = 0; done < p->steps;) {
    size_t n = p->steps - done < q->chunk ? p->steps - done : q->chunk;
    size_t t0 = p->reverse ? p->steps - done - n : done;
    hoisted g = hoist(q, p, t0, n);
    for (size_t i = 0; i < n; i++) {
      size_t tt = p->reverse ? n - 1 - i : i;
      activate(q, p, q->gx + tt * g.t_step * h3, g);
      update(q, p, t0 + tt);
    }
    done += n;
  }
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
          .cell = gru__layer_cell(l, k, d),
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
