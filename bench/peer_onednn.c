/* oneDNN (Debian's libdnnl-dev, an optional bench dependency: libgru never
 * links it): vanilla_gru for reset-before, lbr_gru for reset-after, in its
 * best settings -- forward_inference, weights reordered once (untimed) into
 * the layout the primitive asks for, OpenMP threads set to the thread
 * count. A streaming case runs a T = 1 primitive once per step. Weights come
 * from the layer in Keras's layout, which is oneDNN's ldigo (gates z|r|h =
 * u|r|o, docs/interop.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifdef GRU_BENCH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

typedef struct ctx {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_t prim;
  dnnl_memory_t src, src_iter, dst, w_layer, w_iter, bias;
  float *zeros; /* the initial state */
} ctx;

#define CHECK(call)                                                 \
  do {                                                              \
    dnnl_status_t st_ = (call);                                     \
    if (st_ != dnnl_success) {                                      \
      fprintf(stderr, "oneDNN: %s failed (%d)\n", #call, (int)st_); \
      exit(1);                                                      \
    }                                                               \
  } while (0)

static dnnl_memory_desc_t md(int n, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
  dnnl_memory_desc_t d;
  CHECK(dnnl_memory_desc_init_by_tag(&d, n, dims, dnnl_f32, tag));
  return d;
}

/* Memory in the primitive's layout for argument arg, filled from user
 * data laid out as user by a reorder (once, untimed). */
static dnnl_memory_t weights(ctx *c, dnnl_primitive_desc_t pd, int arg,
                             const dnnl_memory_desc_t *user, float *data) {
  const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
  dnnl_memory_t from, to;
  CHECK(dnnl_memory_create(&from, user, c->engine, data));
  CHECK(dnnl_memory_create(&to, want, c->engine, DNNL_MEMORY_ALLOCATE));
  dnnl_primitive_desc_t rpd;
  dnnl_primitive_t r;
  CHECK(dnnl_reorder_primitive_desc_create(&rpd, user, c->engine, want, c->engine, NULL));
  CHECK(dnnl_primitive_create(&r, rpd));
  dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  CHECK(dnnl_primitive_execute(r, c->stream, 2, args));
  CHECK(dnnl_stream_wait(c->stream));
  dnnl_primitive_destroy(r);
  dnnl_primitive_desc_destroy(rpd);
  dnnl_memory_destroy(from);
  return to;
}

/* oneDNN's bias: [3][H] for gru; [4][H] = u, r, o, u' for lbr_gru, from
 * Keras's [2][3H] (input row, recurrent row; gates z|r|h). */
static float *bias_of(const bench_case *c, size_t *gates) {
  size_t n, h = c->cfg->hidden;
  float *k = bench_tensor(c->layer, GRU_FORMAT_KERAS, "bias", &n);
  if (c->variant == GRU_RESET_BEFORE) {
    *gates = 3;
    return k;
  }
  *gates = 4;
  float *b = malloc(4 * h * sizeof *b);
  for (size_t j = 0; j < h; j++) {
    b[j] = k[j] + k[3 * h + j];
    b[h + j] = k[h + j] + k[4 * h + j];
    b[2 * h + j] = k[2 * h + j];
    b[3 * h + j] = k[5 * h + j];
  }
  free(k);
  return b;
}

static void *open_dnnl(const bench_case *c, size_t threads, char *note, size_t size) {
  const bench_config *g = c->cfg;
  dnnl_dim_t T = g->streaming ? 1 : (dnnl_dim_t)g->steps, B = (dnnl_dim_t)g->batch;
  dnnl_dim_t I = (dnnl_dim_t)g->input, H = (dnnl_dim_t)g->hidden;
  omp_set_num_threads((int)threads);
  ctx *x = calloc(1, sizeof *x);
  CHECK(dnnl_engine_create(&x->engine, dnnl_cpu, 0));
  CHECK(dnnl_stream_create(&x->stream, x->engine, dnnl_stream_default_flags));
  size_t gates, n;
  float *b = bias_of(c, &gates);
  dnnl_memory_desc_t src = md(3, (dnnl_dims_t){T, B, I}, dnnl_tnc);
  dnnl_memory_desc_t iter = md(4, (dnnl_dims_t){1, 1, B, H}, dnnl_ldnc);
  dnnl_memory_desc_t dst = md(3, (dnnl_dims_t){T, B, H}, dnnl_tnc);
  dnnl_memory_desc_t wl = md(5, (dnnl_dims_t){1, 1, I, 3, H}, dnnl_ldigo);
  dnnl_memory_desc_t wi = md(5, (dnnl_dims_t){1, 1, H, 3, H}, dnnl_ldigo);
  dnnl_memory_desc_t wl_any = md(5, (dnnl_dims_t){1, 1, I, 3, H}, dnnl_format_tag_any);
  dnnl_memory_desc_t wi_any = md(5, (dnnl_dims_t){1, 1, H, 3, H}, dnnl_format_tag_any);
  dnnl_memory_desc_t bd = md(4, (dnnl_dims_t){1, 1, (dnnl_dim_t)gates, H}, dnnl_ldgo);
  dnnl_rnn_desc_t desc;
  if (c->variant == GRU_RESET_BEFORE)
    CHECK(dnnl_gru_forward_desc_init(&desc, dnnl_forward_inference, dnnl_unidirectional_left2right,
                                     &src, &iter, &wl_any, &wi_any, &bd, &dst, NULL, 0));
  else
    CHECK(dnnl_lbr_gru_forward_desc_init(&desc, dnnl_forward_inference,
                                         dnnl_unidirectional_left2right, &src, &iter, &wl_any,
                                         &wi_any, &bd, &dst, NULL, 0));
  dnnl_primitive_desc_t pd;
  CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, x->engine, NULL));
  CHECK(dnnl_primitive_create(&x->prim, pd));
  float *k = bench_tensor(c->layer, GRU_FORMAT_KERAS, "kernel", &n);
  float *rk = bench_tensor(c->layer, GRU_FORMAT_KERAS, "recurrent_kernel", &n);
  x->w_layer = weights(x, pd, DNNL_ARG_WEIGHTS_LAYER, &wl, k);
  x->w_iter = weights(x, pd, DNNL_ARG_WEIGHTS_ITER, &wi, rk);
  CHECK(dnnl_memory_create(&x->bias, &bd, x->engine, DNNL_MEMORY_ALLOCATE));
  void *bh;
  CHECK(dnnl_memory_get_data_handle(x->bias, &bh));
  memcpy(bh, b, gates * (size_t)H * sizeof(float));
  x->zeros = calloc((size_t)(B * H), sizeof(float));
  CHECK(dnnl_memory_create(&x->src, &src, x->engine, DNNL_MEMORY_NONE));
  CHECK(dnnl_memory_create(&x->src_iter, &iter, x->engine, x->zeros));
  CHECK(dnnl_memory_create(&x->dst, &dst, x->engine, DNNL_MEMORY_NONE));
  free(k);
  free(rk);
  free(b);
  dnnl_primitive_desc_destroy(pd);
  snprintf(note, size,
           "oneDNN %s, forward_inference, weights reordered once, %s, OpenMP threads=%zu",
           c->variant == GRU_RESET_BEFORE ? "vanilla_gru" : "lbr_gru",
           g->streaming ? "a T=1 primitive per step" : "one primitive for all steps", threads);
  return x;
}

static void exec(ctx *x, const float *src, const float *h, float *dst) {
  CHECK(dnnl_memory_set_data_handle(x->src, (void *)src));
  CHECK(dnnl_memory_set_data_handle(x->src_iter, (void *)h));
  CHECK(dnnl_memory_set_data_handle(x->dst, dst));
  dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC_LAYER, x->src},
                            {DNNL_ARG_SRC_ITER, x->src_iter},
                            {DNNL_ARG_WEIGHTS_LAYER, x->w_layer},
                            {DNNL_ARG_WEIGHTS_ITER, x->w_iter},
                            {DNNL_ARG_BIAS, x->bias},
                            {DNNL_ARG_DST_LAYER, x->dst}};
  CHECK(dnnl_primitive_execute(x->prim, x->stream, 6, args));
}

static double run_dnnl(void *p, const bench_case *c, float *y) {
  ctx *x = p;
  const bench_config *g = c->cfg;
  size_t bh = g->batch * g->hidden, bi = g->batch * g->input;
  double t0 = bench_now();
  if (!g->streaming) {
    exec(x, c->x, x->zeros, y);
  } else {
    /* Each step's output row is the next step's state. */
    for (size_t t = 0; t < g->steps; t++)
      exec(x, c->x + t * bi, t ? y + (t - 1) * bh : x->zeros, y + t * bh);
  }
  CHECK(dnnl_stream_wait(x->stream));
  return bench_now() - t0;
}

static void close_dnnl(void *p) {
  ctx *x = p;
  dnnl_memory_destroy(x->src);
  dnnl_memory_destroy(x->src_iter);
  dnnl_memory_destroy(x->dst);
  dnnl_memory_destroy(x->w_layer);
  dnnl_memory_destroy(x->w_iter);
  dnnl_memory_destroy(x->bias);
  dnnl_primitive_destroy(x->prim);
  dnnl_stream_destroy(x->stream);
  dnnl_engine_destroy(x->engine);
  free(x->zeros);
  free(x);
}

static size_t mem_bytes(dnnl_memory_t m) {
  const dnnl_memory_desc_t *d;
  return dnnl_memory_get_memory_desc(m, &d) == dnnl_success ? dnnl_memory_desc_get_size(d) : 0;
}

static size_t dnnl_layer_bytes(void *p) {
  ctx *x = p;
  return mem_bytes(x->w_layer) + mem_bytes(x->w_iter) + mem_bytes(x->bias);
}

static size_t dnnl_no_bytes(void *p) {
  (void)p;
  return 0;
}

const bench_peer bench_onednn = {"onednn",   open_dnnl,        run_dnnl,
                                 close_dnnl, dnnl_layer_bytes, dnnl_no_bytes};

#else

static void *open_none(const bench_case *c, size_t threads, char *note, size_t size) {
  (void)c;
  (void)threads;
  snprintf(note, size, "not built: libdnnl-dev was not found");
  return NULL;
}

const bench_peer bench_onednn = {"onednn", open_none, NULL, NULL, NULL, NULL};

#endif
