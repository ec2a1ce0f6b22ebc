/* Weight formats: names, shapes, exact round trips, and each format's
 * documented conventions (gate order, the z flip, bias split), checked
 * by converting tensors in the test, independently of the library. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static const gru_format formats[] = {GRU_FORMAT_CONCAT, GRU_FORMAT_TORCH, GRU_FORMAT_ONNX,
                                     GRU_FORMAT_KERAS};

typedef struct tensor {
  char name[GRU_MAX_NAME];
  size_t ndim, shape[GRU_MAX_DIMS], count;
  float *data;
} tensor;

typedef struct tensors {
  size_t n;
  tensor *t;
} tensors;

static void tensors_free(tensors *ts) {
  for (size_t i = 0; i < ts->n; i++)
    free(ts->t[i].data);
  free(ts->t);
}

/* Every tensor of layer l in format f, read back. */
static tensors read_all(const gru_layer *l, gru_format f) {
  tensors ts = {0};
  assert_int_equal(gru_layer_tensor_count(l, f, &ts.n), GRU_OK);
  ts.t = calloc(ts.n, sizeof *ts.t);
  for (size_t i = 0; i < ts.n; i++) {
    tensor *t = &ts.t[i];
    assert_int_equal(gru_layer_tensor_info(l, f, i, t->name, sizeof t->name, &t->ndim, t->shape),
                     GRU_OK);
    t->count = 1;
    for (size_t d = 0; d < t->ndim; d++)
      t->count *= t->shape[d];
    t->data = malloc(t->count * sizeof(float));
    assert_int_equal(gru_layer_get_tensor(l, f, t->name, t->data, t->count), GRU_OK);
  }
  return ts;
}

static gru_layer *build_from(const tensors *ts, gru_format f, gru_variant v, gru_direction dir,
                             size_t layers, size_t in, size_t h) {
  gru_builder *b;
  gru_layer *l;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, v, dir, layers, in, h), GRU_OK);
  for (size_t i = 0; i < ts->n; i++)
    assert_int_equal(
        gru_builder_set_tensor(b, f, ts->t[i].name, ts->t[i].data, ts->t[i].ndim, ts->t[i].shape),
        GRU_OK);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  gru_builder_destroy(b);
  return l;
}

static void run(const gru_layer *l, size_t T, size_t B, const float *x, float *y) {
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, l, B, T), GRU_OK);
  assert_int_equal(gru_sequence_run(s, T, B, x, 0, y, 0, NULL, 0), GRU_OK);
  gru_sequence_destroy(s);
}

/* Random tensors loaded in format f read back bit for bit, and a layer
 * rebuilt from any other format's read-back computes the same bits. */
static void test_round_trips(void **state) {
  (void)state;
  size_t I = 5, H = 6, T = 4, B = 3;
  for (int v = 0; v < 2; v++)
    for (int dir = GRU_FORWARD; dir <= GRU_BIDIRECTIONAL_SUM; dir++)
      for (size_t L = 1; L <= 2; L++) {
        test_model m;
        test_model_init(&m, (gru_variant)v, (gru_direction)dir, L, I, H, true, 7 + L);
        gru_layer *base = test_model_build(&m, gru_cpu_isa());
        size_t out_w;
        gru_layer_get(base, GRU_INFO_OUTPUT_SIZE, &out_w);
        float x[4 * 3 * 5], y0[4 * 3 * 12], y1[4 * 3 * 12];
        uint64_t seed = 2;
        test_fill(x, T * B * I, &seed, 1.0f);
        run(base, T, B, x, y0);
        for (size_t fi = 0; fi < 4; fi++) {
          size_t count;
          if (gru_layer_tensor_count(base, formats[fi], &count) == GRU_ERR_UNSUPPORTED) {
            assert_true(formats[fi] == GRU_FORMAT_TORCH && v == GRU_RESET_BEFORE);
            continue;
          }
          tensors ts = read_all(base, formats[fi]);
          uint64_t s2 = 99 + fi; /* fresh random values: loading then reading is exact */
          for (size_t i = 0; i < ts.n; i++)
            test_fill(ts.t[i].data, ts.t[i].count, &s2, 0.4f);
          gru_layer *l = build_from(&ts, formats[fi], (gru_variant)v, (gru_direction)dir, L, I, H);
          tensors back = read_all(l, formats[fi]);
          assert_int_equal(back.n, ts.n);
          for (size_t i = 0; i < ts.n; i++) {
            assert_string_equal(back.t[i].name, ts.t[i].name);
            assert_memory_equal(back.t[i].data, ts.t[i].data, ts.t[i].count * sizeof(float));
          }
          tensors_free(&back);
          tensors_free(&ts);
          gru_layer_destroy(l);
          /* The base model through format fi: the same arithmetic, the same bits. */
          ts = read_all(base, formats[fi]);
          l = build_from(&ts, formats[fi], (gru_variant)v, (gru_direction)dir, L, I, H);
          run(l, T, B, x, y1);
          assert_memory_equal(y0, y1, T * B * out_w * sizeof(float));
          tensors_free(&ts);
          gru_layer_destroy(l);
        }
        gru_layer_destroy(base);
        test_model_free(&m);
      }
}

static void test_names(void **state) {
  (void)state;
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 2, 3, 4, true, 1);
  gru_layer *l = test_model_build(&m, GRU_ISA_SCALAR);
  static const char *const torch[] = {
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  static const char *const onnx[] = {"W_l0", "R_l0", "B_l0", "W_l1", "R_l1", "B_l1"};
  tensors ts = read_all(l, GRU_FORMAT_TORCH);
  assert_int_equal(ts.n, 16);
  for (size_t i = 0; i < ts.n; i++)
    assert_string_equal(ts.t[i].name, torch[i]);
  assert_int_equal(ts.t[8].shape[1], 8); /* layer 1 reads both directions */
  tensors_free(&ts);
  ts = read_all(l, GRU_FORMAT_ONNX);
  assert_int_equal(ts.n, 6);
  for (size_t i = 0; i < ts.n; i++)
    assert_string_equal(ts.t[i].name, onnx[i]);
  assert_int_equal(ts.t[0].ndim, 3);
  assert_int_equal(ts.t[0].shape[0], 2);
  tensors_free(&ts);
  char name[GRU_MAX_NAME], tiny[4];
  size_t ndim, shape[GRU_MAX_DIMS], n;
  assert_int_equal(gru_layer_tensor_info(l, GRU_FORMAT_TORCH, 16, name, sizeof name, &ndim, shape),
                   GRU_ERR_INVALID);
  assert_int_equal(gru_layer_tensor_info(l, GRU_FORMAT_TORCH, 0, tiny, sizeof tiny, &ndim, shape),
                   GRU_ERR_BUFFER);
  assert_int_equal(gru_layer_tensor_info(l, (gru_format)7, 0, name, sizeof name, &ndim, shape),
                   GRU_ERR_INVALID);
  assert_int_equal(
      gru_layer_tensor_info(NULL, GRU_FORMAT_TORCH, 0, name, sizeof name, &ndim, shape),
      GRU_ERR_NULL);
  assert_int_equal(gru_layer_tensor_count(l, (gru_format)7, &n), GRU_ERR_INVALID);
  assert_int_equal(gru_layer_tensor_count(l, GRU_FORMAT_TORCH, NULL), GRU_ERR_NULL);
  float buf[64];
  assert_int_equal(gru_layer_get_tensor(l, GRU_FORMAT_TORCH, "bias_ih_l0", buf, 11), GRU_ERR_SIZE);
  assert_int_equal(gru_layer_get_tensor(l, GRU_FORMAT_TORCH, "bias_ih_l2", buf, 12), GRU_ERR_NAME);
  assert_int_equal(gru_layer_get_tensor(l, GRU_FORMAT_TORCH, "bias_ih_l0", NULL, 12), GRU_ERR_NULL);
  assert_int_equal(gru_layer_get_tensor(l, GRU_FORMAT_TORCH, "bias_ih_l0", buf, 12), GRU_OK);
  gru_layer_destroy(l);
  test_model_free(&m);
  /* A single-layer GRU names ONNX and Keras tensors bare; PyTorch keeps _l0. */
  test_model_init(&m, GRU_RESET_BEFORE, GRU_FORWARD, 1, 3, 4, true, 1);
  l = test_model_build(&m, GRU_ISA_SCALAR);
  ts = read_all(l, GRU_FORMAT_KERAS);
  assert_string_equal(ts.t[0].name, "kernel");
  assert_string_equal(ts.t[1].name, "recurrent_kernel");
  assert_string_equal(ts.t[2].name, "bias");
  tensors_free(&ts);
  assert_int_equal(gru_layer_tensor_count(l, GRU_FORMAT_TORCH, &n), GRU_ERR_UNSUPPORTED);
  gru_layer_destroy(l);
  test_model_free(&m);
}

/* The conventions as the ecosystems document them: PyTorch rows r|z|n,
 * ONNX rows z|r|h, Keras columns z|r|h, their z = 1 - ours. Converting
 * PyTorch tensors by hand into each format gives the same outputs. */
static void test_conventions(void **state) {
  (void)state;
  enum { I = 4, H = 5, T = 6, B = 2 };
  float wih[3 * H * I], whh[3 * H * H], bih[3 * H], bhh[3 * H];
  uint64_t seed = 4;
  test_fill(wih, 3 * H * I, &seed, 0.5f);
  test_fill(whh, 3 * H * H, &seed, 0.5f);
  test_fill(bih, 3 * H, &seed, 0.5f);
  test_fill(bhh, 3 * H, &seed, 0.5f);
  tensors torch = {4, (tensor[]){{"weight_ih_l0", 2, {3 * H, I}, 0, wih},
                                 {"weight_hh_l0", 2, {3 * H, H}, 0, whh},
                                 {"bias_ih_l0", 1, {3 * H}, 0, bih},
                                 {"bias_hh_l0", 1, {3 * H}, 0, bhh}}};
  /* ONNX: gates z|r|h, same z convention as PyTorch. */
  static const int to_torch[3] = {1, 0, 2};
  float W[3 * H * I], R[3 * H * H], Bo[6 * H];
  for (int g = 0; g < 3; g++) {
    memcpy(W + g * H * I, wih + to_torch[g] * H * I, H * I * sizeof(float));
    memcpy(R + g * H * H, whh + to_torch[g] * H * H, H * H * sizeof(float));
    memcpy(Bo + g * H, bih + to_torch[g] * H, H * sizeof(float));
    memcpy(Bo + 3 * H + g * H, bhh + to_torch[g] * H, H * sizeof(float));
  }
  tensors onnx = {3, (tensor[]){{"W", 3, {1, 3 * H, I}, 0, W},
                                {"R", 3, {1, 3 * H, H}, 0, R},
                                {"B", 2, {1, 6 * H}, 0, Bo}}};
  /* Keras: the transposes of ONNX's matrices, bias [2, 3H]. */
  float kern[I * 3 * H], rec[H * 3 * H];
  for (size_t r = 0; r < 3 * H; r++) {
    for (size_t c = 0; c < I; c++)
      kern[c * 3 * H + r] = W[r * I + c];
    for (size_t c = 0; c < H; c++)
      rec[c * 3 * H + r] = R[r * H + c];
  }
  tensors keras = {3, (tensor[]){{"kernel", 2, {I, 3 * H}, 0, kern},
                                 {"recurrent_kernel", 2, {H, 3 * H}, 0, rec},
                                 {"bias", 2, {2, 3 * H}, 0, Bo}}};
  /* Ours: W_g = [W_hh_g | W_ih_g], z negated; b_r, b_z sum both biases,
   * b_h is the input one and b_hn the recurrent one. */
  float Wc[3][H * (H + I)], bc[3][H], bhn[H];
  for (int g = 0; g < 3; g++) {
    float sign = g == 1 ? -1.0f : 1.0f;
    for (size_t r = 0; r < H; r++) {
      for (size_t c = 0; c < H; c++)
        Wc[g][r * (H + I) + c] = sign * whh[(g * H + r) * H + c];
      for (size_t c = 0; c < I; c++)
        Wc[g][r * (H + I) + H + c] = sign * wih[(g * H + r) * I + c];
      bc[g][r] = g == 2 ? bih[g * H + r] : sign * (bih[g * H + r] + bhh[g * H + r]);
    }
  }
  for (size_t r = 0; r < H; r++)
    bhn[r] = bhh[2 * H + r];
  tensors ours = {7, (tensor[]){{"W_r", 2, {H, H + I}, 0, Wc[0]},
                                {"W_z", 2, {H, H + I}, 0, Wc[1]},
                                {"W_h", 2, {H, H + I}, 0, Wc[2]},
                                {"b_r", 1, {H}, 0, bc[0]},
                                {"b_z", 1, {H}, 0, bc[1]},
                                {"b_h", 1, {H}, 0, bc[2]},
                                {"b_hn", 1, {H}, 0, bhn}}};
  float x[T * B * I], y_torch[T * B * H], y[T * B * H];
  test_fill(x, T * B * I, &seed, 1.0f);
  gru_layer *l = build_from(&torch, GRU_FORMAT_TORCH, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H);
  run(l, T, B, x, y_torch);
  gru_layer_destroy(l);
  const struct {
    tensors *ts;
    gru_format f;
    double tol;
  } others[] = {{&onnx, GRU_FORMAT_ONNX, 0.0},
                {&keras, GRU_FORMAT_KERAS, 0.0},
                /* ours folds the r, z biases in the test, not the library: rounding differs */
                {&ours, GRU_FORMAT_CONCAT, 1e-6}};
  for (size_t i = 0; i < 3; i++) {
    l = build_from(others[i].ts, others[i].f, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H);
    run(l, T, B, x, y);
    double d = test_max_diff_f(y, y_torch, T * B * H);
    print_message("format %d vs PyTorch: max diff %.3g\n", (int)others[i].f, d);
    assert_true(d <= others[i].tol);
    gru_layer_destroy(l);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_conventions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
