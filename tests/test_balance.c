/* How a team that splits batch rows divides them (src/balance.h): even at
 * first, then towards each thread's measured rate, halfway per chunk,
 * each share between a third of an even one and three, with the
 * boundaries in order and covering the batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "balance.h"

static size_t rows(const gru__balance *b, size_t i) { return b->first[i + 1] - b->first[i]; }

/* Every thread has rows, the boundaries rise and end at the batch. */
static void assert_cover(const gru__balance *b) {
  assert_int_equal(b->first[0], 0);
  assert_int_equal(b->first[b->threads], b->batch);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_even_then_halfway),
      cmocka_unit_test(test_clamped),
      cmocka_unit_test(test_many_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
