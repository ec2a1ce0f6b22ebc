/* How a team divides batch rows or panels (src/balance.h): even at
 * first, then towards each thread's measured rate, halfway per chunk,
 * each share between a third of an even one and three, with the
 * boundaries in order and covering the items; and a sequence whose
 * threads split the units unevenly computes the same bits. Which of the
 * two a team splits (src/pass.h), and the units of layers too small to
 * be split that way but where the L2 is unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "balance.h"
#include "layer.h"
#include "pass.h"
#include "sequence.h"
#include "support.h"

static size_t rows(const gru__balance *b, size_t i) { return b->first[i + 1] - b->first[i]; }

/* Every thread has rows, the boundaries rise and end at the batch. */
static void assert_cover(const gru__balance *b) {
  assert_int_equal(b->first[0], 0);
  assert_int_equal(b->first[b->threads], b->items);
  for (size_t i = 0; i < b->threads; i++)
    assert_true(b->first[i] < b->first[i + 1]);
}

/* One chunk on threads of the given speeds (rows per unit of time). */
static void chunk(gru__balance *b, const double *speed) {
  for (size_t i = 0; i < b->threads; i++)
    b->ns[i] = (uint64_t)(1e6 * (double)rows(b, i) / speed[i]);
  gru__balance_update(b);
  assert_cover(b);
}

static void test_even_then_halfway(void **state) {
  (void)state;
  static gru__balance b;
  gru__balance_start(&b, 64, 2);
  assert_int_equal(b.first[1], 32);
  assert_cover(&b);
  /* Thread 0 at half thread 1's speed: it should have 64/3 rows; half of
   * the way from 32 is 26.67. */
  chunk(&b, (double[]){1, 2});
  assert_int_equal(b.first[1], 27);
  for (int i = 0; i < 20; i++)
    chunk(&b, (double[]){1, 2});
  assert_true(b.first[1] == 21 || b.first[1] == 22);
  /* The same batch and team keep what was learnt; another batch starts
   * even. */
  gru__balance_start(&b, 64, 2);
  assert_true(b.first[1] == 21 || b.first[1] == 22);
  gru__balance_start(&b, 100, 2);
  assert_int_equal(b.first[1], 50);
}

/* A thread that seems to stall (descheduled for a whole chunk) keeps half
 * an even share; a clock that did not move changes nothing. */
static void test_clamped(void **state) {
  (void)state;
  static gru__balance b;
  gru__balance_start(&b, 64, 2);
  for (int i = 0; i < 10; i++)
    chunk(&b, (double[]){1e-6, 1});
  assert_int_equal(rows(&b, 0), 16);
  b.ns[0] = 0;
  b.ns[1] = 5;
  gru__balance_update(&b);
  assert_int_equal(rows(&b, 0), 16);
}

static void test_many_threads(void **state) {
  (void)state;
  static gru__balance b;
  gru__balance_start(&b, 32 * 7, 7);
  const double speed[] = {1e-6, 1, 3, 1e6, 1, 2, 1e-3};
  for (int i = 0; i < 30; i++)
    chunk(&b, speed);
  for (size_t i = 0; i < 7; i++) {
    assert_true(rows(&b, i) >= 32 / 3);
    assert_true(rows(&b, i) <= 3 * 32);
  }
  /* Speeds within the clamps: shares in the speeds' order. */
  gru__balance_start(&b, 32 * 4, 4);
  for (int i = 0; i < 30; i++)
    chunk(&b, (double[]){0.7, 1, 1.2, 0.9});
  assert_true(rows(&b, 2) > rows(&b, 1) && rows(&b, 1) > rows(&b, 3) && rows(&b, 3) > rows(&b, 0));
}

/* Panels: few items, so the split moves by whole panels. The shares are
 * kept unrounded, so a thread at 0.8 of the other's speed gets from 8 of
 * 16 panels to 7 in two chunks (its rate says 7.1; rounding each halfway
 * step would stay at 8). Fewer than GRU__BALANCE_MIN items per thread
 * stay even. */
static void test_panels(void **state) {
  (void)state;
  static gru__balance b;
  gru__balance_start(&b, 16, 2);
  chunk(&b, (double[]){1, 0.8});
  assert_int_equal(rows(&b, 1), 8);
  chunk(&b, (double[]){1, 0.8});
  assert_int_equal(rows(&b, 1), 7);
  for (int i = 0; i < 10; i++)
    chunk(&b, (double[]){1, 0.8});
  assert_int_equal(rows(&b, 1), 7);
  gru__balance_start(&b, 7, 2);
  for (int i = 0; i < 10; i++)
    chunk(&b, (double[]){1, 0.1});
  assert_int_equal(b.first[1], 3);
}

/* y and the final state of a run on threads threads, whose split of the
 * units starts as first (NULL: even). */
static float *run_split(const gru_layer *l, size_t threads, const size_t *first, size_t batch,
                        size_t steps, const float *x) {
  size_t h, out, hidden;
  gru_layer_get(l, GRU_INFO_STATE_SIZE, &h);
  gru_layer_get(l, GRU_INFO_HIDDEN_SIZE, &hidden);
  gru_layer_get(l, GRU_INFO_OUTPUT_SIZE, &out);
  float *y = malloc((steps * batch * out + batch * h) * sizeof *y);
  gru_sequence *q;
  assert_int_equal(gru_sequence_create(&q, l, batch, steps), GRU_OK);
  assert_int_equal(gru_sequence_set_option(q, GRU_OPT_THREADS, threads), GRU_OK);
  if (first) {
    gru__balance_start(&q->panels, gru__panel_count(hidden), threads);
    memcpy(q->panels.first, first, (threads + 1) * sizeof *first);
  }
  assert_int_equal(gru_sequence_run(q, steps, batch, x, 0, y, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_get_state(q, batch, y + steps * batch * out, batch * h), GRU_OK);
  gru_sequence_destroy(q);
  return y;
}

/* Splits of 16 panels far from even, on two and three threads, at batch
 * 1 and 3, a stack of two layers, both directions and variants: the bits
 * of one thread. */
static void test_uneven_units(void **state) {
  (void)state;
  enum { I = 40, H = 256, T = 21 };
  static const size_t splits[][4] = {{0, 3, 16}, {0, 13, 16}, {0, 2, 14, 16}};
  for (int v = GRU_RESET_BEFORE; v <= GRU_RESET_AFTER; v++)
    for (size_t batch = 1; batch <= 3; batch += 2) {
      test_model m;
      test_model_init(&m, (gru_variant)v, GRU_BIDIRECTIONAL, 2, I, H, true, 7 + batch);
      gru_layer *l = test_model_build(&m, test_isa_max());
      size_t n = T * batch * I, out;
      gru_layer_get(l, GRU_INFO_OUTPUT_SIZE, &out);
      float *x = malloc(n * sizeof *x);
      uint64_t seed = 3;
      test_fill(x, n, &seed, 1.0f);
      float *one = run_split(l, 1, NULL, batch, T, x);
      size_t ny = T * batch * out + 4 * batch * H; /* 2 layers x 2 directions of state */
      for (size_t k = 0; k < 3; k++) {
        float *y = run_split(l, k < 2 ? 2 : 3, splits[k], batch, T, x);
        assert_memory_equal(y, one, ny * sizeof *y);
        free(y);
      }
      free(one);
      free(x);
      gru_layer_destroy(l);
      test_model_free(&m);
    }
}

/* A layer of hidden size h whose L2 is taken to be 2 * half_l2 bytes
 * (the field is set once, at build: a test may change its own layer). */
static gru_layer *layer_with_l2(test_model *m, size_t h, size_t half_l2, uint64_t seed) {
  test_model_init(m, GRU_RESET_BEFORE, GRU_FORWARD, 1, 4, h, true, seed);
  gru_layer *l = test_model_build(m, test_isa_max());
  l->ahead_bytes = half_l2;
  return l;
}

/* Rows per thread from which threads split the batch: a row per 96 KiB
 * of recurrent weights that fit in half an L2, 8 at most; 32 when they do
 * not fit, or when the L2 is unknown. */
static void test_split_rows_from(void **state) {
  (void)state;
  static const size_t cases[][2] = {{32, 1}, {64, 1}, {100, 2}, {256, 8}, {295, 8}, {296, 32}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (size_t half_l2 = 0; half_l2 <= ((size_t)1 << 20); half_l2 += (size_t)1 << 20) {
      test_model m;
      gru_layer *l = layer_with_l2(&m, cases[i][0], half_l2, i);
      gru_sequence *q;
      assert_int_equal(gru_sequence_create(&q, l, 1, 1), GRU_OK);
      gru__pass p = {.q = q, .batch = 1};
      assert_int_equal(gru__split_rows_from(&p), half_l2 ? cases[i][1] : GRU__SPLIT_ROWS);
      gru_sequence_destroy(q);
      gru_layer_destroy(l);
      test_model_free(&m);
    }
}

/* With the L2 unknown, threads split the units of a layer of a panel and
 * a bit (two panels) at batch 1 and 5, on two threads and on three, more
 * than the panels: the bits of one thread. */
static void test_small_units(void **state) {
  (void)state;
  enum { H = 17, T = 9 };
  for (size_t batch = 1; batch <= 5; batch += 4) {
    test_model m;
    gru_layer *l = layer_with_l2(&m, H, 0, 40 + batch);
    size_t n = T * batch * 4, out;
    gru_layer_get(l, GRU_INFO_OUTPUT_SIZE, &out);
    float *x = malloc(n * sizeof *x);
    uint64_t seed = 5;
    test_fill(x, n, &seed, 1.0f);
    float *one = run_split(l, 1, NULL, batch, T, x);
    for (size_t threads = 2; threads <= 3; threads++) {
      float *y = run_split(l, threads, NULL, batch, T, x);
      assert_memory_equal(y, one, (T * batch * out + batch * H) * sizeof *y);
      free(y);
    }
    free(one);
    free(x);
    gru_layer_destroy(l);
    test_model_free(&m);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_even_then_halfway), cmocka_unit_test(test_clamped),
      cmocka_unit_test(test_many_threads),      cmocka_unit_test(test_panels),
      cmocka_unit_test(test_uneven_units),      cmocka_unit_test(test_split_rows_from),
      cmocka_unit_test(test_small_units),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
