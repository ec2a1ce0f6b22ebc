/* test_torch_golden.c -- libgru against PyTorch's nn.GRU and nn.GRUCell.
 *
 * Every file in tests/data/torch/ (made by tests/data/make_torch_golden.py)
 * is one case: PyTorch's weights, input, optional h0 and lengths, and what
 * PyTorch computed. Each case is loaded through the public API in
 * GRU_FORMAT_TORCH, run once per CPU path (scalar, AVX2, AVX-512) with
 * libgru's packed products and once with BLAS's, and its y and h_n must
 * match PyTorch's to within INTEROP_TOLERANCE. A path the CPU lacks is
 * reported as SKIPPED by CMocka, case by case. The largest error of each
 * case and path is printed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"
#include "gru.h"
#include "interop_support.h"

#define MIN_CASES 16 /* the cases make_torch_golden.py writes */
#define CASE_DIR GRU_TEST_DATA_DIR "/torch"

/* A case's configuration, from its meta lines. */
typedef struct case_config {
  size_t input, hidden, layers, dirs, steps, batch;
  size_t bidirectional, bias, batch_first, cell;
} case_config;

/* The golden tensors of one case, checked against the configuration. */
typedef struct case_data {
  const golden_tensor *x, *h0, *lengths, *y, *h_n;
  size_t lengths_buf[64];
  const size_t *lens; /* lengths_buf, or NULL */
} case_data;

/* Everything a test holds, freed by the teardown even when it fails. */
typedef struct run_ctx {
  const interop_case *spec;
  golden *g;
  gru_builder *builder;
  gru_layer *layer;
  gru_sequence *sequence;
  float *y, *h_n; /* libgru's results */
} run_ctx;

static void read_config(golden *g, case_config *c) {
  c->input = interop_meta_size(g, "input_size", 4096);
  c->hidden = interop_meta_size(g, "hidden_size", 4096);
  c->layers = interop_meta_size(g, "num_layers", 16);
  c->steps = interop_meta_size(g, "steps", 4096);
  c->batch = interop_meta_size(g, "batch", 64);
  c->bidirectional = interop_meta_size(g, "bidirectional", 1);
  c->bias = interop_meta_size(g, "bias", 1);
  c->batch_first = interop_meta_size(g, "batch_first", 1);
  c->cell = interop_meta_size(g, "cell", 1);
  c->dirs = c->bidirectional ? 2 : 1;
  CHECK(c->input && c->hidden && c->layers && c->steps && c->batch,
        "a zero size in the meta lines");
  CHECK(!c->cell || (c->layers == 1 && !c->bidirectional && !c->batch_first),
        "a cell case must be one layer, forward, time-major");
}

/* Finds x, y, h_n and the optional h0 and lengths, checking their shapes. */
static void read_data(const golden *g, const case_config *c, case_data *d) {
  size_t T = c->steps, B = c->batch, H = c->hidden;
  size_t seq_x[3] = {T, B, c->input}, seq_y[3] = {T, B, c->dirs * H};
  size_t state[3] = {c->layers * c->dirs, B, H};
  if (c->batch_first) {
    seq_x[0] = seq_y[0] = B;
    seq_x[1] = seq_y[1] = T;
  }
  d->x = interop_need(g, "x", 3, seq_x);
  d->y = interop_need(g, "y", 3, seq_y);
  d->h_n = interop_need(g, "h_n", 3, state);
  d->h0 = golden_find(g, "h0");
  if (d->h0 != NULL) interop_need(g, "h0", 3, state);
  d->lengths = golden_find(g, "lengths");
  d->lens = NULL;
  if (d->lengths != NULL) {
    CHECK(!c->cell, "a cell case with lengths");
    CHECK(B <= sizeof d->lengths_buf / sizeof d->lengths_buf[0], "batch");
    interop_need(g, "lengths", 1, (size_t[]){B});
    CHECK(golden_tensor_sizes(d->lengths, d->lengths_buf, B) == 0, "lengths are not integers");
    for (size_t b = 0; b < B; b++)
      CHECK(d->lengths_buf[b] <= T, "length %zu above steps", b);
    d->lens = d->lengths_buf;
  }
}

static int is_data_name(const char *name) {
  static const char *const names[] = {"x", "h0", "lengths", "y", "h_n"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/* Builds the layer from every parameter tensor of the file, capped at isa,
 * into ctx->layer; returns the path that took effect. */
static gru_isa build_layer(run_ctx *ctx, const case_config *c, gru_isa isa) {
  gru_builder *b;
  size_t params = 0, v = 0;
  CHECK_GRU(gru_builder_create(&ctx->builder), "gru_builder_create");
  b = ctx->builder;
  CHECK_GRU(
      gru_builder_set_shape(b, GRU_RESET_AFTER, c->bidirectional ? GRU_BIDIRECTIONAL : GRU_FORWARD,
                            c->layers, c->input, c->hidden),
      gru_builder_error(b));
  CHECK_GRU(gru_builder_set_option(b, GRU_OPT_ISA, (size_t)isa), gru_builder_error(b));
  CHECK_GRU(gru_builder_set_option(b, GRU_OPT_PRODUCTS, (size_t)ctx->spec->products),
            gru_builder_error(b));
  for (size_t i = 0; i < ctx->g->num_tensors; i++) {
    const golden_tensor *t = &ctx->g->tensors[i];
    if (is_data_name(t->name)) continue;
    CHECK_GRU(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, t->name, t->data, t->ndim, t->shape),
              gru_builder_error(b));
    params++;
  }
  /* Biases are optional to libgru: count them, so a file that lost one
   * cannot pass by running with zero biases. */
  CHECK(params == c->layers * c->dirs * (c->bias ? 4 : 2), "%zu parameter tensors, expected %zu",
        params, c->layers * c->dirs * (c->bias ? 4 : 2));
  CHECK_GRU(gru_builder_build(b, &ctx->layer), gru_builder_error(b));
  gru_builder_destroy(b);
  ctx->builder = NULL;

  CHECK_GRU(gru_layer_get(ctx->layer, GRU_INFO_OUTPUT_SIZE, &v), "output");
  CHECK(v == c->dirs * c->hidden, "GRU_INFO_OUTPUT_SIZE %zu", v);
  CHECK_GRU(gru_layer_get(ctx->layer, GRU_INFO_STATE_SIZE, &v), "state");
  CHECK(v == c->layers * c->dirs * c->hidden, "GRU_INFO_STATE_SIZE %zu", v);
  CHECK_GRU(gru_layer_get(ctx->layer, GRU_INFO_ISA, &v), "isa");
  CHECK(v <= (size_t)GRU_ISA_AVX512, "GRU_INFO_ISA %zu", v);
  return (gru_isa)v;
}

/* Runs the case on ctx->layer into ctx->y and ctx->h_n (which start as
 * NaN, so anything libgru leaves unwritten fails the comparison). */
static void run_layer(run_ctx *ctx, const case_config *c, const case_data *d) {
  size_t T = c->steps, B = c->batch;
  gru_sequence *s;
  interop_fill_nan(ctx->y, d->y->count);
  interop_fill_nan(ctx->h_n, d->h_n->count);
  CHECK_GRU(gru_sequence_create(&ctx->sequence, ctx->layer, B, T), "gru_sequence_create");
  s = ctx->sequence;
  if (d->h0 != NULL)
    CHECK_GRU(gru_sequence_reset(s, B, d->h0->data, d->h0->count), gru_sequence_error(s));
  else
    CHECK_GRU(gru_sequence_reset(s, B, NULL, 0), gru_sequence_error(s));
  if (c->cell) {
    for (size_t t = 0; t < T; t++)
      CHECK_GRU(gru_sequence_step(s, B, d->x->data + t * B * c->input, 0,
                                  ctx->y + t * B * c->hidden, 0, NULL, NULL, 0),
                gru_sequence_error(s));
  } else {
    CHECK_GRU(gru_sequence_run(s, T, B, d->x->data, 0, ctx->y, 0, d->lens,
                               c->batch_first ? GRU_BATCH_MAJOR : 0),
              gru_sequence_error(s));
  }
  CHECK_GRU(gru_sequence_get_state(s, B, ctx->h_n, d->h_n->count), gru_sequence_error(s));
  gru_sequence_destroy(s);
  ctx->sequence = NULL;
  gru_layer_destroy(ctx->layer);
  ctx->layer = NULL;
}

/* Loads ctx->spec's file and checks it; allocates the result buffers. */
static void load_case(run_ctx *ctx, case_config *c, case_data *d) {
  CHECK(golden_load(ctx->spec->path, ctx->g) == 0, "%s", ctx->g->error);
  read_config(ctx->g, c);
  read_data(ctx->g, c, d);
  ctx->y = malloc(d->y->count * sizeof *ctx->y);
  ctx->h_n = malloc(d->h_n->count * sizeof *ctx->h_n);
  CHECK(ctx->y != NULL && ctx->h_n != NULL, "out of memory");
}

static int setup_case(void **state) {
  run_ctx *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL) return -1;
  ctx->g = calloc(1, sizeof *ctx->g);
  if (ctx->g == NULL) {
    free(ctx);
    return -1;
  }
  ctx->spec = *state;
  *state = ctx;
  return 0;
}

static int teardown_case(void **state) {
  run_ctx *ctx = *state;
  gru_sequence_destroy(ctx->sequence);
  gru_layer_destroy(ctx->layer);
  gru_builder_destroy(ctx->builder);
  golden_free(ctx->g);
  free(ctx->g);
  free(ctx->y);
  free(ctx->h_n);
  *state = (void *)ctx->spec;
  free(ctx);
  return 0;
}

/* On a mismatch, where it lies: y's error by step and direction, and
 * h_n's by layer and direction. */
static void diagnose(const run_ctx *ctx, const case_config *c, const case_data *d) {
  size_t T = c->steps, B = c->batch, H = c->hidden, D = c->dirs;
  print_error("y max error by step (forward%s):\n", D > 1 ? " | reverse" : "");
  for (size_t t = 0; t < T; t++) {
    double e[2] = {0.0, 0.0};
    for (size_t b = 0; b < B; b++) {
      size_t row = c->batch_first ? b * T + t : t * B + b;
      for (size_t j = 0; j < D * H; j++) {
        size_t i = row * D * H + j;
        double diff = fabs((double)ctx->y[i] - (double)d->y->data[i]);
        if (!(diff <= e[j / H])) e[j / H] = diff;
      }
    }
    if (D > 1)
      print_error("  t=%-3zu %.3g | %.3g\n", t, e[0], e[1]);
    else
      print_error("  t=%-3zu %.3g\n", t, e[0]);
  }
  for (size_t k = 0; k < c->layers * D; k++) {
    size_t at;
    double e = interop_max_diff(ctx->h_n + k * B * H, d->h_n->data + k * B * H, B * H, &at);
    print_error("h_n layer %zu %s: max error %.3g\n", k / D, k % D ? "reverse" : "forward", e);
  }
}

static void test_case(void **state) {
  run_ctx *ctx = *state;
  gru_isa isa = ctx->spec->isa;
  case_config c;
  case_data d;
  size_t at_y, at_h;
  char where_y[96], where_h[96];
  interop_skip_unless_cpu(ctx->spec);
  load_case(ctx, &c, &d);
  interop_require_isa(ctx->spec, build_layer(ctx, &c, isa));
  run_layer(ctx, &c, &d);
  double err_y = interop_max_diff(ctx->y, d.y->data, d.y->count, &at_y);
  double err_h = interop_max_diff(ctx->h_n, d.h_n->data, d.h_n->count, &at_h);
  print_message("  %-38s %-6s %-6s max err y %.3g  h_n %.3g\n", interop_base_name(ctx->spec->path),
                gru_isa_name(isa), ctx->spec->products == GRU_PRODUCTS_BLAS ? "blas" : "packed",
                err_y, err_h);
  if (err_y <= INTEROP_TOLERANCE && err_h <= INTEROP_TOLERANCE) return;
  diagnose(ctx, &c, &d);
  interop_describe_index(d.y->ndim, d.y->shape, at_y, where_y, sizeof where_y);
  interop_describe_index(d.h_n->ndim, d.h_n->shape, at_h, where_h, sizeof where_h);
  CHECK(err_y <= INTEROP_TOLERANCE, "%s: y%s is %.9g, PyTorch %.9g: error %.3g > %g",
        ctx->spec->name, where_y, (double)ctx->y[at_y], (double)d.y->data[at_y], err_y,
        INTEROP_TOLERANCE);
  CHECK(err_h <= INTEROP_TOLERANCE, "%s: h_n%s is %.9g, PyTorch %.9g: error %.3g > %g",
        ctx->spec->name, where_h, (double)ctx->h_n[at_h], (double)d.h_n->data[at_h], err_h,
        INTEROP_TOLERANCE);
}

/* The comparison can fail: a golden output moved by 4x the tolerance, and
 * a weight moved by 1e-2, must each push the error past the tolerance. */
static void test_perturbation_is_caught(void **state) {
  run_ctx *ctx = *state;
  case_config c;
  case_data d;
  size_t at;
  load_case(ctx, &c, &d);
  build_layer(ctx, &c, gru_cpu_isa());
  run_layer(ctx, &c, &d);
  CHECK(interop_max_diff(ctx->y, d.y->data, d.y->count, &at) <= INTEROP_TOLERANCE,
        "the unperturbed case already fails");

  size_t k = d.y->count / 2;
  d.y->data[k] += (float)(4 * INTEROP_TOLERANCE);
  double err = interop_max_diff(ctx->y, d.y->data, d.y->count, &at);
  print_message("  golden y[%zu] moved by %g: max err %.3g at %zu\n", k, 4 * INTEROP_TOLERANCE, err,
                at);
  CHECK(err > INTEROP_TOLERANCE && at == k, "a moved golden output went unnoticed");
  d.y->data[k] -= (float)(4 * INTEROP_TOLERANCE);

  const golden_tensor *w = golden_find(ctx->g, "weight_hh_l0");
  CHECK(w != NULL, "no weight_hh_l0");
  w->data[0] += 1e-2f;
  build_layer(ctx, &c, gru_cpu_isa());
  run_layer(ctx, &c, &d);
  err = interop_max_diff(ctx->y, d.y->data, d.y->count, &at);
  print_message("  weight_hh_l0[0] moved by 1e-2: max err y %.3g\n", err);
  CHECK(err > INTEROP_TOLERANCE, "a moved weight went unnoticed");
}

/* Every case make_torch_golden.py writes is present and loads. */
static void test_case_files(void **state) {
  (void)state;
  interop_check_case_files(CASE_DIR, MIN_CASES);
}

int main(void) {
  static interop_case basic = {CASE_DIR "/basic.txt", GRU_ISA_SCALAR, "perturbation",
                               GRU_PRODUCTS_PACKED};
  const struct CMUnitTest fixed[] = {
      cmocka_unit_test(test_case_files),
      cmocka_unit_test_prestate_setup_teardown(test_perturbation_is_caught, setup_case,
                                               teardown_case, &basic),
  };
  return interop_run_golden("torch_golden", CASE_DIR, MIN_CASES, true, fixed, 2, test_case,
                            setup_case, teardown_case);
}
