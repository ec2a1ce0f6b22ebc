/* libgru itself, on its default packed path with the sequence's own
 * threads, and on the BLAS path (GRU_PRODUCTS_BLAS, BLAS's threads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct ctx {
  gru_layer *layer;
  gru_sequence *seq;
} ctx;

static const char *const concat_names[] = {"W_r", "W_z", "W_h", "b_r", "b_z", "b_h", "b_hn"};

/* A copy of the case's layer built for the given products path. */
static gru_layer *rebuild(const bench_case *c, gru_products products) {
  const bench_config *g = c->cfg;
  gru_builder *b;
  gru_layer *l = NULL;
  if (gru_builder_create(&b) != GRU_OK) return NULL;
  gru_builder_set_shape(b, c->variant, GRU_FORWARD, 1, g->input, g->hidden);
  gru_builder_set_option(b, GRU_OPT_PRODUCTS, products);
  size_t n = c->variant == GRU_RESET_AFTER ? 7 : 6;
  for (size_t i = 0; i < n; i++) {
    size_t count;
    float *t = bench_tensor(c->layer, GRU_FORMAT_CONCAT, concat_names[i], &count);
    size_t shape[2] = {g->hidden, count / g->hidden};
    gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, concat_names[i], t, i < 3 ? 2 : 1, shape);
    free(t);
  }
  if (gru_builder_build(b, &l) != GRU_OK) fprintf(stderr, "libgru: %s\n", gru_builder_error(b));
  gru_builder_destroy(b);
  return l;
}

static void *open_path(const bench_case *c, size_t threads, char *note, size_t size,
                       gru_products products) {
  const bench_config *g = c->cfg;
  /* The BLAS path's threads are BLAS's (gru-bench gives OpenBLAS the
   * group's count); the sequence itself keeps one. */
  size_t own = products == GRU_PRODUCTS_BLAS ? 1 : threads;
  ctx *x = calloc(1, sizeof *x);
  x->layer = rebuild(c, products);
  if (!x->layer || gru_sequence_create(&x->seq, x->layer, g->batch, g->streaming ? 1 : g->steps) ||
      gru_sequence_set_option(x->seq, GRU_OPT_THREADS, own)) {
    snprintf(note, size, "cannot set up: %s", gru_sequence_error(x->seq));
    gru_sequence_destroy(x->seq);
    gru_layer_destroy(x->layer);
    free(x);
    return NULL;
  }
  size_t isa;
  gru_layer_get(x->layer, GRU_INFO_ISA, &isa);
  /* OpenBLAS's idle policy matters to libgru's threads (docs/threading.md):
   * say when the environment changed it. */
  const char *timeout = getenv("OPENBLAS_THREAD_TIMEOUT");
  char extra[48] = "";
  if (timeout) snprintf(extra, sizeof extra, ", OPENBLAS_THREAD_TIMEOUT=%.8s", timeout);
  if (products == GRU_PRODUCTS_BLAS)
    snprintf(note, size, "%s kernels, BLAS products, OpenBLAS threads=%zu%s",
             gru_isa_name((gru_isa)isa), threads, extra);
  else
    snprintf(note, size, "%s kernels, packed products, GRU_OPT_THREADS=%zu, OpenBLAS threads=%zu%s",
             gru_isa_name((gru_isa)isa), threads, threads, extra);
  return x;
}

static void *open_packed(const bench_case *c, size_t threads, char *note, size_t size) {
  return open_path(c, threads, note, size, GRU_PRODUCTS_PACKED);
}

static void *open_blas(const bench_case *c, size_t threads, char *note, size_t size) {
  return open_path(c, threads, note, size, GRU_PRODUCTS_BLAS);
}

static double run(void *p, const bench_case *c, float *y) {
  ctx *x = p;
  const bench_config *g = c->cfg;
  gru_sequence_reset(x->seq, g->batch, NULL, 0);
  double t0 = bench_now();
  gru_status st = GRU_OK;
  if (g->streaming) {
    for (size_t t = 0; t < g->steps && st == GRU_OK; t++)
      st = gru_sequence_step(x->seq, g->batch, c->x + t * g->batch * g->input, 0,
                             y + t * g->batch * g->hidden, 0, NULL, NULL, 0);
  } else {
    st = gru_sequence_run(x->seq, g->steps, g->batch, c->x, 0, y, 0, NULL, 0);
  }
  double t = bench_now() - t0;
  if (st != GRU_OK) {
    fprintf(stderr, "libgru: %s\n", gru_sequence_error(x->seq));
    exit(1);
  }
  return t;
}

/* libgru timed right after an untimed BLAS call of the application's
 * (docs/threading.md): what OpenBLAS's polling threads cost it. */
static void *open_after_blas(const bench_case *c, size_t threads, char *note, size_t size) {
  if (threads < 2) {
    snprintf(note, size, "only with several threads");
    return NULL;
  }
  void *x = open_path(c, threads, note, size, GRU_PRODUCTS_PACKED);
  size_t used = strlen(note);
  if (x && used < size)
    snprintf(note + used, size - used, ", each run right after a 512^3 sgemm on OpenBLAS");
  return x;
}

static double run_after_blas(void *p, const bench_case *c, float *y) {
  bench_blas_call();
  return run(p, c, y);
}

static void close_ctx(void *p) {
  ctx *x = p;
  gru_sequence_destroy(x->seq);
  gru_layer_destroy(x->layer);
  free(x);
}

static size_t layer_bytes(void *p) {
  size_t v = 0;
  gru_layer_get(((ctx *)p)->layer, GRU_INFO_BYTES, &v);
  return v;
}

static size_t sequence_bytes(void *p) {
  size_t v = 0;
  gru_sequence_get(((ctx *)p)->seq, GRU_INFO_BYTES, &v);
  return v;
}

const bench_peer bench_libgru = {"libgru",  open_packed, run,
                                 close_ctx, layer_bytes, sequence_bytes};
const bench_peer bench_libgru_blas = {"libgru-blas", open_blas,   run,
                                      close_ctx,     layer_bytes, sequence_bytes};
const bench_peer bench_libgru_after_blas = {"libgru-after-blas", open_after_blas, run_after_blas,
                                            close_ctx,           layer_bytes,     sequence_bytes};
