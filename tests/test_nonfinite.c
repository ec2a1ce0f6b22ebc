/* Non-finite and extreme values (gru.h, "Non-finite values propagate"):
 * accepted everywhere, never a crash or a status; a NaN or inf in one row
 * of x or of the state reaches that row only, and a reset clears it; a NaN
 * weight reaches every row and reads back as it went in; with finite
 * values and no overflow every output is finite and the state stays in
 * [-1, 1]. On every ISA, both variants, stacked. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

enum { L = 2, I = 5, H = 11, B = 4, T = 6 };
enum { BAD_ROW = 2, BAD_STEP = 3 };

typedef struct run {
  float y[T * B * H], hn[L * B * H];
} run;

static void run_all(const gru_layer *l, const float *x, const float *h0, run *r) {
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, l, B, T), GRU_OK);
  if (h0) assert_int_equal(gru_sequence_reset(s, B, h0, L * B * H), GRU_OK);
  assert_int_equal(gru_sequence_run(s, T, B, x, 0, r->y, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_get_state(s, B, r->hn, L * B * H), GRU_OK);
  gru_sequence_destroy(s);
}

/* Rows other than BAD_ROW are as in the clean run, bit for bit; BAD_ROW's
 * outputs from step `from` on are all NaN (or, if nan_only is false, NaN or
 * within [-1, 1]). */
static void assert_row_only(const run *clean, const run *bad, size_t from, bool nan_only) {
  for (size_t t = 0; t < T; t++)
    for (size_t b = 0; b < B; b++) {
      const float *c = clean->y + (t * B + b) * H, *d = bad->y + (t * B + b) * H;
      if (b != BAD_ROW || t < from) {
        assert_memory_equal(c, d, H * sizeof(float));
        continue;
      }
      for (size_t j = 0; j < H; j++)
        assert_true(isnan(d[j]) || (!nan_only && fabsf(d[j]) <= 1.0f));
    }
  for (size_t k = 0; k < L; k++)
    for (size_t b = 0; b < B; b++)
      if (b != BAD_ROW)
        assert_memory_equal(clean->hn + (k * B + b) * H, bad->hn + (k * B + b) * H,
                            H * sizeof(float));
}

static void test_inputs_and_states(void **state) {
  (void)state;
  static const float specials[] = {NAN, -NAN, INFINITY, -INFINITY};
  gru_isa isas[3];
  size_t n = test_isas(isas), checked = 0;
  for (int v = GRU_RESET_BEFORE; v <= GRU_RESET_AFTER; v++) {
    test_model m;
    test_model_init(&m, (gru_variant)v, GRU_FORWARD, L, I, H, true, 31);
    for (size_t i = 0; i < n; i++) {
      gru_layer *l = test_model_build(&m, isas[i]);
      float x[T * B * I], h0[L * B * H];
      uint64_t seed = 4;
      test_fill(x, T * B * I, &seed, 1.0f);
      test_fill(h0, L * B * H, &seed, 1.0f);
      run *clean = malloc(sizeof *clean), *bad = malloc(sizeof *bad);
      run_all(l, x, h0, clean);
      for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
        /* One input of one row at one step. */
        float xb[T * B * I];
        memcpy(xb, x, sizeof xb);
        xb[(BAD_STEP * B + BAD_ROW) * I + 1] = specials[k];
        run_all(l, xb, h0, bad);
        assert_row_only(clean, bad, BAD_STEP, isnan(specials[k]));
        /* One float of one row's initial state, in the first layer. */
        float hb[L * B * H];
        memcpy(hb, h0, sizeof hb);
        hb[BAD_ROW * H + 3] = specials[k];
        run_all(l, x, hb, bad);
        assert_row_only(clean, bad, 0, isnan(specials[k]));
        checked += 2;
      }
      /* A reset flag clears a NaN row: it then runs as a fresh row does. */
      gru_sequence *s, *fresh;
      float xs[B * I], y[B * H], yf[B * H], hb[L * B * H];
      memcpy(xs, x, sizeof xs);
      memcpy(hb, h0, sizeof hb);
      hb[BAD_ROW * H] = NAN;
      assert_int_equal(gru_sequence_create(&s, l, B, 1), GRU_OK);
      assert_int_equal(gru_sequence_create(&fresh, l, B, 1), GRU_OK);
      assert_int_equal(gru_sequence_reset(s, B, hb, L * B * H), GRU_OK);
      unsigned char mask[B] = {0};
      mask[BAD_ROW] = 1;
      assert_int_equal(gru_sequence_step(s, B, xs, 0, y, 0, mask, NULL, 0), GRU_OK);
      assert_int_equal(gru_sequence_step(fresh, B, xs, 0, yf, 0, NULL, NULL, 0), GRU_OK);
      assert_memory_equal(y + BAD_ROW * H, yf + BAD_ROW * H, H * sizeof(float));
      gru_sequence_destroy(s);
      gru_sequence_destroy(fresh);
      free(clean);
      free(bad);
      gru_layer_destroy(l);
    }
    test_model_free(&m);
  }
  print_message("%zu runs with NaN/inf in one row of x or h0: that row only, reset clears it\n",
                checked);
}

static void test_weights(void **state) {
  (void)state;
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H, true, 32);
  m.w[2][5] = NAN; /* one entry of W_h */
  gru_layer *l = test_model_build(&m, gru_cpu_isa());
  float w[H * (H + I)];
  assert_int_equal(gru_layer_get_tensor(l, GRU_FORMAT_CONCAT, "W_h", w, H * (H + I)), GRU_OK);
  assert_memory_equal(w, m.w[2], sizeof w); /* read back as it went in */
  float x[T * B * I], y[T * B * H];
  uint64_t seed = 6;
  test_fill(x, T * B * I, &seed, 1.0f);
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, l, B, T), GRU_OK);
  assert_int_equal(gru_sequence_run(s, T, B, x, 0, y, 0, NULL, 0), GRU_OK);
  for (size_t b = 0; b < B; b++) /* every row meets the NaN weight */
    assert_true(isnan(y[(T - 1) * B * H + b * H]));
  gru_sequence_destroy(s);
  gru_layer_destroy(l);
  test_model_free(&m);
}

/* Large finite inputs: gates saturate, nothing overflows, |h| <= 1. */
static void test_extreme_finite(void **state) {
  (void)state;
  static const float scales[] = {1e-38f, 1e-30f, 1e10f, 1e30f};
  gru_isa isas[3];
  size_t n = test_isas(isas);
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_FORWARD, L, I, H, true, 33);
  for (size_t i = 0; i < n; i++) {
    gru_layer *l = test_model_build(&m, isas[i]);
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
      float x[T * B * I];
      uint64_t seed = 8;
      test_fill(x, T * B * I, &seed, scales[k]);
      run r;
      run_all(l, x, NULL, &r);
      for (size_t j = 0; j < T * B * H; j++)
        assert_true(isfinite(r.y[j]) && fabsf(r.y[j]) <= 1.0f);
    }
    gru_layer_destroy(l);
  }
  test_model_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inputs_and_states),
      cmocka_unit_test(test_weights),
      cmocka_unit_test(test_extreme_finite),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
