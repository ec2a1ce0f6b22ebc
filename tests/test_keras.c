/* test_keras.c -- Keras's GRU layout, by its documented conventions
 * (Keras itself cannot be installed here).
 *
 * 1. Golden cases: every file in tests/data/keras/ (a float64 numpy model
 *    of keras.layers.GRU written from Keras's documented equations by
 *    tests/data/make_keras_golden.py, checked there against torch.nn.GRU
 *    and ONNX's GRU_Helper) is loaded through GRU_FORMAT_KERAS and run on
 *    every CPU path, batch-major as Keras's inputs are; y and h_n must
 *    match within INTEROP_TOLERANCE. go_backwards is GRU_REVERSE, whose
 *    outputs sit at their input step; Keras returns them in processing
 *    order, so the test reads them backwards. Bidirectional's merge_mode
 *    'concat' is GRU_BIDIRECTIONAL, 'sum' GRU_BIDIRECTIONAL_SUM.
 * 2. Conversions: every ONNX golden case (both linear_before_reset) and
 *    every PyTorch golden case is converted here, by hand and apart from
 *    the library, to Keras's layout (kernel = W^T, gates z|r|h in columns;
 *    reset_after=True: bias [2, 3H] = [input; recurrent]; reset_after=
 *    False: bias [3H] = Wb + Rb, the only Keras bias there is), loaded
 *    both ways, and run: outputs and states must be bit-identical on every
 *    path. They are, because the arithmetic is the same: loading is a
 *    permutation, a transposition and a sign flip (exact), and for
 *    reset_after=False the library folds ONNX's Wb + Rb into one bias when
 *    it builds the layer, the very float32 sum the test makes.
 * 3. get_weights() order and shapes: a layer's Keras tensors list in the
 *    order Keras's model.get_weights() returns them. */
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

#define MIN_CASES 11 /* the cases make_keras_golden.py writes */
#define KERAS_DIR GRU_TEST_DATA_DIR "/keras"
#define ONNX_DIR GRU_TEST_DATA_DIR "/onnx"
#define TORCH_DIR GRU_TEST_DATA_DIR "/torch"

/* ---------------------------------------------------------------------
 * Running a layer: the same input, two layers, bit-identical results. */

typedef struct run_io {
  size_t steps, batch, state; /* state: floats of [L*D, B, H] */
  const float *x, *h0;        /* h0 [L*D, B, H] or NULL */
  const size_t *lengths;
  uint32_t flags;
  size_t ny; /* floats of y */
} run_io;

/* Runs l on io into y (ny floats) and state. */
static void run_into(const gru_layer *l, const run_io *io, float *y, float *state) {
  gru_sequence *s;
  interop_fill_nan(y, io->ny);
  CHECK_GRU(gru_sequence_create(&s, l, io->batch, io->steps), "gru_sequence_create");
  gru_status st = gru_sequence_reset(s, io->batch, io->h0, io->state);
  if (st == GRU_OK)
    st = gru_sequence_run(s, io->steps, io->batch, io->x, 0, y, 0, io->lengths, io->flags);
  if (st == GRU_OK) st = gru_sequence_get_state(s, io->batch, state, io->state);
  if (st != GRU_OK) print_error("%s\n", gru_sequence_error(s));
  gru_sequence_destroy(s);
  CHECK(st == GRU_OK, "running the layer: %s", gru_status_name(st));
}

/* One named tensor to load. */
typedef struct tensor {
  char name[GRU_MAX_NAME];
  size_t ndim, shape[GRU_MAX_DIMS];
  float *data; /* owned by the tensor list */
} tensor;

typedef struct tensor_list {
  size_t n;
  tensor t[64];
} tensor_list;

static float *add_tensor(tensor_list *ts, const char *name, size_t ndim, size_t d0, size_t d1) {
  CHECK(ts->n < sizeof ts->t / sizeof ts->t[0], "too many tensors");
  tensor *t = &ts->t[ts->n++];
  snprintf(t->name, sizeof t->name, "%s", name);
  t->ndim = ndim;
  t->shape[0] = d0;
  t->shape[1] = d1;
  t->data = interop_alloc(d0 * (ndim > 1 ? d1 : 1) * sizeof(float));
  return t->data;
}

static void tensors_free(tensor_list *ts) {
  for (size_t i = 0; i < ts->n; i++)
    free(ts->t[i].data);
  ts->n = 0;
}

typedef struct shape_spec {
  gru_variant variant;
  gru_direction direction;
  size_t layers, input, hidden;
} shape_spec;

/* Builds a layer from tensors of one format (golden tensors or a list). */
static gru_layer *build(const shape_spec *s, gru_isa isa, gru_format f, const golden *g,
                        int (*pick)(const char *), const tensor_list *ts) {
  gru_builder *b;
  gru_layer *l = NULL;
  CHECK_GRU(gru_builder_create(&b), "gru_builder_create");
  gru_status st =
      gru_builder_set_shape(b, s->variant, s->direction, s->layers, s->input, s->hidden);
  if (st == GRU_OK) st = gru_builder_set_option(b, GRU_OPT_ISA, (size_t)isa);
  for (size_t i = 0; g && st == GRU_OK && i < g->num_tensors; i++) {
    const golden_tensor *t = &g->tensors[i];
    if (pick(t->name)) st = gru_builder_set_tensor(b, f, t->name, t->data, t->ndim, t->shape);
  }
  for (size_t i = 0; ts && st == GRU_OK && i < ts->n; i++)
    st = gru_builder_set_tensor(b, f, ts->t[i].name, ts->t[i].data, ts->t[i].ndim, ts->t[i].shape);
  if (st == GRU_OK) st = gru_builder_build(b, &l);
  if (st != GRU_OK) print_error("%s\n", gru_builder_error(b));
  gru_builder_destroy(b);
  CHECK(st == GRU_OK, "building the layer: %s", gru_status_name(st));
  return l;
}

/* Runs both layers on io; returns whether outputs and states have the
 * same bits, and the largest output difference in *diff. */
static int bits_equal(const gru_layer *a, const gru_layer *b, const run_io *io, double *diff) {
  float *ya = interop_alloc(io->ny * sizeof(float));
  float *yb = interop_alloc(io->ny * sizeof(float));
  float *sa = interop_alloc(io->state * sizeof(float));
  float *sb = interop_alloc(io->state * sizeof(float));
  run_into(a, io, ya, sa);
  run_into(b, io, yb, sb);
  size_t at;
  *diff = interop_max_diff(ya, yb, io->ny, &at);
  int same =
      memcmp(ya, yb, io->ny * sizeof(float)) == 0 && memcmp(sa, sb, io->state * sizeof(float)) == 0;
  free(ya);
  free(yb);
  free(sa);
  free(sb);
  return same;
}

static void same_bits(const char *what, const gru_layer *a, const gru_layer *b, const run_io *io) {
  double diff;
  CHECK(bits_equal(a, b, io, &diff), "%s: outputs differ (max %.3g)", what, diff);
}

/* Records the path a layer really runs (GRU_ISA may cap it) in *seen, a
 * bit per gru_isa; paths() counts them. */
static void note_path(const gru_layer *l, unsigned *seen) {
  size_t isa;
  CHECK_GRU(gru_layer_get(l, GRU_INFO_ISA, &isa), "isa");
  *seen |= 1u << isa;
}

static size_t paths(unsigned seen) {
  size_t n = 0;
  for (; seen; seen >>= 1)
    n += seen & 1u;
  return n;
}

/* ---------------------------------------------------------------------
 * The conversions, from each format's documentation. */

/* Keras's name for layer k, direction d of a stack of L. */
static void keras_name(char *buf, size_t size, const char *base, size_t k, size_t L, size_t d) {
  char layer[24] = "";
  if (L > 1) snprintf(layer, sizeof layer, "_l%zu", k);
  snprintf(buf, size, "%s%s%s", base, layer, d ? "_reverse" : "");
}

/* ONNX W [D, 3H, In] (rows z|r|h) of direction d -> kernel [In, 3H]
 * (columns z|r|h): a plain transpose, the gate order is the same. */
static void transpose_rows(const float *m, size_t rows, size_t cols, float *out) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++)
      out[c * rows + r] = m[r * cols + c];
}

/* The Keras tensors of an ONNX node set (W, R, B per layer). */
static void onnx_to_keras(const golden *g, size_t L, size_t D, size_t I, size_t H, int lbr,
                          tensor_list *out) {
  char name[GRU_MAX_NAME];
  for (size_t k = 0; k < L; k++) {
    char sfx[24] = "";
    if (L > 1) snprintf(sfx, sizeof sfx, "_l%zu", k);
    size_t in = k == 0 ? I : D * H;
    snprintf(name, sizeof name, "W%s", sfx);
    const golden_tensor *W = interop_need(g, name, 3, (size_t[]){D, 3 * H, in});
    snprintf(name, sizeof name, "R%s", sfx);
    const golden_tensor *R = interop_need(g, name, 3, (size_t[]){D, 3 * H, H});
    snprintf(name, sizeof name, "B%s", sfx);
    const golden_tensor *B = golden_find(g, name);
    for (size_t d = 0; d < D; d++) {
      keras_name(name, sizeof name, "kernel", k, L, d);
      transpose_rows(W->data + d * 3 * H * in, 3 * H, in, add_tensor(out, name, 2, in, 3 * H));
      keras_name(name, sizeof name, "recurrent_kernel", k, L, d);
      transpose_rows(R->data + d * 3 * H * H, 3 * H, H, add_tensor(out, name, 2, H, 3 * H));
      if (B == NULL) continue;
      const float *wb = B->data + d * 6 * H, *rb = wb + 3 * H;
      keras_name(name, sizeof name, "bias", k, L, d);
      if (lbr) { /* reset_after=True: [input biases; recurrent biases] */
        memcpy(add_tensor(out, name, 2, 2, 3 * H), wb, 6 * H * sizeof(float));
      } else { /* reset_after=False: one bias per gate, Wb + Rb */
        float *bias = add_tensor(out, name, 1, 3 * H, 0);
        for (size_t i = 0; i < 3 * H; i++)
          bias[i] = wb[i] + rb[i];
      }
    }
  }
}

/* PyTorch rows r|z|n -> Keras columns z|r|h: Keras gate kg is PyTorch
 * gate torch_gate[kg]; the matrix is transposed. */
static const size_t torch_gate[3] = {1, 0, 2};

static void torch_matrix_to_keras(const float *m, size_t H, size_t cols, float *out) {
  for (size_t kg = 0; kg < 3; kg++)
    for (size_t j = 0; j < H; j++)
      for (size_t c = 0; c < cols; c++)
        out[c * 3 * H + kg * H + j] = m[(torch_gate[kg] * H + j) * cols + c];
}

static void torch_bias_to_keras(const float *b, size_t H, float *out) {
  for (size_t kg = 0; kg < 3; kg++)
    memcpy(out + kg * H, b + torch_gate[kg] * H, H * sizeof(float));
}

/* The Keras (reset_after=True) tensors of a PyTorch state_dict. cell: the
 * names carry no layer suffix (nn.GRUCell). */
static void torch_to_keras(const golden *g, size_t L, size_t D, size_t I, size_t H, int cell,
                           tensor_list *out) {
  char name[GRU_MAX_NAME], sfx[40];
  for (size_t k = 0; k < L; k++)
    for (size_t d = 0; d < D; d++) {
      size_t in = k == 0 ? I : D * H;
      if (cell)
        sfx[0] = '\0';
      else
        snprintf(sfx, sizeof sfx, "_l%zu%s", k, d ? "_reverse" : "");
      snprintf(name, sizeof name, "weight_ih%s", sfx);
      const golden_tensor *wih = interop_need(g, name, 2, (size_t[]){3 * H, in});
      snprintf(name, sizeof name, "weight_hh%s", sfx);
      const golden_tensor *whh = interop_need(g, name, 2, (size_t[]){3 * H, H});
      snprintf(name, sizeof name, "bias_ih%s", sfx);
      const golden_tensor *bih = golden_find(g, name);
      snprintf(name, sizeof name, "bias_hh%s", sfx);
      const golden_tensor *bhh = golden_find(g, name);
      keras_name(name, sizeof name, "kernel", k, L, d);
      torch_matrix_to_keras(wih->data, H, in, add_tensor(out, name, 2, in, 3 * H));
      keras_name(name, sizeof name, "recurrent_kernel", k, L, d);
      torch_matrix_to_keras(whh->data, H, H, add_tensor(out, name, 2, H, 3 * H));
      CHECK((bih == NULL) == (bhh == NULL), "one PyTorch bias without the other");
      if (bih == NULL) continue;
      keras_name(name, sizeof name, "bias", k, L, d);
      float *bias = add_tensor(out, name, 2, 2, 3 * H);
      torch_bias_to_keras(bih->data, H, bias);
      torch_bias_to_keras(bhh->data, H, bias + 3 * H);
    }
}

static int is_onnx_weight(const char *n) {
  return (n[0] == 'W' || n[0] == 'R' || n[0] == 'B') && (n[1] == '\0' || n[1] == '_');
}

static int is_torch_weight(const char *n) {
  return strncmp(n, "weight_", 7) == 0 || strncmp(n, "bias_", 5) == 0;
}

/* ---------------------------------------------------------------------
 * 2. Conversions from ONNX and from PyTorch. */

static gru_direction onnx_direction(const golden *g, size_t *dirs) {
  const char *s = golden_meta(g, "direction");
  CHECK(s != NULL, "no meta direction");
  *dirs = strcmp(s, "bidirectional") == 0 ? 2 : 1;
  if (strcmp(s, "reverse") == 0) return GRU_REVERSE;
  return *dirs == 2 ? GRU_BIDIRECTIONAL : GRU_FORWARD;
}

/* The run of an ONNX case: its X, initial_h (into *h0_buf, [L*D, B, H],
 * which the caller frees) and sequence_lens (into lengths[64]); y in
 * ONNX's own layout. */
static run_io onnx_io(const golden *g, size_t L, size_t D, size_t H, size_t T, size_t B,
                      size_t layout, size_t *lengths, float **h0_buf) {
  const golden_tensor *x = golden_find(g, "X"), *h0 = golden_find(g, "initial_h"),
                      *lens = golden_find(g, "sequence_lens");
  CHECK(x != NULL && B <= 64, "X");
  if (lens) CHECK(golden_tensor_sizes(lens, lengths, B) == 0, "lengths");
  *h0_buf = NULL;
  if (h0) {
    *h0_buf = interop_alloc(h0->count * sizeof(float));
    if (layout)
      interop_swap01(h0->data, *h0_buf, B, L * D, H);
    else
      memcpy(*h0_buf, h0->data, h0->count * sizeof(float));
  }
  return (run_io){T,
                  B,
                  L * D * B * H,
                  x->data,
                  *h0_buf,
                  lens ? lengths : NULL,
                  layout ? GRU_BATCH_MAJOR : GRU_SPLIT_DIRECTIONS,
                  T * B * D * H};
}

static void onnx_case_to_keras(const char *path, size_t *cases) {
  golden *g = interop_alloc(sizeof *g);
  CHECK(golden_load(path, g) == 0, "%s", g->error);
  size_t D,
      I = interop_meta_size(g, "input_size", 4096), H = interop_meta_size(g, "hidden_size", 4096),
      L = interop_meta_size(g, "num_layers", 16), T = interop_meta_size(g, "steps", 4096),
      B = interop_meta_size(g, "batch", 64), lbr = interop_meta_size(g, "linear_before_reset", 1),
      layout = interop_meta_size(g, "layout", 1);
  shape_spec s = {lbr ? GRU_RESET_AFTER : GRU_RESET_BEFORE, onnx_direction(g, &D), L, I, H};
  tensor_list keras = {0};
  onnx_to_keras(g, L, D, I, H, (int)lbr, &keras);
  size_t lengths[64];
  float *h0_buf = NULL;
  run_io io = onnx_io(g, L, D, H, T, B, layout, lengths, &h0_buf);
  gru_isa isas[3];
  unsigned seen = 0;
  size_t n = test_isas(isas);
  for (size_t i = 0; i < n; i++) {
    gru_layer *a = build(&s, isas[i], GRU_FORMAT_ONNX, g, is_onnx_weight, NULL);
    gru_layer *b = build(&s, isas[i], GRU_FORMAT_KERAS, NULL, NULL, &keras);
    note_path(a, &seen);
    char what[200];
    snprintf(what, sizeof what, "%s (%s) as Keras reset_after=%s", interop_base_name(path),
             gru_isa_name(isas[i]), lbr ? "True" : "False");
    same_bits(what, a, b, &io);
    gru_layer_destroy(a);
    gru_layer_destroy(b);
  }
  print_message(
      "  %-40s lbr=%zu -> reset_after=%s: bit-identical on %zu "
      "path(s)\n",
      interop_base_name(path), lbr, lbr ? "True " : "False", paths(seen));
  (*cases)++;
  free(h0_buf);
  tensors_free(&keras);
  golden_free(g);
  free(g);
}

static void test_onnx_to_keras(void **state) {
  (void)state;
  char **paths;
  size_t n, cases = 0;
  CHECK(golden_list(ONNX_DIR, ".txt", &paths, &n) == 0, "cannot list %s", ONNX_DIR);
  for (size_t i = 0; i < n; i++)
    onnx_case_to_keras(paths[i], &cases);
  golden_list_free(paths, n);
  CHECK(cases >= 26, "%zu ONNX cases converted", cases);
}

static void torch_case_to_keras(const char *path, size_t *cases) {
  golden *g = interop_alloc(sizeof *g);
  CHECK(golden_load(path, g) == 0, "%s", g->error);
  size_t I = interop_meta_size(g, "input_size", 4096),
         H = interop_meta_size(g, "hidden_size", 4096), L = interop_meta_size(g, "num_layers", 16),
         T = interop_meta_size(g, "steps", 4096), B = interop_meta_size(g, "batch", 64),
         D = interop_meta_size(g, "bidirectional", 1) + 1,
         bf = interop_meta_size(g, "batch_first", 1), cell = interop_meta_size(g, "cell", 1);
  shape_spec s = {GRU_RESET_AFTER, D == 2 ? GRU_BIDIRECTIONAL : GRU_FORWARD, L, I, H};
  tensor_list keras = {0};
  torch_to_keras(g, L, D, I, H, (int)cell, &keras);
  const golden_tensor *x = golden_find(g, "x"), *h0 = golden_find(g, "h0"),
                      *lens = golden_find(g, "lengths");
  size_t lengths[64];
  CHECK(x != NULL && B <= 64, "x");
  if (lens) CHECK(golden_tensor_sizes(lens, lengths, B) == 0, "lengths");
  run_io io = {T,
               B,
               L * D * B * H,
               x->data,
               h0 ? h0->data : NULL,
               lens ? lengths : NULL,
               bf ? GRU_BATCH_MAJOR : 0,
               T * B * D * H};
  gru_isa isas[3];
  unsigned seen = 0;
  size_t n = test_isas(isas);
  for (size_t i = 0; i < n; i++) {
    gru_layer *a = build(&s, isas[i], GRU_FORMAT_TORCH, g, is_torch_weight, NULL);
    gru_layer *b = build(&s, isas[i], GRU_FORMAT_KERAS, NULL, NULL, &keras);
    note_path(a, &seen);
    char what[200];
    snprintf(what, sizeof what, "%s (%s) as Keras reset_after=True", interop_base_name(path),
             gru_isa_name(isas[i]));
    same_bits(what, a, b, &io);
    gru_layer_destroy(a);
    gru_layer_destroy(b);
  }
  print_message(
      "  %-40s PyTorch -> reset_after=True: bit-identical on %zu "
      "path(s)\n",
      interop_base_name(path), paths(seen));
  (*cases)++;
  tensors_free(&keras);
  golden_free(g);
  free(g);
}

static void test_torch_to_keras(void **state) {
  (void)state;
  char **paths;
  size_t n, cases = 0;
  CHECK(golden_list(TORCH_DIR, ".txt", &paths, &n) == 0, "cannot list %s", TORCH_DIR);
  for (size_t i = 0; i < n; i++)
    torch_case_to_keras(paths[i], &cases);
  golden_list_free(paths, n);
  CHECK(cases >= 16, "%zu PyTorch cases converted", cases);
}

/* Keras's reset_after=False bias reads back as the sum the conversion
 * made: loading ONNX's B (lbr=0) and reading Keras's bias gives Wb + Rb,
 * bit for bit. */
static void test_reset_before_bias_reads_back_as_sum(void **state) {
  (void)state;
  golden *g = interop_alloc(sizeof *g);
  CHECK(golden_load(ONNX_DIR "/bidir_lbr0.txt", g) == 0, "%s", g->error);
  size_t I = interop_meta_size(g, "input_size", 4096),
         H = interop_meta_size(g, "hidden_size", 4096);
  shape_spec s = {GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 1, I, H};
  tensor_list keras = {0};
  onnx_to_keras(g, 1, 2, I, H, 0, &keras);
  gru_layer *l = build(&s, GRU_ISA_SCALAR, GRU_FORMAT_ONNX, g, is_onnx_weight, NULL);
  size_t checked = 0;
  for (size_t i = 0; i < keras.n; i++) {
    const tensor *t = &keras.t[i];
    size_t count = t->shape[0] * (t->ndim > 1 ? t->shape[1] : 1);
    float *buf = interop_alloc(count * sizeof(float));
    CHECK_GRU(gru_layer_get_tensor(l, GRU_FORMAT_KERAS, t->name, buf, count), t->name);
    CHECK(memcmp(buf, t->data, count * sizeof(float)) == 0,
          "%s read back differs from the hand conversion", t->name);
    free(buf);
    checked++;
  }
  CHECK(checked == 6, "%zu Keras tensors", checked);
  gru_layer_destroy(l);
  tensors_free(&keras);
  golden_free(g);
  free(g);
}

/* oneDNN's GRU (its RNN developer guide): weights_layer [L, D, I, 3, H]
 * and weights_iter [L, D, H, 3, H] (format ldigo), gates u|r|o, where u is
 * ONNX's z (h_t = u*h + (1 - u)*o); bias [L, D, 3, H] for gru, and
 * [L, D, 4, H] for lbr_gru, whose fourth gate u' sits inside r*(U_o.h +
 * B_u'). libgru has no oneDNN format: one layer and direction of ldigo
 * IS a Keras kernel [I, 3H] (recurrent_kernel [H, 3H]), and the biases map
 * to Keras's as docs/interop.md writes: gru's [3, H] is reset_after=False's
 * [3H]; lbr_gru's [4, H] is reset_after=True's [[B_u, B_r, B_o],
 * [0, 0, B_u']]. Every ONNX case, converted to oneDNN's layout by its
 * documentation and loaded by that recipe, computes ONNX's bits. */
static void onnx_case_via_onednn(const char *path) {
  golden *g = interop_alloc(sizeof *g);
  CHECK(golden_load(path, g) == 0, "%s", g->error);
  size_t D,
      I = interop_meta_size(g, "input_size", 4096), H = interop_meta_size(g, "hidden_size", 4096),
      L = interop_meta_size(g, "num_layers", 16), T = interop_meta_size(g, "steps", 4096),
      B = interop_meta_size(g, "batch", 64), lbr = interop_meta_size(g, "linear_before_reset", 1),
      layout = interop_meta_size(g, "layout", 1);
  shape_spec s = {lbr ? GRU_RESET_AFTER : GRU_RESET_BEFORE, onnx_direction(g, &D), L, I, H};
  size_t G = lbr ? 4 : 3;
  tensor_list keras = {0};
  char name[GRU_MAX_NAME];
  for (size_t k = 0; k < L; k++) {
    char sfx[24] = "";
    if (L > 1) snprintf(sfx, sizeof sfx, "_l%zu", k);
    size_t in = k == 0 ? I : D * H;
    snprintf(name, sizeof name, "W%s", sfx);
    const golden_tensor *W = interop_need(g, name, 3, (size_t[]){D, 3 * H, in});
    snprintf(name, sizeof name, "R%s", sfx);
    const golden_tensor *R = interop_need(g, name, 3, (size_t[]){D, 3 * H, H});
    snprintf(name, sizeof name, "B%s", sfx);
    const golden_tensor *Bo = golden_find(g, name);
    for (size_t d = 0; d < D; d++) {
      /* ONNX -> oneDNN, by oneDNN's documentation: ldigo, gates u|r|o
       * (ONNX's z|r|h, the same convention), the biases summed. */
      float *wl = interop_alloc(in * 3 * H * sizeof(float));
      float *wi = interop_alloc(H * 3 * H * sizeof(float));
      float bias[4 * 64];
      CHECK(H <= 64, "H");
      for (size_t gate = 0; gate < 3; gate++)
        for (size_t h = 0; h < H; h++) {
          for (size_t i = 0; i < in; i++)
            wl[(i * 3 + gate) * H + h] = W->data[(d * 3 * H + gate * H + h) * in + i];
          for (size_t i = 0; i < H; i++)
            wi[(i * 3 + gate) * H + h] = R->data[(d * 3 * H + gate * H + h) * H + i];
        }
      for (size_t gate = 0; gate < G; gate++)
        for (size_t h = 0; h < H; h++) {
          const float *wb = Bo ? Bo->data + d * 6 * H : NULL, *rb = wb ? wb + 3 * H : NULL;
          float v = 0.0f;
          if (wb && gate < 2) v = wb[gate * H + h] + rb[gate * H + h];
          if (wb && gate == 2) v = lbr ? wb[2 * H + h] : wb[2 * H + h] + rb[2 * H + h];
          if (wb && gate == 3) v = rb[2 * H + h]; /* B_u' */
          bias[gate * H + h] = v;
        }
      /* oneDNN -> Keras, the recipe of docs/interop.md. */
      keras_name(name, sizeof name, "kernel", k, L, d);
      memcpy(add_tensor(&keras, name, 2, in, 3 * H), wl, in * 3 * H * sizeof(float));
      keras_name(name, sizeof name, "recurrent_kernel", k, L, d);
      memcpy(add_tensor(&keras, name, 2, H, 3 * H), wi, H * 3 * H * sizeof(float));
      keras_name(name, sizeof name, "bias", k, L, d);
      if (lbr) {
        float *kb = add_tensor(&keras, name, 2, 2, 3 * H);
        memcpy(kb, bias, 3 * H * sizeof(float));
        memset(kb + 3 * H, 0, 2 * H * sizeof(float));
        memcpy(kb + 5 * H, bias + 3 * H, H * sizeof(float));
      } else {
        memcpy(add_tensor(&keras, name, 1, 3 * H, 0), bias, 3 * H * sizeof(float));
      }
      free(wl);
      free(wi);
    }
  }
  size_t lengths[64];
  float *h0_buf = NULL;
  run_io io = onnx_io(g, L, D, H, T, B, layout, lengths, &h0_buf);
  gru_layer *a = build(&s, gru_cpu_isa(), GRU_FORMAT_ONNX, g, is_onnx_weight, NULL);
  gru_layer *b = build(&s, gru_cpu_isa(), GRU_FORMAT_KERAS, NULL, NULL, &keras);
  char what[200];
  snprintf(what, sizeof what, "%s via oneDNN's %s layout", interop_base_name(path),
           lbr ? "lbr_gru" : "gru");
  same_bits(what, a, b, &io);
  gru_layer_destroy(a);
  gru_layer_destroy(b);
  free(h0_buf);
  tensors_free(&keras);
  golden_free(g);
  free(g);
}

static void test_onednn_via_keras(void **state) {
  (void)state;
  char **paths;
  size_t n;
  CHECK(golden_list(ONNX_DIR, ".txt", &paths, &n) == 0, "cannot list %s", ONNX_DIR);
  for (size_t i = 0; i < n; i++)
    onnx_case_via_onednn(paths[i]);
  print_message("  %zu ONNX cases through oneDNN's layout: bit-identical\n", n);
  golden_list_free(paths, n);
  CHECK(n >= 26, "%zu ONNX cases", n);
}

/* The comparison can fail: conversions with the gate order r|z|h, or
 * with reset_after=False's bias missing ONNX's Rb, give other bits. */
static void test_wrong_conversions_are_caught(void **state) {
  (void)state;
  golden *g = interop_alloc(sizeof *g);
  CHECK(golden_load(ONNX_DIR "/forward_lbr0.txt", g) == 0, "%s", g->error);
  size_t I = interop_meta_size(g, "input_size", 4096),
         H = interop_meta_size(g, "hidden_size", 4096), T = interop_meta_size(g, "steps", 4096),
         B = interop_meta_size(g, "batch", 64);
  shape_spec s = {GRU_RESET_BEFORE, GRU_FORWARD, 1, I, H};
  const golden_tensor *x = golden_find(g, "X");
  CHECK(x != NULL, "X");
  run_io io = {T, B, B * H, x->data, NULL, NULL, 0, T * B * H};
  gru_layer *a = build(&s, GRU_ISA_SCALAR, GRU_FORMAT_ONNX, g, is_onnx_weight, NULL);
  for (int wrong = 0; wrong < 2; wrong++) {
    tensor_list keras = {0};
    onnx_to_keras(g, 1, 1, I, H, 0, &keras);
    if (wrong == 0) { /* swap the z and r columns of every matrix */
      for (size_t i = 0; i < 2; i++) {
        tensor *t = &keras.t[i];
        for (size_t r = 0; r < t->shape[0]; r++)
          for (size_t j = 0; j < H; j++) {
            float *row = t->data + r * 3 * H, tmp = row[j];
            row[j] = row[H + j];
            row[H + j] = tmp;
          }
      }
    } else { /* the bias without Rb */
      const golden_tensor *bo = golden_find(g, "B");
      CHECK(bo != NULL && keras.n == 3, "B");
      memcpy(keras.t[2].data, bo->data, 3 * H * sizeof(float));
    }
    gru_layer *b = build(&s, GRU_ISA_SCALAR, GRU_FORMAT_KERAS, NULL, NULL, &keras);
    double diff;
    int same = bits_equal(a, b, &io, &diff);
    print_message("  %s: max diff %.3g\n", wrong ? "bias = Wb alone" : "gates r|z|h", diff);
    CHECK(!same && diff > INTEROP_TOLERANCE, "a wrong conversion went unnoticed");
    gru_layer_destroy(b);
    tensors_free(&keras);
  }
  gru_layer_destroy(a);
  golden_free(g);
  free(g);
}

/* ---------------------------------------------------------------------
 * 3. The order and shapes of Keras's get_weights(). */

static void test_get_weights_order(void **state) {
  (void)state;
  enum { I = 3, H = 4 };
  static const char *const order[] = {
      "kernel_l0",         "recurrent_kernel_l0",         "bias_l0",
      "kernel_l0_reverse", "recurrent_kernel_l0_reverse", "bias_l0_reverse",
      "kernel_l1",         "recurrent_kernel_l1",         "bias_l1",
      "kernel_l1_reverse", "recurrent_kernel_l1_reverse", "bias_l1_reverse"};
  for (int v = 0; v < 2; v++) {
    tensor_list ts = {0};
    char name[GRU_MAX_NAME];
    for (size_t k = 0; k < 2; k++)
      for (size_t d = 0; d < 2; d++) {
        size_t in = k ? 2 * H : I;
        keras_name(name, sizeof name, "kernel", k, 2, d);
        memset(add_tensor(&ts, name, 2, in, 3 * H), 0, in * 3 * H * sizeof(float));
        keras_name(name, sizeof name, "recurrent_kernel", k, 2, d);
        memset(add_tensor(&ts, name, 2, H, 3 * H), 0, H * 3 * H * sizeof(float));
      }
    shape_spec s = {(gru_variant)v, GRU_BIDIRECTIONAL, 2, I, H};
    gru_layer *l = build(&s, GRU_ISA_SCALAR, GRU_FORMAT_KERAS, NULL, NULL, &ts);
    size_t n, ndim, shape[GRU_MAX_DIMS];
    CHECK_GRU(gru_layer_tensor_count(l, GRU_FORMAT_KERAS, &n), "count");
    CHECK(n == 12, "%zu Keras tensors", n);
    for (size_t i = 0; i < n; i++) {
      CHECK_GRU(gru_layer_tensor_info(l, GRU_FORMAT_KERAS, i, name, sizeof name, &ndim, shape),
                "info");
      CHECK(strcmp(name, order[i]) == 0, "tensor %zu is %s, not %s", i, name, order[i]);
      if (i % 3 == 0)
        CHECK(ndim == 2 && shape[0] == (i < 6 ? I : 2 * H) && shape[1] == 3 * H, "%s shape", name);
      if (i % 3 == 1) CHECK(ndim == 2 && shape[0] == H && shape[1] == 3 * H, "%s shape", name);
      if (i % 3 == 2) {
        if (v == GRU_RESET_AFTER)
          CHECK(ndim == 2 && shape[0] == 2 && shape[1] == 3 * H, "%s shape", name);
        else
          CHECK(ndim == 1 && shape[0] == 3 * H, "%s shape", name);
      }
    }
    gru_layer_destroy(l);
    tensors_free(&ts);
  }
}

/* ---------------------------------------------------------------------
 * 1. The Keras golden cases. */

typedef struct keras_ctx {
  const interop_case *spec;
  golden g;
  gru_layer *layer;
  float *y, *h_n, *y_keras;
} keras_ctx;

static int setup_case(void **state) {
  keras_ctx *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL) return -1;
  ctx->spec = *state;
  *state = ctx;
  return 0;
}

static int teardown_case(void **state) {
  keras_ctx *ctx = *state;
  gru_layer_destroy(ctx->layer);
  golden_free(&ctx->g);
  free(ctx->y);
  free(ctx->h_n);
  free(ctx->y_keras);
  *state = (void *)ctx->spec;
  free(ctx);
  return 0;
}

static int is_keras_weight(const char *n) {
  return strncmp(n, "kernel", 6) == 0 || strncmp(n, "recurrent_kernel", 16) == 0 ||
         strncmp(n, "bias", 4) == 0;
}

static void test_keras_case(void **state) {
  keras_ctx *ctx = *state;
  golden *g = &ctx->g;
  interop_skip_unless_cpu(ctx->spec);
  CHECK(golden_load(ctx->spec->path, g) == 0, "%s", g->error);
  size_t I = interop_meta_size(g, "input_size", 4096),
         H = interop_meta_size(g, "hidden_size", 4096), L = interop_meta_size(g, "num_layers", 16),
         T = interop_meta_size(g, "steps", 4096), B = interop_meta_size(g, "batch", 64),
         after = interop_meta_size(g, "reset_after", 1),
         back = interop_meta_size(g, "go_backwards", 1),
         D = interop_meta_size(g, "bidirectional", 1) + 1,
         use_bias = interop_meta_size(g, "use_bias", 1);
  const char *merge = golden_meta(g, "merge_mode");
  CHECK(merge != NULL, "no meta merge_mode");
  int sum = strcmp(merge, "sum") == 0;
  CHECK(sum || strcmp(merge, D == 2 ? "concat" : "none") == 0, "merge_mode %s", merge);
  size_t W = sum ? H : D * H; /* an output row */
  CHECK(!(back && D == 2), "go_backwards inside Bidirectional");
  const golden_tensor *x = interop_need(g, "x", 3, (size_t[]){B, T, I});
  const golden_tensor *y = interop_need(g, "y", 3, (size_t[]){B, T, W});
  const golden_tensor *h_n = interop_need(g, "h_n", 3, (size_t[]){L * D, B, H});
  const golden_tensor *h0 = golden_find(g, "initial_state");
  if (h0) interop_need(g, "initial_state", 3, (size_t[]){L * D, B, H});
  size_t weights = 0;
  for (size_t i = 0; i < g->num_tensors; i++)
    weights += is_keras_weight(g->tensors[i].name);
  CHECK(weights == L * D * (use_bias ? 3 : 2), "%zu weight tensors", weights);
  shape_spec s = {after ? GRU_RESET_AFTER : GRU_RESET_BEFORE,
                  sum      ? GRU_BIDIRECTIONAL_SUM
                  : D == 2 ? GRU_BIDIRECTIONAL
                  : back   ? GRU_REVERSE
                           : GRU_FORWARD,
                  L, I, H};
  /* build() fails the test itself; the path it took comes back through
   * the layer. */
  ctx->layer = build(&s, ctx->spec->isa, GRU_FORMAT_KERAS, g, is_keras_weight, NULL);
  size_t got;
  CHECK_GRU(gru_layer_get(ctx->layer, GRU_INFO_ISA, &got), "isa");
  interop_require_isa(ctx->spec, (gru_isa)got);
  ctx->y = interop_alloc(y->count * sizeof(float));
  ctx->y_keras = interop_alloc(y->count * sizeof(float));
  ctx->h_n = interop_alloc(h_n->count * sizeof(float));
  run_io io = {T, B, h_n->count, x->data, h0 ? h0->data : NULL, NULL, GRU_BATCH_MAJOR, y->count};
  run_into(ctx->layer, &io, ctx->y, ctx->h_n);
  /* Keras returns a go_backwards layer's outputs in processing order. */
  for (size_t b = 0; b < B; b++)
    for (size_t t = 0; t < T; t++)
      memcpy(ctx->y_keras + (b * T + t) * W, ctx->y + (b * T + (back ? T - 1 - t : t)) * W,
             W * sizeof(float));
  double ey = interop_compare(ctx->spec->name, ctx->y_keras, y, INTEROP_TOLERANCE);
  double eh = interop_compare(ctx->spec->name, ctx->h_n, h_n, INTEROP_TOLERANCE);
  print_message("  %-30s %-6s max err y %.3g  h_n %.3g\n", interop_base_name(ctx->spec->path),
                gru_isa_name(ctx->spec->isa), ey, eh);
}

int main(void) {
  const struct CMUnitTest fixed[] = {
      cmocka_unit_test(test_get_weights_order),
      cmocka_unit_test(test_reset_before_bias_reads_back_as_sum),
      cmocka_unit_test(test_wrong_conversions_are_caught),
      cmocka_unit_test(test_onnx_to_keras),
      cmocka_unit_test(test_torch_to_keras),
      cmocka_unit_test(test_onednn_via_keras),
  };
  return interop_run_golden("keras", KERAS_DIR, MIN_CASES, false, fixed,
                            sizeof fixed / sizeof fixed[0], test_keras_case, setup_case,
                            teardown_case);
}
