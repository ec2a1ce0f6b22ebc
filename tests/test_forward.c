/* The forward pass against the double-precision reference, across ISA
 * paths, variants, directions, stacks, lengths and memory layouts. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

/* float32 against double over up to 50 steps: a few float ulps of the
 * state, accumulated. */
#define TOL 1e-5

typedef struct config {
  gru_variant variant;
  gru_direction dir;
  size_t layers, input, hidden, batch, steps;
  bool bias, lengths, h0;
} config;

typedef struct outputs {
  float *y, *hn;
  size_t ny, nhn;
} outputs;

static void free_outputs(outputs *o) {
  free(o->y);
  free(o->hn);
}

static size_t *make_lengths(const config *c) {
  size_t *len = malloc(c->batch * sizeof *len);
  for (size_t b = 0; b < c->batch; b++)
    len[b] = b == 0 ? c->steps : (b * 7 + 3) % (c->steps + 1); /* 0 .. T */
  return len;
}

/* Runs libgru on the config with the model, time-major, dense. */
static outputs run_libgru(const config *c, const test_model *m, gru_isa isa, const float *x,
                          const float *h0, const size_t *len) {
  gru_layer *layer = test_model_build(m, isa);
  gru_sequence *seq;
  assert_int_equal(gru_sequence_create(&seq, layer, c->batch, c->steps), GRU_OK);
  size_t out_w, state;
  gru_layer_get(layer, GRU_INFO_OUTPUT_SIZE, &out_w);
  gru_layer_get(layer, GRU_INFO_STATE_SIZE, &state);
  outputs o = {malloc(c->steps * c->batch * out_w * sizeof(float)),
               malloc(c->batch * state * sizeof(float)), c->steps * c->batch * out_w,
               c->batch * state};
  assert_int_equal(gru_sequence_reset(seq, c->batch, h0, o.nhn), GRU_OK);
  assert_int_equal(gru_sequence_run(seq, c->steps, c->batch, x, 0, o.y, 0, len, 0), GRU_OK);
  assert_int_equal(gru_sequence_get_state(seq, c->batch, o.hn, o.nhn), GRU_OK);
  gru_sequence_destroy(seq);
  gru_layer_destroy(layer);
  return o;
}

/* Checks every ISA against the reference and AVX2 against AVX-512 bit
 * for bit; returns the largest error seen. */
static double check_config(const config *c, uint64_t seed) {
  test_model m;
  test_model_init(&m, c->variant, c->dir, c->layers, c->input, c->hidden, c->bias, seed);
  size_t out_w = ref_output(&m.ref), cells = m.cells;
  size_t nx = c->steps * c->batch * c->input, ny = c->steps * c->batch * out_w,
         nh = cells * c->batch * c->hidden;
  float *x = malloc(nx * sizeof *x), *h0 = c->h0 ? malloc(nh * sizeof *h0) : NULL;
  test_fill(x, nx, &seed, 1.0f);
  if (h0) test_fill(h0, nh, &seed, 0.9f);
  size_t *len = c->lengths ? make_lengths(c) : NULL;
  double *ry = malloc(ny * sizeof *ry), *rh = malloc(nh * sizeof *rh);
  ref_run(&m.ref, c->steps, c->batch, x, h0, len, ry, rh);
  gru_isa isas[3];
  size_t n = test_isas(isas);
  double worst = 0;
  outputs prev = {0};
  for (size_t i = 0; i < n; i++) {
    outputs o = run_libgru(c, &m, isas[i], x, h0, len);
    double ey = test_max_diff(o.y, ry, ny), eh = test_max_diff(o.hn, rh, nh);
    if (ey > TOL || eh > TOL)
      print_error("%s: y error %.3g, h_n error %.3g (L=%zu I=%zu H=%zu B=%zu T=%zu)\n",
                  gru_isa_name(isas[i]), ey, eh, c->layers, c->input, c->hidden, c->batch,
                  c->steps);
    assert_true(ey <= TOL && eh <= TOL);
    worst = fmax(worst, fmax(ey, eh));
    if (isas[i] == GRU_ISA_AVX512) { /* AVX2 and AVX-512 agree bit for bit */
      assert_memory_equal(o.y, prev.y, ny * sizeof(float));
      assert_memory_equal(o.hn, prev.hn, nh * sizeof(float));
    }
    free_outputs(&prev);
    prev = o;
  }
  free_outputs(&prev);
  free(x);
  free(h0);
  free(len);
  free(ry);
  free(rh);
  test_model_free(&m);
  return worst;
}

static const size_t sizes[][4] = {
    /* I, H, B, T: none a multiple of 8 but the last */
    {3, 5, 1, 1}, {13, 17, 7, 23}, {9, 33, 64, 5}, {31, 19, 2, 50}, {16, 32, 3, 8},
};

static void test_single_layer(void **state) {
  (void)state;
  double worst = 0;
  for (int v = 0; v < 2; v++)
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
      for (int bias = 0; bias < 2; bias++) {
        config c = {(gru_variant)v, GRU_FORWARD, 1,    sizes[i][0], sizes[i][1],
                    sizes[i][2],    sizes[i][3], bias, false,       i % 2 == 1};
        worst = fmax(worst, check_config(&c, 100 * i + 10 * v + bias));
      }
  print_message("single layer, all ISAs: max |libgru - reference| = %.3g\n", worst);
}

static void test_directions_and_stacks(void **state) {
  (void)state;
  double worst = 0;
  for (int v = 0; v < 2; v++)
    for (int dir = GRU_FORWARD; dir <= GRU_BIDIRECTIONAL_SUM; dir++)
      for (size_t layers = 1; layers <= 3; layers++) {
        config c = {(gru_variant)v, (gru_direction)dir, layers, 7, 11, 5, 9, true,
                    false,          layers == 2};
        worst = fmax(worst, check_config(&c, 1000 + 100 * dir + 10 * layers + v));
      }
  print_message("directions x stacks: max error %.3g\n", worst);
}

static void test_lengths(void **state) {
  (void)state;
  double worst = 0;
  for (int v = 0; v < 2; v++)
    for (int dir = GRU_FORWARD; dir <= GRU_BIDIRECTIONAL_SUM; dir++) {
      config c = {(gru_variant)v, (gru_direction)dir,      2, 6, 10, 8, 12, true,
                  true,           dir == GRU_BIDIRECTIONAL};
      worst = fmax(worst, check_config(&c, 5000 + 10 * dir + v));
    }
  print_message("variable lengths: max error %.3g\n", worst);
}

/* A long sequence whose hoisted projections do not fit one chunk. */
static void test_many_chunks(void **state) {
  (void)state;
  /* 64 rows a step: chunks of 4 steps (GRU__HOIST_ROWS), the last of 2. */
  config c = {GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 2, 20, 150, 64, 50, true, true, true};
  print_message("chunked: max error %.3g\n", check_config(&c, 77));
}

/* Runs one forward layer with x and y in a given layout and strides and
 * returns y repacked time-major dense. */
static float *run_layout(gru_layer *layer, size_t T, size_t B, size_t I, size_t H,
                         const float *x_tm, bool batch_major, size_t xs, size_t ys,
                         const size_t *len) {
  size_t xstride = xs ? xs : I, ystride = ys ? ys : H;
  float *x = calloc(T * B * xstride, sizeof *x), *y = malloc(T * B * ystride * sizeof *y);
  for (size_t i = 0; i < T * B * ystride; i++)
    y[i] = NAN; /* gaps must stay */
  for (size_t t = 0; t < T; t++)
    for (size_t b = 0; b < B; b++) {
      size_t row = batch_major ? b * T + t : t * B + b;
      memcpy(x + row * xstride, x_tm + (t * B + b) * I, I * sizeof *x);
    }
  gru_sequence *seq;
  assert_int_equal(gru_sequence_create(&seq, layer, B, T), GRU_OK);
  assert_int_equal(
      gru_sequence_run(seq, T, B, x, xs, y, ys, len, batch_major ? GRU_BATCH_MAJOR : 0), GRU_OK);
  float *out = malloc(T * B * H * sizeof *out);
  for (size_t t = 0; t < T; t++)
    for (size_t b = 0; b < B; b++) {
      size_t row = batch_major ? b * T + t : t * B + b;
      memcpy(out + (t * B + b) * H, y + row * ystride, H * sizeof *out);
      for (size_t j = H; j < ystride; j++)
        assert_true(isnan(y[row * ystride + j]));
    }
  gru_sequence_destroy(seq);
  free(x);
  free(y);
  return out;
}

/* Batch-major and strided rows compute exactly what dense time-major
 * rows do: the same products over the same numbers. */
static void test_layouts_and_strides(void **state) {
  (void)state;
  size_t T = 9, B = 4, I = 5, H = 7;
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_FORWARD, 1, I, H, true, 9);
  gru_layer *layer = test_model_build(&m, gru_cpu_isa());
  uint64_t seed = 5;
  float *x = malloc(T * B * I * sizeof *x);
  test_fill(x, T * B * I, &seed, 1.0f);
  size_t len[] = {9, 3, 0, 7};
  float *base = run_layout(layer, T, B, I, H, x, false, 0, 0, len);
  double *ry = malloc(T * B * H * sizeof *ry), *rh = malloc(B * H * sizeof *rh);
  ref_run(&m.ref, T, B, x, NULL, len, ry, rh);
  assert_true(test_max_diff(base, ry, T * B * H) <= TOL);
  for (int bm = 0; bm < 2; bm++)
    for (size_t xs = 0; xs <= I + 3; xs += I + 3)
      for (size_t ys = 0; ys <= H + 2; ys += H + 2) {
        float *o = run_layout(layer, T, B, I, H, x, bm, xs, ys, len);
        assert_true(test_max_diff_f(o, base, T * B * H) <= 1e-6);
        free(o);
      }
  free(base);
  free(ry);
  free(rh);
  free(x);
  gru_layer_destroy(layer);
  test_model_free(&m);
}

/* ONNX's time-major Y [T, D, B, H] holds the same numbers as the
 * concatenated [T, B, 2H]. */
static void test_split_directions(void **state) {
  (void)state;
  enum { T = 5, B = 3, I = 4, H = 6 };
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 2, I, H, true, 31);
  gru_layer *layer = test_model_build(&m, gru_cpu_isa());
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, layer, B, T), GRU_OK);
  uint64_t seed = 6;
  float x[T * B * I], cat[T * B * 2 * H], split[T * 2 * B * H];
  test_fill(x, T * B * I, &seed, 1.0f);
  size_t len[B] = {5, 2, 4};
  assert_int_equal(gru_sequence_run(s, T, B, x, 0, cat, 0, len, 0), GRU_OK);
  assert_int_equal(gru_sequence_reset(s, B, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_run(s, T, B, x, 0, split, 0, len, GRU_SPLIT_DIRECTIONS), GRU_OK);
  for (size_t t = 0; t < T; t++)
    for (size_t d = 0; d < 2; d++)
      for (size_t b = 0; b < B; b++)
        assert_memory_equal(split + ((t * 2 + d) * B + b) * H, cat + (t * B + b) * 2 * H + d * H,
                            H * sizeof(float));
  assert_int_equal(
      gru_sequence_run(s, T, B, x, 0, split, 0, NULL, GRU_SPLIT_DIRECTIONS | GRU_BATCH_MAJOR),
      GRU_ERR_INVALID);
  gru_sequence_destroy(s);
  gru_layer_destroy(layer);
  test_model_free(&m);
}

/* Stepping T times, with the batch changing between calls, follows the
 * whole-sequence run; y NULL gives the same state. */
static void test_step_equals_run(void **state) {
  (void)state;
  for (int v = 0; v < 2; v++) {
    size_t T = 12, B = 6, I = 10, H = 14, L = 2;
    test_model m;
    test_model_init(&m, (gru_variant)v, GRU_FORWARD, L, I, H, true, 40 + v);
    gru_layer *layer = test_model_build(&m, gru_cpu_isa());
    uint64_t seed = 3;
    float *x = malloc(T * B * I * sizeof *x);
    test_fill(x, T * B * I, &seed, 1.0f);
    float *y_run = malloc(T * B * H * sizeof *y_run), *y_step = malloc(B * H * sizeof *y_step);
    float hn_run[2 * 6 * 14], hn_step[2 * 6 * 14], hn_nul[2 * 6 * 14];
    gru_sequence *a, *s, *n;
    assert_int_equal(gru_sequence_create(&a, layer, B, T), GRU_OK);
    assert_int_equal(gru_sequence_create(&s, layer, B, 1), GRU_OK);
    assert_int_equal(gru_sequence_create(&n, layer, B, T), GRU_OK);
    assert_int_equal(gru_sequence_run(a, T, B, x, 0, y_run, 0, NULL, 0), GRU_OK);
    assert_int_equal(gru_sequence_run(n, T, B, x, 0, NULL, 0, NULL, 0), GRU_OK);
    double worst = 0;
    for (size_t t = 0; t < T; t++) {
      assert_int_equal(gru_sequence_step(s, B, x + t * B * I, 0, y_step, 0, NULL, NULL, 0), GRU_OK);
      worst = fmax(worst, test_max_diff_f(y_step, y_run + t * B * H, B * H));
    }
    assert_int_equal(gru_sequence_get_state(a, B, hn_run, L * B * H), GRU_OK);
    assert_int_equal(gru_sequence_get_state(s, B, hn_step, L * B * H), GRU_OK);
    assert_int_equal(gru_sequence_get_state(n, B, hn_nul, L * B * H), GRU_OK);
    assert_true(worst <= 1e-6);
    assert_true(test_max_diff_f(hn_step, hn_run, L * B * H) <= 1e-6);
    assert_memory_equal(hn_nul, hn_run, sizeof hn_run);
    /* A smaller batch touches only its rows. */
    assert_int_equal(gru_sequence_step(s, 2, x, 0, y_step, 0, NULL, NULL, 0), GRU_OK);
    float after[2 * 6 * 14];
    assert_int_equal(gru_sequence_get_state(s, B, after, L * B * H), GRU_OK);
    for (size_t k = 0; k < L; k++)
      assert_memory_equal(after + (k * B + 2) * H, hn_step + (k * B + 2) * H,
                          (B - 2) * H * sizeof(float));
    print_message("variant %d: step vs run max diff %.3g\n", v, worst);
    gru_sequence_destroy(a);
    gru_sequence_destroy(s);
    gru_sequence_destroy(n);
    free(x);
    free(y_run);
    free(y_step);
    gru_layer_destroy(layer);
    test_model_free(&m);
  }
}

/* A reset mask restarts flagged rows from h_init or zero; other rows go on. */
static void test_step_reset_mask(void **state) {
  (void)state;
  size_t B = 3, I = 4, H = 5;
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H, true, 8);
  gru_layer *layer = test_model_build(&m, gru_cpu_isa());
  gru_sequence *s, *fresh;
  assert_int_equal(gru_sequence_create(&s, layer, B, 1), GRU_OK);
  assert_int_equal(gru_sequence_create(&fresh, layer, B, 1), GRU_OK);
  uint64_t seed = 11;
  float x[3 * 4], h_init[3 * 5], y[3 * 5], y_fresh[3 * 5], y_cont[3 * 5];
  test_fill(x, B * I, &seed, 1.0f);
  test_fill(h_init, B * H, &seed, 0.5f);
  for (int i = 0; i < 3; i++)
    assert_int_equal(gru_sequence_step(s, B, x, 0, y, 0, NULL, NULL, 0), GRU_OK);
  gru_sequence *cont;
  assert_int_equal(gru_sequence_clone(&cont, s), GRU_OK);
  unsigned char mask[3] = {0, 1, 1};
  assert_int_equal(gru_sequence_step(s, B, x, 0, y, 0, mask, h_init, B * H), GRU_OK);
  assert_int_equal(gru_sequence_step(cont, B, x, 0, y_cont, 0, NULL, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_reset(fresh, B, h_init, B * H), GRU_OK);
  assert_int_equal(gru_sequence_step(fresh, B, x, 0, y_fresh, 0, NULL, NULL, 0), GRU_OK);
  assert_memory_equal(y, y_cont, H * sizeof(float));              /* row 0 went on */
  assert_memory_equal(y + H, y_fresh + H, 2 * H * sizeof(float)); /* rows 1, 2 restarted */
  mask[2] = 0;
  assert_int_equal(gru_sequence_step(s, B, x, 0, y, 0, mask, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_reset(fresh, B, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_step(fresh, B, x, 0, y_fresh, 0, NULL, NULL, 0), GRU_OK);
  assert_memory_equal(y + H, y_fresh + H, H * sizeof(float)); /* from zero */
  gru_sequence_destroy(s);
  gru_sequence_destroy(cont);
  gru_sequence_destroy(fresh);
  gru_layer_destroy(layer);
  test_model_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_layer),
      cmocka_unit_test(test_directions_and_stacks),
      cmocka_unit_test(test_lengths),
      cmocka_unit_test(test_many_chunks),
      cmocka_unit_test(test_layouts_and_strides),
      cmocka_unit_test(test_split_directions),
      cmocka_unit_test(test_step_equals_run),
      cmocka_unit_test(test_step_reset_mask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
