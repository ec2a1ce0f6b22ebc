/* The plain-C reference: the equations of docs/math.md in float, one
 * thread, no BLAS, libm's expf and tanhf. Its loops run over outputs with
 * the weights stored input-major, so the compiler vectorizes them without
 * reordering any sum (gru-bench builds this file with -O3). It is also the
 * judge: every peer's outputs are checked against its outputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct ctx {
  size_t in, hid;
  float *wt[3];   /* gate g: [H + I][H], row k the weights of input k */
  float *b[3];    /* b_r, b_z, b_h */
  float *bhn;     /* reset-after's b_hn */
  float *h, *acc; /* [H], [4][H] */
} ctx;

static void *open_ref(const bench_case *c, size_t threads, char *note, size_t size) {
  if (threads != 1) {
    snprintf(note, size, "one thread only");
    return NULL;
  }
  static const char *const wn[] = {"W_r", "W_z", "W_h"}, *const bn[] = {"b_r", "b_z", "b_h"};
  ctx *x = calloc(1, sizeof *x);
  size_t h = c->cfg->hidden, cols = c->cfg->hidden + c->cfg->input, n;
  x->in = c->cfg->input;
  x->hid = h;
  for (int g = 0; g < 3; g++) {
    float *w = bench_tensor(c->layer, GRU_FORMAT_CONCAT, wn[g], &n);
    x->wt[g] = malloc(cols * h * sizeof(float));
    for (size_t j = 0; j < h; j++)
      for (size_t k = 0; k < cols; k++)
        x->wt[g][k * h + j] = w[j * cols + k];
    free(w);
    x->b[g] = bench_tensor(c->layer, GRU_FORMAT_CONCAT, bn[g], &n);
  }
  x->bhn = c->variant == GRU_RESET_AFTER ? bench_tensor(c->layer, GRU_FORMAT_CONCAT, "b_hn", &n)
                                         : calloc(h, sizeof(float));
  x->h = malloc(h * sizeof(float));
  x->acc = malloc(4 * h * sizeof(float));
  snprintf(note, size, "plain C (-O3, no BLAS), libm expf/tanhf, one thread");
  return x;
}

/* out[j] = b[j] + sum over k of wt[k][j] * v[k], k < n; b may be out. */
static void affine(size_t h, size_t n, const float *wt, const float *v, const float *b,
                   float *out) {
  if (b != out) memcpy(out, b, h * sizeof *out);
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < h; j++)
      out[j] += wt[k * h + j] * v[k];
}

static float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

/* One step of one batch row: h <- GRU(h, xt). */
static void step(ctx *c, gru_variant variant, const float *xt, float *h) {
  size_t n = c->hid, in = c->in;
  float *r = c->acc, *z = r + n, *a = z + n, *b = a + n;
  affine(n, n, c->wt[0], h, c->b[0], r);
  affine(n, in, c->wt[0] + n * n, xt, r, r);
  affine(n, n, c->wt[1], h, c->b[1], z);
  affine(n, in, c->wt[1] + n * n, xt, z, z);
  for (size_t j = 0; j < n; j++) {
    r[j] = sigmoid(r[j]);
    z[j] = sigmoid(z[j]);
  }
  affine(n, in, c->wt[2] + n * n, xt, c->b[2], a); /* the candidate's input part */
  if (variant == GRU_RESET_AFTER) {
    affine(n, n, c->wt[2], h, c->bhn, b);
    for (size_t j = 0; j < n; j++)
      a[j] += r[j] * b[j];
  } else {
    for (size_t j = 0; j < n; j++)
      b[j] = r[j] * h[j];
    affine(n, n, c->wt[2], b, a, a);
  }
  for (size_t j = 0; j < n; j++)
    h[j] = (1.0f - z[j]) * h[j] + z[j] * tanhf(a[j]);
}

static double run_ref(void *p, const bench_case *c, float *y) {
  ctx *x = p;
  const bench_config *g = c->cfg;
  size_t h = g->hidden, batch = g->batch;
  float *state = calloc(batch * h, sizeof *state);
  double t0 = bench_now();
  for (size_t t = 0; t < g->steps; t++)
    for (size_t b = 0; b < batch; b++) {
      float *s = state + b * h;
      step(x, c->variant, c->x + (t * batch + b) * g->input, s);
      memcpy(y + (t * batch + b) * h, s, h * sizeof *s);
    }
  double t1 = bench_now() - t0;
  free(state);
  return t1;
}

static void close_ref(void *p) {
  ctx *x = p;
  for (int g = 0; g < 3; g++) {
    free(x->wt[g]);
    free(x->b[g]);
  }
  free(x->bhn);
  free(x->h);
  free(x->acc);
  free(x);
}

static size_t ref_bytes(void *p) {
  ctx *x = p;
  return (3 * (x->hid + x->in) * x->hid + 8 * x->hid) * sizeof(float);
}

static size_t no_bytes(void *p) {
  (void)p;
  return 0;
}

const bench_peer bench_reference = {"reference", open_ref, run_ref, close_ref, ref_bytes, no_bytes};
