/* test_interop.c -- the mistakes users make when they bring weights and
 * state from another ecosystem, and the identities the formats promise.
 * Extends test_builder.c, test_formats.c and test_sequence.c without
 * repeating them:
 *
 *  - nn.GRUCell's names (no "_l0") on one-layer, stacked and bidirectional
 *    builders, and what reads back;
 *  - GRU_REVERSE is the forward pass over each row's steps reversed, bit
 *    for bit, with and without lengths (ONNX direction="reverse" against
 *    its reference is in test_onnx_golden.c);
 *  - wrong tensor shapes, counts and names in every layout, each with its
 *    documented status and a message naming the tensor; after every
 *    failure the builder still builds the model it was given, bit for bit;
 *  - lengths above T in the other memory layouts;
 *  - saved states from every other configuration with the same number of
 *    floats, and state buffers sized for another configuration. */
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
#include "support.h"

enum { I = 4, H = 5, T = 6, B = 3 };

/* ---------------------------------------------------------------------
 * Tensors read back from a layer, to load elsewhere. */

typedef struct tensor {
  char name[GRU_MAX_NAME];
  size_t ndim, shape[GRU_MAX_DIMS], count;
  float *data;
} tensor;

typedef struct tensor_set {
  size_t n;
  tensor t[48];
} tensor_set;

static void read_all(const gru_layer *l, gru_format f, tensor_set *ts) {
  CHECK_GRU(gru_layer_tensor_count(l, f, &ts->n), "count");
  CHECK(ts->n <= sizeof ts->t / sizeof ts->t[0], "%zu tensors", ts->n);
  for (size_t i = 0; i < ts->n; i++) {
    tensor *t = &ts->t[i];
    CHECK_GRU(gru_layer_tensor_info(l, f, i, t->name, sizeof t->name, &t->ndim, t->shape), "info");
    t->count = 1;
    for (size_t d = 0; d < t->ndim; d++)
      t->count *= t->shape[d];
    t->data = interop_alloc(t->count * sizeof(float));
    CHECK_GRU(gru_layer_get_tensor(l, f, t->name, t->data, t->count), t->name);
  }
}

static void set_free(tensor_set *ts) {
  for (size_t i = 0; i < ts->n; i++)
    free(ts->t[i].data);
  ts->n = 0;
}

static const tensor *find(const tensor_set *ts, const char *name) {
  for (size_t i = 0; i < ts->n; i++)
    if (strcmp(ts->t[i].name, name) == 0) return &ts->t[i];
  fail_msg("no tensor %s", name);
  return NULL;
}

/* A random model of the given configuration, read back in format f. */
static void model_tensors(gru_variant v, gru_direction dir, size_t layers, gru_format f,
                          uint64_t seed, tensor_set *ts) {
  test_model m;
  test_model_init(&m, v, dir, layers, I, H, true, seed);
  gru_layer *l = test_model_build(&m, GRU_ISA_SCALAR);
  read_all(l, f, ts);
  gru_layer_destroy(l);
  test_model_free(&m);
}

static gru_builder *new_builder(gru_variant v, gru_direction dir, size_t layers) {
  gru_builder *b;
  CHECK_GRU(gru_builder_create(&b), "create");
  CHECK_GRU(gru_builder_set_shape(b, v, dir, layers, I, H), gru_builder_error(b));
  CHECK_GRU(gru_builder_set_option(b, GRU_OPT_ISA, GRU_ISA_SCALAR), gru_builder_error(b));
  return b;
}

static void load_set(gru_builder *b, gru_format f, const tensor_set *ts) {
  for (size_t i = 0; i < ts->n; i++)
    CHECK_GRU(
        gru_builder_set_tensor(b, f, ts->t[i].name, ts->t[i].data, ts->t[i].ndim, ts->t[i].shape),
        gru_builder_error(b));
}

static gru_layer *build_or_fail(gru_builder *b) {
  gru_layer *l;
  CHECK_GRU(gru_builder_build(b, &l), gru_builder_error(b));
  return l;
}

/* The output and state of l over a fixed input (time-major, dense). */
typedef struct result {
  float y[T * B * 2 * H], h[2 * 2 * B * H];
  size_t ny, nh;
} result;

static void run_fixed(const gru_layer *l, const size_t *lengths, result *r) {
  float x[T * B * I];
  uint64_t seed = 77;
  test_fill(x, T * B * I, &seed, 1.0f);
  size_t out, state;
  CHECK_GRU(gru_layer_get(l, GRU_INFO_OUTPUT_SIZE, &out), "output");
  CHECK_GRU(gru_layer_get(l, GRU_INFO_STATE_SIZE, &state), "state");
  r->ny = T * B * out;
  r->nh = B * state;
  CHECK(r->ny <= sizeof r->y / sizeof r->y[0] && r->nh <= sizeof r->h / sizeof r->h[0],
        "result too large");
  gru_sequence *s;
  CHECK_GRU(gru_sequence_create(&s, l, B, T), "sequence");
  gru_status st = gru_sequence_run(s, T, B, x, 0, r->y, 0, lengths, 0);
  if (st == GRU_OK) st = gru_sequence_get_state(s, B, r->h, r->nh);
  gru_sequence_destroy(s);
  CHECK(st == GRU_OK, "run: %s", gru_status_name(st));
}

static void assert_same_result(const result *a, const result *b) {
  CHECK(a->ny == b->ny && a->nh == b->nh, "different sizes");
  CHECK(memcmp(a->y, b->y, a->ny * sizeof(float)) == 0, "outputs differ");
  CHECK(memcmp(a->h, b->h, a->nh * sizeof(float)) == 0, "states differ");
}

/* ---------------------------------------------------------------------
 * nn.GRUCell's names. */

static void test_gru_cell_names(void **state) {
  (void)state;
  tensor_set torch;
  model_tensors(GRU_RESET_AFTER, GRU_FORWARD, 1, GRU_FORMAT_TORCH, 3, &torch);
  static const char *const cell[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  /* One layer: the cell's state_dict names load as layer 0, compute the
   * same bits, and read back with PyTorch's nn.GRU names ("_l0"). */
  gru_builder *b = new_builder(GRU_RESET_AFTER, GRU_FORWARD, 1);
  load_set(b, GRU_FORMAT_TORCH, &torch);
  gru_layer *ref = build_or_fail(b);
  for (size_t i = 0; i < 4; i++)
    CHECK_GRU(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, cell[i], torch.t[i].data, torch.t[i].ndim,
                                     torch.t[i].shape),
              gru_builder_error(b));
  gru_layer *l = build_or_fail(b);
  result r0, r1;
  run_fixed(ref, NULL, &r0);
  run_fixed(l, NULL, &r1);
  assert_same_result(&r0, &r1);
  char name[GRU_MAX_NAME];
  size_t ndim, shape[GRU_MAX_DIMS];
  CHECK_GRU(gru_layer_tensor_info(l, GRU_FORMAT_TORCH, 0, name, sizeof name, &ndim, shape), "info");
  CHECK(strcmp(name, "weight_ih_l0") == 0, "reads back as %s", name);
  /* The bare name reads back too, the same data. */
  float back[3 * H * I];
  CHECK_GRU(gru_layer_get_tensor(l, GRU_FORMAT_TORCH, "weight_ih", back, 3 * H * I),
            "get weight_ih");
  CHECK(memcmp(back, torch.t[0].data, sizeof back) == 0, "weight_ih read back");
  gru_layer_destroy(l);
  gru_layer_destroy(ref);
  gru_builder_destroy(b);

  /* A stack: the bare names are layer 0 (the suffix is optional for it),
   * never another layer. Two GRUCells stacked by hand load as
   * weight_ih + weight_ih_l1. */
  tensor_set stack;
  model_tensors(GRU_RESET_AFTER, GRU_FORWARD, 2, GRU_FORMAT_TORCH, 4, &stack);
  b = new_builder(GRU_RESET_AFTER, GRU_FORWARD, 2);
  for (size_t i = 0; i < stack.n; i++) {
    const tensor *t = &stack.t[i];
    const char *n = i < 4 ? cell[i] : t->name;
    CHECK_GRU(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, n, t->data, t->ndim, t->shape),
              gru_builder_error(b));
  }
  l = build_or_fail(b);
  tensor_set back2;
  read_all(l, GRU_FORMAT_TORCH, &back2);
  for (size_t i = 0; i < stack.n; i++) {
    CHECK(strcmp(back2.t[i].name, stack.t[i].name) == 0, "name %zu", i);
    CHECK(memcmp(back2.t[i].data, stack.t[i].data, stack.t[i].count * sizeof(float)) == 0,
          "%s differs", stack.t[i].name);
  }
  /* A cell's weight_ih has layer 0's shape: as layer 1's it is refused. */
  const tensor *w0 = find(&stack, "weight_ih_l0");
  CHECK(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l1", w0->data, w0->ndim,
                               w0->shape) == GRU_ERR_SHAPE,
        "layer 1 took layer 0's shape");
  set_free(&back2);
  gru_layer_destroy(l);
  gru_builder_destroy(b);

  /* Bidirectional: "weight_ih" is layer 0 forward, "weight_ih_reverse"
   * layer 0 reverse. */
  tensor_set bi;
  model_tensors(GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 1, GRU_FORMAT_TORCH, 5, &bi);
  b = new_builder(GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 1);
  for (size_t i = 0; i < bi.n; i++) {
    char bare[GRU_MAX_NAME];
    const tensor *t = &bi.t[i];
    snprintf(bare, sizeof bare, "%s%s", cell[i % 4], i >= 4 ? "_reverse" : "");
    CHECK_GRU(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, bare, t->data, t->ndim, t->shape),
              gru_builder_error(b));
  }
  l = build_or_fail(b);
  read_all(l, GRU_FORMAT_TORCH, &back2);
  for (size_t i = 0; i < bi.n; i++)
    CHECK(memcmp(back2.t[i].data, bi.t[i].data, bi.t[i].count * sizeof(float)) == 0, "%s differs",
          bi.t[i].name);
  set_free(&back2);
  gru_layer_destroy(l);
  gru_builder_destroy(b);
  set_free(&bi);
  set_free(&stack);
  set_free(&torch);
}

/* ---------------------------------------------------------------------
 * GRU_REVERSE is the forward pass over reversed steps. */

/* Reverses each row's first len[b] steps of a time-major [T, B, w]. */
static void reverse_rows(const float *src, float *dst, const size_t *len, size_t w) {
  memcpy(dst, src, T * B * w * sizeof(float));
  for (size_t b = 0; b < B; b++) {
    size_t n = len ? len[b] : T;
    for (size_t t = 0; t < n; t++)
      memcpy(dst + (t * B + b) * w, src + ((n - 1 - t) * B + b) * w, w * sizeof(float));
  }
}

static void test_reverse_is_forward_reversed(void **state) {
  (void)state;
  static const size_t lens[B] = {6, 2, 4};
  for (int v = 0; v < 2; v++)
    for (int with_len = 0; with_len < 2; with_len++) {
      const size_t *len = with_len ? lens : NULL;
      tensor_set onnx;
      model_tensors((gru_variant)v, GRU_REVERSE, 1, GRU_FORMAT_ONNX, 8 + v, &onnx);
      CHECK(onnx.n == 3 && onnx.t[0].shape[0] == 1, "GRU_REVERSE's W is [1, 3H, I]");
      gru_builder *b = new_builder((gru_variant)v, GRU_REVERSE, 1);
      load_set(b, GRU_FORMAT_ONNX, &onnx);
      gru_layer *rev = build_or_fail(b);
      gru_builder_destroy(b);
      b = new_builder((gru_variant)v, GRU_FORWARD, 1);
      load_set(b, GRU_FORMAT_ONNX, &onnx);
      gru_layer *fwd = build_or_fail(b);
      gru_builder_destroy(b);
      float x[T * B * I], xr[T * B * I], y[T * B * H], yr[T * B * H], yrr[T * B * H];
      float h[B * H], hr[B * H];
      uint64_t seed = 12;
      test_fill(x, T * B * I, &seed, 1.0f);
      reverse_rows(x, xr, len, I);
      gru_sequence *s;
      CHECK_GRU(gru_sequence_create(&s, rev, B, T), "sequence");
      CHECK_GRU(gru_sequence_run(s, T, B, x, 0, y, 0, len, 0), gru_sequence_error(s));
      CHECK_GRU(gru_sequence_get_state(s, B, h, B * H), gru_sequence_error(s));
      gru_sequence_destroy(s);
      CHECK_GRU(gru_sequence_create(&s, fwd, B, T), "sequence");
      CHECK_GRU(gru_sequence_run(s, T, B, xr, 0, yr, 0, len, 0), gru_sequence_error(s));
      CHECK_GRU(gru_sequence_get_state(s, B, hr, B * H), gru_sequence_error(s));
      gru_sequence_destroy(s);
      reverse_rows(yr, yrr, len, H);
      CHECK(memcmp(y, yrr, sizeof y) == 0, "variant %d lengths %d: outputs differ", v, with_len);
      CHECK(memcmp(h, hr, sizeof h) == 0, "variant %d lengths %d: states differ", v, with_len);
      gru_layer_destroy(rev);
      gru_layer_destroy(fwd);
      set_free(&onnx);
    }
}

/* ---------------------------------------------------------------------
 * Wrong tensors, per layout. */

/* A tensor given wrong: its format, name, and shape (data is taken from
 * a scratch buffer large enough for any of them). */
typedef struct bad_tensor {
  const char *what;
  gru_variant variant;
  gru_direction direction;
  size_t layers;
  gru_format format;
  const char *name;
  size_t ndim, shape[GRU_MAX_DIMS];
  gru_status want;
  const char *message; /* a part the message must contain */
} bad_tensor;

#define BI GRU_BIDIRECTIONAL
#define FW GRU_FORWARD
#define RV GRU_REVERSE
#define RA GRU_RESET_AFTER
#define RB GRU_RESET_BEFORE

static const bad_tensor bad_tensors[] = {
    /* ONNX: the direction axis, the bias length, a squeezed tensor,
     * per-direction names, a layer too many, a layer's input width. */
    {"ONNX W of two directions, forward GRU",
     RB,
     FW,
     1,
     GRU_FORMAT_ONNX,
     "W",
     3,
     {2, 3 * H, I},
     GRU_ERR_SHAPE,
     "W: expected shape [1, 15, 4], got [2, 15, 4]"},
    {"ONNX W of one direction, bidirectional GRU",
     RA,
     BI,
     1,
     GRU_FORMAT_ONNX,
     "W",
     3,
     {1, 3 * H, I},
     GRU_ERR_SHAPE,
     "expected shape [2, 15, 4]"},
    {"ONNX R of one direction, reverse GRU given two",
     RA,
     RV,
     1,
     GRU_FORMAT_ONNX,
     "R",
     3,
     {2, 3 * H, H},
     GRU_ERR_SHAPE,
     "R: expected shape [1, 15, 5]"},
    {"ONNX B with the input biases only [D, 3H]",
     RB,
     BI,
     1,
     GRU_FORMAT_ONNX,
     "B",
     2,
     {2, 3 * H},
     GRU_ERR_SHAPE,
     "B: expected shape [2, 30], got [2, 15]"},
    {"ONNX B with OpenVINO's lbr [D, 4H]",
     RA,
     FW,
     1,
     GRU_FORMAT_ONNX,
     "B",
     2,
     {1, 4 * H},
     GRU_ERR_SHAPE,
     "expected shape [1, 30]"},
    {"ONNX W squeezed to [3H, I]",
     RB,
     FW,
     1,
     GRU_FORMAT_ONNX,
     "W",
     2,
     {3 * H, I},
     GRU_ERR_SHAPE,
     "expected shape [1, 15, 4], got [15, 4]"},
    {"ONNX W_reverse (ONNX tensors hold both directions)",
     RB,
     BI,
     1,
     GRU_FORMAT_ONNX,
     "W_reverse",
     3,
     {2, 3 * H, I},
     GRU_ERR_NAME,
     "'W_reverse' is not a tensor of the ONNX format"},
    {"ONNX W_l1 on a one-layer GRU",
     RB,
     FW,
     1,
     GRU_FORMAT_ONNX,
     "W_l1",
     3,
     {1, 3 * H, H},
     GRU_ERR_NAME,
     "(1 layer(s), 1 direction(s))"},
    {"ONNX W_l1 with layer 0's input width",
     RB,
     BI,
     2,
     GRU_FORMAT_ONNX,
     "W_l1",
     3,
     {2, 3 * H, I},
     GRU_ERR_SHAPE,
     "W_l1: expected shape [2, 15, 10]"},
    /* Keras: the other variant's bias, a transposed kernel, a backward
     * layer's name on a forward GRU. */
    {"Keras reset_after=False bias on a reset-after GRU",
     RA,
     FW,
     1,
     GRU_FORMAT_KERAS,
     "bias",
     1,
     {3 * H},
     GRU_ERR_SHAPE,
     "bias: expected shape [2, 15], got [15]"},
    {"Keras kernel transposed [3H, I]",
     RB,
     FW,
     1,
     GRU_FORMAT_KERAS,
     "kernel",
     2,
     {3 * H, I},
     GRU_ERR_SHAPE,
     "kernel: expected shape [4, 15], got [15, 4]"},
    {"Keras recurrent_kernel [H, 3H] of the wrong H",
     RB,
     FW,
     1,
     GRU_FORMAT_KERAS,
     "recurrent_kernel",
     2,
     {H + 1, 3 * (H + 1)},
     GRU_ERR_SHAPE,
     "expected shape [5, 15]"},
    {"Keras kernel_reverse on a forward GRU",
     RA,
     FW,
     1,
     GRU_FORMAT_KERAS,
     "kernel_reverse",
     2,
     {I, 3 * H},
     GRU_ERR_NAME,
     "'kernel_reverse'"},
    {"Keras kernel_l1 with layer 0's width, bidirectional stack",
     RA,
     BI,
     2,
     GRU_FORMAT_KERAS,
     "kernel_l1",
     2,
     {I, 3 * H},
     GRU_ERR_SHAPE,
     "kernel_l1: expected shape [10, 15]"},
    /* PyTorch: 2-layer names on a 1-layer GRU, a reverse direction on a
     * single-direction GRU, layer 1's input width, 6H biases. */
    {"PyTorch bias_hh_l1 on a one-layer GRU",
     RA,
     FW,
     1,
     GRU_FORMAT_TORCH,
     "bias_hh_l1",
     1,
     {3 * H},
     GRU_ERR_NAME,
     "'bias_hh_l1' is not a tensor of the PyTorch format"},
    {"PyTorch weight_hh_l0_reverse on GRU_REVERSE (one direction)",
     RA,
     RV,
     1,
     GRU_FORMAT_TORCH,
     "weight_hh_l0_reverse",
     2,
     {3 * H, H},
     GRU_ERR_NAME,
     "weight_hh_l0_reverse"},
    {"PyTorch weight_ih_l1 [3H, I] of a bidirectional stack (wants 2H)",
     RA,
     BI,
     2,
     GRU_FORMAT_TORCH,
     "weight_ih_l1_reverse",
     2,
     {3 * H, I},
     GRU_ERR_SHAPE,
     "weight_ih_l1_reverse: expected shape [15, 10], got [15, 4]"},
    {"PyTorch bias_ih [6H] (ONNX's B)",
     RA,
     FW,
     1,
     GRU_FORMAT_TORCH,
     "bias_ih_l0",
     1,
     {6 * H},
     GRU_ERR_SHAPE,
     "expected shape [15], got [30]"},
    /* Ours: W_g over [h, x] without its H columns. */
    {"concatenated W_z [H, I] without the recurrent columns",
     RB,
     FW,
     1,
     GRU_FORMAT_CONCAT,
     "W_z",
     2,
     {H, I},
     GRU_ERR_SHAPE,
     "W_z: expected shape [5, 9]"},
};

/* Sets every tensor of a random model of b's configuration, then the bad
 * tensor (which must fail as documented, with its message), then builds:
 * the result must be bit for bit the model's. */
static void test_bad_tensors(void **state) {
  (void)state;
  static float scratch[4 * 3 * (H + 1) * (3 * (H + 1))];
  uint64_t seed = 5;
  test_fill(scratch, sizeof scratch / sizeof scratch[0], &seed, 0.5f);
  for (size_t i = 0; i < sizeof bad_tensors / sizeof bad_tensors[0]; i++) {
    const bad_tensor *c = &bad_tensors[i];
    tensor_set good;
    model_tensors(c->variant, c->direction, c->layers, c->format, 40 + i, &good);
    gru_builder *b = new_builder(c->variant, c->direction, c->layers);
    gru_layer *l = NULL;
    load_set(b, c->format, &good);
    CHECK_GRU(gru_builder_build(b, &l), gru_builder_error(b));
    result want, got;
    run_fixed(l, NULL, &want);
    gru_layer_destroy(l);
    load_set(b, c->format, &good);
    gru_status st = gru_builder_set_tensor(b, c->format, c->name, scratch, c->ndim, c->shape);
    const char *msg = gru_builder_error(b);
    print_message("  %-62s -> %s: %s\n", c->what, gru_status_name(st), msg);
    CHECK(st == c->want, "%s: %s, expected %s", c->what, gru_status_name(st),
          gru_status_name(c->want));
    CHECK(strstr(msg, c->message) != NULL, "%s: message \"%s\" lacks \"%s\"", c->what, msg,
          c->message);
    l = build_or_fail(b);
    run_fixed(l, NULL, &got);
    assert_same_result(&want, &got);
    gru_layer_destroy(l);
    gru_builder_destroy(b);
    set_free(&good);
  }
}

/* Tensors missing: the build says which, and succeeds once they come. */
static void test_missing_tensors(void **state) {
  (void)state;
  const struct {
    gru_variant v;
    gru_direction dir;
    size_t layers;
    gru_format f;
    const char *skip; /* the tensor left out */
    const char *message;
  } cases[] = {
      {RA, BI, 1, GRU_FORMAT_TORCH, "weight_ih_l0_reverse",
       "layer 0 (reverse): the input weights of gate r were never set"},
      {RA, FW, 2, GRU_FORMAT_TORCH, "weight_hh_l1",
       "layer 1: the recurrent weights of gate r were never set"},
      {RB, BI, 2, GRU_FORMAT_ONNX, "R_l1",
       "layer 1: the recurrent weights of gate r were never set"},
      {RA, FW, 1, GRU_FORMAT_KERAS, "kernel",
       "layer 0: the input weights of gate r were never set"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tensor_set ts;
    model_tensors(cases[i].v, cases[i].dir, cases[i].layers, cases[i].f, 60 + i, &ts);
    gru_builder *b = new_builder(cases[i].v, cases[i].dir, cases[i].layers);
    for (size_t j = 0; j < ts.n; j++)
      if (strcmp(ts.t[j].name, cases[i].skip) != 0)
        CHECK_GRU(gru_builder_set_tensor(b, cases[i].f, ts.t[j].name, ts.t[j].data, ts.t[j].ndim,
                                         ts.t[j].shape),
                  gru_builder_error(b));
    gru_layer *l = (gru_layer *)b;
    gru_status st = gru_builder_build(b, &l);
    print_message("  without %-22s -> %s: %s\n", cases[i].skip, gru_status_name(st),
                  gru_builder_error(b));
    CHECK(st == GRU_ERR_MISSING && l == NULL, "build without %s: %s", cases[i].skip,
          gru_status_name(st));
    CHECK(strstr(gru_builder_error(b), cases[i].message) != NULL, "message: %s",
          gru_builder_error(b));
    const tensor *t = find(&ts, cases[i].skip);
    CHECK_GRU(gru_builder_set_tensor(b, cases[i].f, t->name, t->data, t->ndim, t->shape),
              gru_builder_error(b));
    l = build_or_fail(b);
    gru_layer_destroy(l);
    gru_builder_destroy(b);
    set_free(&ts);
  }
}

/* ---------------------------------------------------------------------
 * Lengths above T in every layout. */

static void test_lengths_above_steps(void **state) {
  (void)state;
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 2, I, H, true, 70);
  gru_layer *l = test_model_build(&m, gru_cpu_isa());
  gru_sequence *s;
  enum { MAX_T = T + 2 };
  CHECK_GRU(gru_sequence_create(&s, l, B, MAX_T), "sequence");
  float x[MAX_T * B * I], y[MAX_T * B * 2 * H], h0[4 * B * H], h[4 * B * H];
  uint64_t seed = 9;
  test_fill(x, MAX_T * B * I, &seed, 1.0f);
  test_fill(h0, 4 * B * H, &seed, 1.0f);
  CHECK_GRU(gru_sequence_reset(s, B, h0, 4 * B * H), gru_sequence_error(s));
  /* steps T within a capacity of T + 2: a length of T + 1 is still above
   * this call's steps. */
  const size_t over[B] = {T, T + 1, 1}, way_over[B] = {1, 2, (size_t)-1};
  const struct {
    const size_t *len;
    uint32_t flags;
  } cases[] = {
      {over, GRU_SPLIT_DIRECTIONS},     {over, GRU_BATCH_MAJOR},     {over, 0},
      {way_over, GRU_SPLIT_DIRECTIONS}, {way_over, GRU_BATCH_MAJOR},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (size_t j = 0; j < sizeof y / sizeof y[0]; j++)
      y[j] = 42.0f;
    gru_status st = gru_sequence_run(s, T, B, x, 0, y, 0, cases[i].len, cases[i].flags);
    CHECK(st == GRU_ERR_INVALID, "case %zu: %s", i, gru_status_name(st));
    CHECK(strstr(gru_sequence_error(s), "lengths[1]") != NULL ||
              strstr(gru_sequence_error(s), "lengths[2]") != NULL,
          "message: %s", gru_sequence_error(s));
    for (size_t j = 0; j < sizeof y / sizeof y[0]; j++)
      CHECK(y[j] == 42.0f, "case %zu: y[%zu] written", i, j);
    CHECK_GRU(gru_sequence_get_state(s, B, h, 4 * B * H), gru_sequence_error(s));
    CHECK(memcmp(h, h0, sizeof h) == 0, "case %zu: state changed", i);
  }
  print_message("  %s\n", gru_sequence_error(s));
  /* The same lengths are fine for T + 1 steps. */
  CHECK_GRU(gru_sequence_run(s, T + 1, B, x, 0, y, 0, over, GRU_SPLIT_DIRECTIONS),
            gru_sequence_error(s));
  gru_sequence_destroy(s);
  gru_layer_destroy(l);
  test_model_free(&m);
}

/* ---------------------------------------------------------------------
 * States from other configurations. */

typedef struct config {
  const char *what;
  gru_variant v;
  gru_direction dir;
  size_t layers, input;
} config;

static gru_layer *config_layer(const config *c, uint64_t seed) {
  test_model m;
  test_model_init(&m, c->v, c->dir, c->layers, c->input, H, true, seed);
  gru_layer *l = test_model_build(&m, GRU_ISA_SCALAR);
  test_model_free(&m);
  return l;
}

/* Every configuration here holds 2*H floats of state per row, so only the
 * header can tell them apart. */
static void test_state_from_other_configurations(void **state) {
  (void)state;
  static const config configs[] = {
      {"reset-after, bidirectional, 1 layer", RA, BI, 1, I},
      {"reset-before, bidirectional, 1 layer", RB, BI, 1, I},
      {"reset-after, summed directions, 1 layer", RA, GRU_BIDIRECTIONAL_SUM, 1, I},
      {"reset-after, forward, 2 layers", RA, FW, 2, I},
      {"reset-after, reverse, 2 layers", RA, RV, 2, I},
      {"reset-after, bidirectional, 1 layer, input I+1", RA, BI, 1, I + 1},
  };
  enum { N = sizeof configs / sizeof configs[0] };
  for (size_t a = 0; a < N; a++) {
    gru_layer *la = config_layer(&configs[a], 80 + a);
    gru_sequence *sa;
    CHECK_GRU(gru_sequence_create(&sa, la, B, 1), "sequence");
    float h0[2 * B * H], now[2 * B * H];
    uint64_t seed = 90 + a;
    test_fill(h0, 2 * B * H, &seed, 1.0f);
    CHECK_GRU(gru_sequence_reset(sa, B, h0, 2 * B * H), gru_sequence_error(sa));
    for (size_t b = 0; b < N; b++) {
      gru_layer *lb = config_layer(&configs[b], 80 + b);
      gru_sequence *sb;
      CHECK_GRU(gru_sequence_create(&sb, lb, B, 1), "sequence");
      unsigned char buf[4096];
      size_t n;
      CHECK_GRU(gru_sequence_save_state(sb, B, buf, sizeof buf, &n), gru_sequence_error(sb));
      gru_status st = gru_sequence_load_state(sa, buf, n);
      if (a == b) {
        CHECK(st == GRU_OK, "%s into itself: %s", configs[a].what, gru_status_name(st));
        CHECK_GRU(gru_sequence_reset(sa, B, h0, 2 * B * H), gru_sequence_error(sa));
      } else {
        CHECK(st == GRU_ERR_MISMATCH, "%s into %s: %s", configs[b].what, configs[a].what,
              gru_status_name(st));
        CHECK(strlen(gru_sequence_error(sa)) > 0, "no message");
        CHECK_GRU(gru_sequence_get_state(sa, B, now, 2 * B * H), gru_sequence_error(sa));
        CHECK(memcmp(now, h0, sizeof now) == 0, "%s into %s changed the state", configs[b].what,
              configs[a].what);
      }
      gru_sequence_destroy(sb);
      gru_layer_destroy(lb);
    }
    gru_sequence_destroy(sa);
    gru_layer_destroy(la);
  }
}

/* State buffers laid out for another configuration: ONNX's Y_h of one
 * direction into a bidirectional layer, a stack's state into one layer. A
 * saved state of fewer rows restores those rows and leaves the others. */
static void test_state_buffers_of_other_sizes(void **state) {
  (void)state;
  config bi = {"bidirectional", RA, BI, 1, I}, two = {"2 layers", RB, FW, 2, I};
  gru_layer *l = config_layer(&bi, 1);
  gru_sequence *s, *small;
  CHECK_GRU(gru_sequence_create(&s, l, B, 1), "sequence");
  float h0[2 * B * H], now[2 * B * H];
  uint64_t seed = 3;
  test_fill(h0, 2 * B * H, &seed, 1.0f);
  CHECK_GRU(gru_sequence_reset(s, B, h0, 2 * B * H), gru_sequence_error(s));
  const struct {
    size_t batch, count;
    gru_status want;
  } cases[] = {
      {B, B * H, GRU_ERR_SIZE},             /* one direction's Y_h [1, B, H] */
      {B, 4 * B * H, GRU_ERR_SIZE},         /* [L*D, B, H] of a 2-layer bidirectional */
      {2 * B, 2 * B * H, GRU_ERR_CAPACITY}, /* [B, D*H] read as 2B rows */
      {1, 2 * B * H, GRU_ERR_SIZE},         /* batch 1, the count of B rows */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    float buf[4 * 2 * B * H] = {0};
    gru_status st = gru_sequence_reset(s, cases[i].batch, buf, cases[i].count);
    CHECK(st == cases[i].want, "reset case %zu: %s", i, gru_status_name(st));
    st = gru_sequence_get_state(s, cases[i].batch, buf, cases[i].count);
    CHECK(st == cases[i].want, "get_state case %zu: %s", i, gru_status_name(st));
    CHECK_GRU(gru_sequence_get_state(s, B, now, 2 * B * H), gru_sequence_error(s));
    CHECK(memcmp(now, h0, sizeof now) == 0, "case %zu changed the state", i);
  }
  /* One row saved, restored into a sequence of three: rows 1, 2 stay. */
  CHECK_GRU(gru_sequence_create(&small, l, 1, 1), "sequence");
  float one[2 * H];
  test_fill(one, 2 * H, &seed, 1.0f);
  CHECK_GRU(gru_sequence_reset(small, 1, one, 2 * H), gru_sequence_error(small));
  unsigned char saved[1024];
  size_t n;
  CHECK_GRU(gru_sequence_save_state(small, 1, saved, sizeof saved, &n), gru_sequence_error(small));
  CHECK_GRU(gru_sequence_load_state(s, saved, n), gru_sequence_error(s));
  CHECK_GRU(gru_sequence_get_state(s, B, now, 2 * B * H), gru_sequence_error(s));
  for (size_t d = 0; d < 2; d++) {
    CHECK(memcmp(now + d * B * H, one + d * H, H * sizeof(float)) == 0, "row 0");
    CHECK(memcmp(now + d * B * H + H, h0 + d * B * H + H, (B - 1) * H * sizeof(float)) == 0,
          "rows 1..B-1 changed");
  }
  gru_sequence_destroy(small);
  /* A 2-layer state has as many floats as a bidirectional one: only a
   * saved state's header tells them apart (test above); a raw buffer is
   * the caller's to lay out. */
  gru_layer *l2 = config_layer(&two, 2);
  size_t a, b2;
  CHECK_GRU(gru_layer_get(l, GRU_INFO_STATE_SIZE, &a), "state size");
  CHECK_GRU(gru_layer_get(l2, GRU_INFO_STATE_SIZE, &b2), "state size");
  CHECK(a == b2 && a == 2 * H, "state sizes %zu and %zu", a, b2);
  gru_layer_destroy(l2);
  gru_sequence_destroy(s);
  gru_layer_destroy(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gru_cell_names),
      cmocka_unit_test(test_reverse_is_forward_reversed),
      cmocka_unit_test(test_bad_tensors),
      cmocka_unit_test(test_missing_tensors),
      cmocka_unit_test(test_lengths_above_steps),
      cmocka_unit_test(test_state_from_other_configurations),
      cmocka_unit_test(test_state_buffers_of_other_sizes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
