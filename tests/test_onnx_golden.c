/* test_onnx_golden.c -- libgru against the ONNX GRU operator.
 *
 * Every file in tests/data/onnx/ (made by tests/data/make_onnx_golden.py
 * from the operator's own numpy reference, GRU_Helper, extended to both
 * directions, sequence_lens and stacks) is one case: W, R, B, X, optional
 * initial_h and sequence_lens, and the reference's Y and Y_h. Each case is
 * loaded as an ONNX user would: W, R, B through GRU_FORMAT_ONNX, the
 * variant from linear_before_reset, direction "reverse" as GRU_REVERSE;
 * then run once per CPU path, Y written in place in the operator's own
 * layout (layout 0: [T, D, B, H] through GRU_SPLIT_DIRECTIONS; layout 1:
 * [B, T, D, H] through GRU_BATCH_MAJOR), once dense and once with the
 * rows of X and Y inside wider rows (x_stride, y_stride). Y and Y_h must
 * match within INTEROP_TOLERANCE; the largest errors are printed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "interop_support.h"

#define MIN_CASES 26 /* the cases make_onnx_golden.py writes */
#define CASE_DIR GRU_TEST_DATA_DIR "/onnx"

/* A case's configuration, from its meta lines. */
typedef struct onnx_config {
  size_t input, hidden, layers, dirs, steps, batch, lbr, layout, bias;
  gru_direction direction;
} onnx_config;

/* Everything a test holds, freed by the teardown even when it fails. */
typedef struct run_ctx {
  const interop_case *spec;
  golden g;
  onnx_config c;
  const golden_tensor *x, *h0, *lens, *y, *y_h;
  size_t lengths[64];
  gru_builder *builder;
  gru_layer *layer;
  gru_sequence *sequence;
  float *h0_buf;          /* initial_h as [L*D, B, H] */
  float *out_y, *out_y_h; /* libgru's, in the golden's layout */
  float *state;           /* [L*D, B, H] */
  float *x_pad, *y_pad;   /* the strided run's buffers */
} run_ctx;

static gru_direction parse_direction(const char *s) {
  CHECK(s != NULL, "no meta direction");
  if (strcmp(s, "forward") == 0) return GRU_FORWARD;
  if (strcmp(s, "reverse") == 0) return GRU_REVERSE;
  CHECK(strcmp(s, "bidirectional") == 0, "meta direction \"%s\"", s);
  return GRU_BIDIRECTIONAL;
}

static void read_config(run_ctx *ctx) {
  onnx_config *c = &ctx->c;
  golden *g = &ctx->g;
  c->input = interop_meta_size(g, "input_size", 4096);
  c->hidden = interop_meta_size(g, "hidden_size", 4096);
  c->layers = interop_meta_size(g, "num_layers", 16);
  c->steps = interop_meta_size(g, "steps", 4096);
  c->batch = interop_meta_size(g, "batch", 64);
  c->lbr = interop_meta_size(g, "linear_before_reset", 1);
  c->layout = interop_meta_size(g, "layout", 1);
  c->bias = interop_meta_size(g, "bias", 1);
  c->direction = parse_direction(golden_meta(g, "direction"));
  c->dirs = c->direction == GRU_BIDIRECTIONAL ? 2 : 1;
  CHECK(c->input && c->hidden && c->layers && c->steps && c->batch,
        "a zero size in the meta lines");
}

/* Finds X, Y, Y_h and the optional initial_h and sequence_lens in the
 * shapes the operator gives them for the case's layout. */
static void read_data(run_ctx *ctx) {
  const onnx_config *c = &ctx->c;
  size_t T = c->steps, B = c->batch, H = c->hidden, LD = c->layers * c->dirs;
  int bm = c->layout == 1;
  size_t x[3] = {bm ? B : T, bm ? T : B, c->input};
  size_t y[4] = {T, c->dirs, B, H}, y_bm[4] = {B, T, c->dirs, H};
  size_t st[3] = {LD, B, H}, st_bm[3] = {B, LD, H};
  ctx->x = interop_need(&ctx->g, "X", 3, x);
  ctx->y = interop_need(&ctx->g, "Y", 4, bm ? y_bm : y);
  ctx->y_h = interop_need(&ctx->g, "Y_h", 3, bm ? st_bm : st);
  ctx->h0 = golden_find(&ctx->g, "initial_h");
  if (ctx->h0) interop_need(&ctx->g, "initial_h", 3, bm ? st_bm : st);
  ctx->lens = golden_find(&ctx->g, "sequence_lens");
  if (ctx->lens) {
    CHECK(B <= sizeof ctx->lengths / sizeof ctx->lengths[0], "batch %zu", B);
    interop_need(&ctx->g, "sequence_lens", 1, (size_t[]){B});
    CHECK(golden_tensor_sizes(ctx->lens, ctx->lengths, B) == 0, "sequence_lens are not integers");
  }
}

static int is_weight(const char *name) {
  return (name[0] == 'W' || name[0] == 'R' || name[0] == 'B') &&
         (name[1] == '\0' || name[1] == '_');
}

/* Builds the layer from every W, R, B of the file, capped at isa; returns
 * the path that took effect. */
static gru_isa build_layer(run_ctx *ctx, gru_isa isa) {
  const onnx_config *c = &ctx->c;
  size_t weights = 0, biases = 0, v;
  CHECK_GRU(gru_builder_create(&ctx->builder), "gru_builder_create");
  gru_builder *b = ctx->builder;
  CHECK_GRU(gru_builder_set_shape(b, c->lbr ? GRU_RESET_AFTER : GRU_RESET_BEFORE, c->direction,
                                  c->layers, c->input, c->hidden),
            gru_builder_error(b));
  CHECK_GRU(gru_builder_set_option(b, GRU_OPT_ISA, (size_t)isa), gru_builder_error(b));
  for (size_t i = 0; i < ctx->g.num_tensors; i++) {
    const golden_tensor *t = &ctx->g.tensors[i];
    if (!is_weight(t->name)) continue;
    CHECK_GRU(gru_builder_set_tensor(b, GRU_FORMAT_ONNX, t->name, t->data, t->ndim, t->shape),
              gru_builder_error(b));
    if (t->name[0] == 'B')
      biases++;
    else
      weights++;
  }
  /* B is optional to libgru: count it, so a file that lost one cannot
   * pass by running with zero biases. */
  CHECK(weights == 2 * c->layers && biases == (c->bias ? c->layers : 0),
        "%zu weight and %zu bias tensors for %zu layer(s), bias %zu", weights, biases, c->layers,
        c->bias);
  CHECK_GRU(gru_builder_build(b, &ctx->layer), gru_builder_error(b));
  gru_builder_destroy(b);
  ctx->builder = NULL;
  CHECK_GRU(gru_layer_get(ctx->layer, GRU_INFO_NUM_DIRECTIONS, &v), "dirs");
  CHECK(v == c->dirs, "GRU_INFO_NUM_DIRECTIONS %zu", v);
  CHECK_GRU(gru_layer_get(ctx->layer, GRU_INFO_ISA, &v), "isa");
  return (gru_isa)v;
}

/* Copies n rows of width floats between a dense array and one whose rows
 * are stride floats apart. */
static void restride(const float *src, size_t src_stride, float *dst, size_t dst_stride, size_t n,
                     size_t width) {
  for (size_t i = 0; i < n; i++)
    memcpy(dst + i * dst_stride, src + i * src_stride, width * sizeof(float));
}

/* Extra floats between rows in the strided run. */
#define PAD 3

/* Runs the case: Y straight into the operator's layout, Y_h from the
 * state (transposed to [B, L*D, H] for layout 1). With padded, X and Y
 * are read and written with rows PAD floats wider than dense, as a caller
 * with ONNX tensors inside larger buffers would. */
static void run_layer(run_ctx *ctx, int padded) {
  const onnx_config *c = &ctx->c;
  size_t T = c->steps, B = c->batch, H = c->hidden, LD = c->layers * c->dirs;
  size_t x_w = c->input, y_w = c->layout == 1 ? c->dirs * H : H;
  size_t x_rows = T * B, y_rows = ctx->y->count / y_w;
  size_t xs = padded ? x_w + PAD : 0, ys = padded ? y_w + PAD : 0;
  float *x = ctx->x->data, *y = ctx->out_y;
  gru_sequence *s;
  interop_fill_nan(ctx->out_y, ctx->y->count);
  interop_fill_nan(ctx->out_y_h, ctx->y_h->count);
  CHECK_GRU(gru_sequence_create(&ctx->sequence, ctx->layer, B, T), "gru_sequence_create");
  s = ctx->sequence;
  const float *h0 = NULL;
  if (ctx->h0) {
    if (c->layout == 1)
      interop_swap01(ctx->h0->data, ctx->h0_buf, B, LD, H);
    else
      memcpy(ctx->h0_buf, ctx->h0->data, ctx->h0->count * sizeof(float));
    h0 = ctx->h0_buf;
  }
  CHECK_GRU(gru_sequence_reset(s, B, h0, LD * B * H), gru_sequence_error(s));
  if (padded) {
    x = ctx->x_pad = interop_alloc(x_rows * xs * sizeof(float));
    y = ctx->y_pad = interop_alloc(y_rows * ys * sizeof(float));
    interop_fill_nan(x, x_rows * xs);
    interop_fill_nan(y, y_rows * ys);
    restride(ctx->x->data, x_w, x, xs, x_rows, x_w);
  }
  CHECK_GRU(gru_sequence_run(s, T, B, x, xs, y, ys, ctx->lens ? ctx->lengths : NULL,
                             c->layout == 1 ? GRU_BATCH_MAJOR : GRU_SPLIT_DIRECTIONS),
            gru_sequence_error(s));
  if (padded) {
    restride(y, ys, ctx->out_y, y_w, y_rows, y_w);
    for (size_t r = 0; r < y_rows; r++)
      for (size_t i = y_w; i < ys; i++)
        CHECK(isnan(y[r * ys + i]), "padding of Y row %zu written", r);
    free(ctx->x_pad);
    free(ctx->y_pad);
    ctx->x_pad = ctx->y_pad = NULL;
  }
  CHECK_GRU(gru_sequence_get_state(s, B, ctx->state, LD * B * H), gru_sequence_error(s));
  if (c->layout == 1)
    interop_swap01(ctx->state, ctx->out_y_h, LD, B, H);
  else
    memcpy(ctx->out_y_h, ctx->state, LD * B * H * sizeof(float));
  gru_sequence_destroy(s);
  ctx->sequence = NULL;
  gru_layer_destroy(ctx->layer);
  ctx->layer = NULL;
}

static void load_case(run_ctx *ctx) {
  CHECK(golden_load(ctx->spec->path, &ctx->g) == 0, "%s", ctx->g.error);
  read_config(ctx);
  read_data(ctx);
  size_t state = ctx->c.layers * ctx->c.dirs * ctx->c.batch * ctx->c.hidden;
  ctx->out_y = interop_alloc(ctx->y->count * sizeof(float));
  ctx->out_y_h = interop_alloc(ctx->y_h->count * sizeof(float));
  ctx->state = interop_alloc(state * sizeof(float));
  ctx->h0_buf = interop_alloc(state * sizeof(float));
}

static int setup_case(void **state) {
  run_ctx *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL) return -1;
  ctx->spec = *state;
  *state = ctx;
  return 0;
}

static int teardown_case(void **state) {
  run_ctx *ctx = *state;
  gru_sequence_destroy(ctx->sequence);
  gru_layer_destroy(ctx->layer);
  gru_builder_destroy(ctx->builder);
  golden_free(&ctx->g);
  free(ctx->out_y);
  free(ctx->out_y_h);
  free(ctx->state);
  free(ctx->h0_buf);
  free(ctx->x_pad);
  free(ctx->y_pad);
  *state = (void *)ctx->spec;
  free(ctx);
  return 0;
}

static void test_case(void **state) {
  run_ctx *ctx = *state;
  interop_skip_unless_cpu(ctx->spec);
  load_case(ctx);
  gru_isa got = build_layer(ctx, ctx->spec->isa);
  interop_require_isa(ctx->spec, got);
  run_layer(ctx, 0);
  double ey = interop_compare(ctx->spec->name, ctx->out_y, ctx->y, INTEROP_TOLERANCE);
  double eh = interop_compare(ctx->spec->name, ctx->out_y_h, ctx->y_h, INTEROP_TOLERANCE);
  /* Again with rows PAD floats apart in X and Y. */
  char what[200];
  snprintf(what, sizeof what, "%s, strided", ctx->spec->name);
  build_layer(ctx, ctx->spec->isa);
  run_layer(ctx, 1);
  double sy = interop_compare(what, ctx->out_y, ctx->y, INTEROP_TOLERANCE);
  double sh = interop_compare(what, ctx->out_y_h, ctx->y_h, INTEROP_TOLERANCE);
  print_message("  %-40s %-6s max err Y %.3g  Y_h %.3g  (strided %.3g %.3g)\n",
                interop_base_name(ctx->spec->path), gru_isa_name(ctx->spec->isa), ey, eh, sy, sh);
}

/* The comparison can fail: a golden Y moved by 4x the tolerance, a weight
 * moved by 1e-2, and the other linear_before_reset must each be caught. */
static void test_perturbation_is_caught(void **state) {
  run_ctx *ctx = *state;
  size_t at;
  load_case(ctx);
  build_layer(ctx, gru_cpu_isa());
  run_layer(ctx, 0);
  CHECK(interop_max_diff(ctx->out_y, ctx->y->data, ctx->y->count, &at) <= INTEROP_TOLERANCE,
        "the unperturbed case already fails");

  size_t k = ctx->y->count / 2;
  ctx->y->data[k] += (float)(4 * INTEROP_TOLERANCE);
  double err = interop_max_diff(ctx->out_y, ctx->y->data, ctx->y->count, &at);
  print_message("  golden Y[%zu] moved by %g: max err %.3g at %zu\n", k, 4 * INTEROP_TOLERANCE, err,
                at);
  CHECK(err > INTEROP_TOLERANCE && at == k, "a moved golden Y went unnoticed");
  ctx->y->data[k] -= (float)(4 * INTEROP_TOLERANCE);

  const golden_tensor *r = golden_find(&ctx->g, "R");
  CHECK(r != NULL, "no R");
  r->data[0] += 1e-2f;
  build_layer(ctx, gru_cpu_isa());
  run_layer(ctx, 0);
  err = interop_max_diff(ctx->out_y, ctx->y->data, ctx->y->count, &at);
  print_message("  R[0] moved by 1e-2: max err Y %.3g\n", err);
  CHECK(err > INTEROP_TOLERANCE, "a moved weight went unnoticed");
  r->data[0] -= 1e-2f;

  ctx->c.lbr = !ctx->c.lbr;
  build_layer(ctx, gru_cpu_isa());
  run_layer(ctx, 0);
  err = interop_max_diff(ctx->out_y, ctx->y->data, ctx->y->count, &at);
  print_message("  the other linear_before_reset: max err Y %.3g\n", err);
  CHECK(err > INTEROP_TOLERANCE, "linear_before_reset made no difference");
}

/* Every file in the directory loads. */
static void test_case_files(void **state) {
  (void)state;
  interop_check_case_files(CASE_DIR, MIN_CASES);
}

int main(void) {
  static interop_case perturbed = {CASE_DIR "/lens_bidir_lbr0_h0.txt", GRU_ISA_SCALAR,
                                   "perturbation", GRU_PRODUCTS_PACKED};
  const struct CMUnitTest fixed[] = {
      cmocka_unit_test(test_case_files),
      cmocka_unit_test_prestate_setup_teardown(test_perturbation_is_caught, setup_case,
                                               teardown_case, &perturbed),
  };
  return interop_run_golden("onnx_golden", CASE_DIR, MIN_CASES, false, fixed, 2, test_case,
                            setup_case, teardown_case);
}
