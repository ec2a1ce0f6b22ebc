/* Sequences: creation, state, save/restore/clone, and bad input to every
 * sequence call, after which the state must be exactly as before. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

enum { L = 2, I = 4, H = 6, B = 3, T = 5 };

typedef struct fixture {
  test_model m;
  gru_layer *layer;
  gru_sequence *seq;
  float x[T * B * I], y[T * B * H], before[L * B * H];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  test_model_init(&f->m, GRU_RESET_AFTER, GRU_FORWARD, L, I, H, true, 21);
  f->layer = test_model_build(&f->m, gru_cpu_isa());
  assert_int_equal(gru_sequence_create(&f->seq, f->layer, B, T), GRU_OK);
  uint64_t seed = 8;
  test_fill(f->x, T * B * I, &seed, 1.0f);
  assert_int_equal(gru_sequence_run(f->seq, T, B, f->x, 0, f->y, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_get_state(f->seq, B, f->before, L * B * H), GRU_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  gru_sequence_destroy(f->seq);
  gru_layer_destroy(f->layer);
  test_model_free(&f->m);
  free(f);
  return 0;
}

/* The state is what setup left, and a message says why the call failed. */
static void assert_unchanged(fixture *f) {
  float now[L * B * H];
  assert_true(strlen(gru_sequence_error(f->seq)) > 0);
  assert_int_equal(gru_sequence_get_state(f->seq, B, now, L * B * H), GRU_OK);
  assert_memory_equal(now, f->before, sizeof now);
}

static void test_create(void **state) {
  fixture *f = *state;
  gru_sequence *s = (gru_sequence *)f;
  assert_int_equal(gru_sequence_create(NULL, f->layer, 1, 1), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_create(&s, NULL, 1, 1), GRU_ERR_NULL);
  assert_null(s);
  assert_int_equal(gru_sequence_create(&s, f->layer, 0, 1), GRU_ERR_SIZE);
  assert_int_equal(gru_sequence_create(&s, f->layer, 1, 0), GRU_ERR_SIZE);
  assert_int_equal(gru_sequence_create(&s, f->layer, (size_t)INT_MAX + 1, 1), GRU_ERR_SIZE);
  assert_int_equal(gru_sequence_create(&s, f->layer, SIZE_MAX, SIZE_MAX), GRU_ERR_SIZE);
  assert_int_equal(gru_sequence_create(&s, f->layer, 1000, SIZE_MAX / 1000), GRU_ERR_SIZE);
  assert_null(s);
  gru_sequence_destroy(NULL);
  assert_string_equal(gru_sequence_error(NULL), "NULL sequence");
  size_t v;
  assert_int_equal(gru_sequence_get(f->seq, GRU_INFO_MAX_BATCH, &v), GRU_OK);
  assert_int_equal(v, B);
  assert_int_equal(gru_sequence_get(f->seq, GRU_INFO_MAX_STEPS, &v), GRU_OK);
  assert_int_equal(v, T);
  assert_int_equal(gru_sequence_get(f->seq, GRU_INFO_BATCH, &v), GRU_OK);
  assert_int_equal(v, B);
  assert_int_equal(gru_sequence_get(f->seq, GRU_INFO_HIDDEN_SIZE, &v), GRU_OK);
  assert_int_equal(v, H);
  assert_int_equal(gru_sequence_get(f->seq, GRU_INFO_BYTES, &v), GRU_OK);
  assert_true(v >= (L * B * H + T * B * H) * sizeof(float));
  assert_int_equal(gru_sequence_get(f->seq, (gru_info)99, &v), GRU_ERR_INVALID);
  assert_int_equal(gru_sequence_get(NULL, GRU_INFO_BATCH, &v), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_get(f->seq, GRU_INFO_BATCH, NULL), GRU_ERR_NULL);
}

static void test_reset_and_state(void **state) {
  fixture *f = *state;
  float h0[L * B * H], got[L * B * H];
  uint64_t seed = 3;
  test_fill(h0, L * B * H, &seed, 1.0f);
  assert_int_equal(gru_sequence_reset(NULL, B, h0, L * B * H), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_reset(f->seq, 0, h0, 0), GRU_ERR_SIZE);
  assert_unchanged(f);
  assert_int_equal(gru_sequence_reset(f->seq, B + 1, h0, L * (B + 1) * H), GRU_ERR_CAPACITY);
  assert_unchanged(f);
  assert_int_equal(gru_sequence_reset(f->seq, B, h0, L * B * H - 1), GRU_ERR_SIZE);
  assert_unchanged(f);
  assert_int_equal(gru_sequence_get_state(f->seq, B, NULL, L * B * H), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_get_state(f->seq, B, got, L * B * H + 1), GRU_ERR_SIZE);
  assert_int_equal(gru_sequence_get_state(f->seq, B + 1, got, L * (B + 1) * H), GRU_ERR_CAPACITY);
  assert_int_equal(gru_sequence_reset(f->seq, B, h0, L * B * H), GRU_OK);
  assert_int_equal(gru_sequence_get_state(f->seq, B, got, L * B * H), GRU_OK);
  assert_memory_equal(got, h0, sizeof got);
  /* h0 NULL zeroes rows 0 .. batch-1 only; count is ignored. */
  assert_int_equal(gru_sequence_reset(f->seq, 1, NULL, 12345), GRU_OK);
  assert_int_equal(gru_sequence_get_state(f->seq, B, got, L * B * H), GRU_OK);
  for (size_t k = 0; k < L; k++) {
    for (size_t j = 0; j < H; j++)
      assert_true(got[k * B * H + j] == 0.0f);
    assert_memory_equal(got + k * B * H + H, h0 + k * B * H + H, (B - 1) * H * sizeof(float));
  }
}

static void test_bad_runs(void **state) {
  fixture *f = *state;
  float y[T * B * H];
  for (size_t i = 0; i < T * B * H; i++)
    y[i] = 42.0f;
  size_t long_len[B] = {T, T + 1, 1};
  gru_sequence *s = f->seq;
  assert_int_equal(gru_sequence_run(NULL, T, B, f->x, 0, y, 0, NULL, 0), GRU_ERR_NULL);
  const struct {
    gru_status want;
    size_t steps, batch, xs, ys;
    const float *x;
    const size_t *len;
    uint32_t flags;
  } cases[] = {
      {GRU_ERR_NULL, T, B, 0, 0, NULL, NULL, 0},
      {GRU_ERR_SIZE, 0, B, 0, 0, f->x, NULL, 0},
      {GRU_ERR_SIZE, T, 0, 0, 0, f->x, NULL, 0},
      {GRU_ERR_CAPACITY, T, B + 1, 0, 0, f->x, NULL, 0},
      {GRU_ERR_CAPACITY, T + 1, B, 0, 0, f->x, NULL, 0},
      {GRU_ERR_INVALID, T, B, 0, 0, f->x, NULL, 4},
      {GRU_ERR_INVALID, T, B, 0, 0, f->x, NULL, 0x80000000u},
      {GRU_ERR_INVALID, T, B, 0, 0, f->x, long_len, 0},
      {GRU_ERR_SIZE, T, B, I - 1, 0, f->x, NULL, 0},
      {GRU_ERR_SIZE, T, B, 0, H - 1, f->x, NULL, 0},
      {GRU_ERR_SIZE, T, B, (size_t)INT_MAX + 1, 0, f->x, NULL, 0},
      {GRU_ERR_SIZE, T, B, SIZE_MAX / 2, 0, f->x, NULL, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(gru_sequence_run(s, cases[i].steps, cases[i].batch, cases[i].x, cases[i].xs, y,
                                      cases[i].ys, cases[i].len, cases[i].flags),
                     cases[i].want);
    assert_unchanged(f);
    for (size_t j = 0; j < T * B * H; j++)
      assert_true(y[j] == 42.0f);
  }
}

static void test_bad_steps(void **state) {
  fixture *f = *state;
  float y[B * H];
  assert_int_equal(gru_sequence_step(NULL, B, f->x, 0, y, 0, NULL, NULL, 0), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_step(f->seq, B, NULL, 0, y, 0, NULL, NULL, 0), GRU_ERR_NULL);
  assert_unchanged(f);
  assert_int_equal(gru_sequence_step(f->seq, 0, f->x, 0, y, 0, NULL, NULL, 0), GRU_ERR_SIZE);
  assert_unchanged(f);
  assert_int_equal(gru_sequence_step(f->seq, B + 1, f->x, 0, y, 0, NULL, NULL, 0),
                   GRU_ERR_CAPACITY);
  assert_unchanged(f);
  unsigned char mask[B] = {1, 1, 1};
  assert_int_equal(gru_sequence_step(f->seq, B, f->x, 1, y, 0, mask, NULL, 0), GRU_ERR_SIZE);
  assert_unchanged(f); /* the reset mask was not applied */
  float h_init[L * B * H] = {0};
  assert_int_equal(gru_sequence_step(f->seq, B, f->x, 0, y, 0, mask, h_init, L * B * H - 1),
                   GRU_ERR_SIZE);
  assert_unchanged(f);
  /* Only forward layers step. */
  for (int dir = GRU_REVERSE; dir <= GRU_BIDIRECTIONAL_SUM; dir++) {
    test_model m;
    test_model_init(&m, GRU_RESET_BEFORE, (gru_direction)dir, 1, I, H, false, 2);
    gru_layer *l = test_model_build(&m, GRU_ISA_SCALAR);
    gru_sequence *s;
    assert_int_equal(gru_sequence_create(&s, l, B, T), GRU_OK);
    assert_int_equal(gru_sequence_step(s, B, f->x, 0, NULL, 0, NULL, NULL, 0), GRU_ERR_UNSUPPORTED);
    assert_true(strlen(gru_sequence_error(s)) > 0);
    gru_sequence_destroy(s);
    gru_layer_destroy(l);
    test_model_free(&m);
  }
}

static void test_save_load_clone(void **state) {
  fixture *f = *state;
  size_t need, written;
  assert_int_equal(gru_sequence_state_bytes(f->seq, B, &need), GRU_OK);
  assert_int_equal(gru_sequence_state_bytes(f->seq, 0, &need), GRU_ERR_SIZE);
  assert_int_equal(gru_sequence_state_bytes(f->seq, B + 1, &need), GRU_ERR_CAPACITY);
  assert_int_equal(gru_sequence_state_bytes(NULL, B, &need), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_state_bytes(f->seq, B, &need), GRU_OK);
  unsigned char *buf = malloc(need + 8);
  assert_int_equal(gru_sequence_save_state(f->seq, B, buf, need - 1, &written), GRU_ERR_BUFFER);
  assert_int_equal(gru_sequence_save_state(f->seq, B, NULL, need, &written), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_save_state(f->seq, B, buf, need + 8, &written), GRU_OK);
  assert_int_equal(written, need);
  /* A clone and a restored sequence continue exactly as the original. */
  gru_sequence *clone, *restored;
  assert_int_equal(gru_sequence_clone(&clone, f->seq), GRU_OK);
  assert_int_equal(gru_sequence_create(&restored, f->layer, B, T), GRU_OK);
  assert_int_equal(gru_sequence_load_state(restored, buf, need), GRU_OK);
  float y0[B * H], y1[B * H], y2[B * H];
  assert_int_equal(gru_sequence_step(f->seq, B, f->x, 0, y0, 0, NULL, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_step(clone, B, f->x, 0, y1, 0, NULL, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_step(restored, B, f->x, 0, y2, 0, NULL, NULL, 0), GRU_OK);
  assert_memory_equal(y0, y1, sizeof y0);
  assert_memory_equal(y0, y2, sizeof y0);
  assert_int_equal(gru_sequence_load_state(f->seq, buf, need), GRU_OK); /* back to before */
  /* At any alignment: saved to an odd address, the same bytes; loaded
   * from one, the same state (restored has stepped since it was loaded). */
  unsigned char *odd = malloc(need + 1);
  assert_non_null(odd);
  assert_int_equal(gru_sequence_save_state(f->seq, B, odd + 1, need, &written), GRU_OK);
  assert_memory_equal(odd + 1, buf, need);
  assert_int_equal(gru_sequence_load_state(restored, odd + 1, need), GRU_OK);
  assert_int_equal(gru_sequence_save_state(restored, B, odd, need + 1, &written), GRU_OK);
  assert_memory_equal(odd, buf, need);
  free(odd);
  /* Damaged or foreign states are refused and change nothing. */
  assert_int_equal(gru_sequence_load_state(f->seq, buf, need - 1), GRU_ERR_FORMAT);
  assert_unchanged(f);
  assert_int_equal(gru_sequence_load_state(f->seq, buf, need + 4), GRU_ERR_FORMAT);
  assert_int_equal(gru_sequence_load_state(f->seq, buf, 10), GRU_ERR_FORMAT);
  assert_int_equal(gru_sequence_load_state(f->seq, NULL, need), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_load_state(NULL, buf, need), GRU_ERR_NULL);
  buf[0] ^= 1;
  assert_int_equal(gru_sequence_load_state(f->seq, buf, need), GRU_ERR_FORMAT);
  buf[0] ^= 1;
  buf[12] ^= 0xff; /* the endianness mark */
  assert_int_equal(gru_sequence_load_state(f->seq, buf, need), GRU_ERR_FORMAT);
  buf[12] ^= 0xff;
  assert_unchanged(f);
  /* From another configuration: a one-layer sequence's state. */
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H, true, 5);
  gru_layer *other = test_model_build(&m, GRU_ISA_SCALAR);
  gru_sequence *o;
  assert_int_equal(gru_sequence_create(&o, other, 2 * B, 1), GRU_OK);
  size_t n2;
  unsigned char buf2[4096];
  assert_int_equal(gru_sequence_save_state(o, B, buf2, sizeof buf2, &n2), GRU_OK);
  assert_int_equal(gru_sequence_load_state(f->seq, buf2, n2), GRU_ERR_MISMATCH);
  assert_unchanged(f);
  /* A batch larger than this sequence holds. */
  gru_sequence *big;
  assert_int_equal(gru_sequence_create(&big, f->layer, 2 * B, 1), GRU_OK);
  assert_int_equal(gru_sequence_save_state(big, 2 * B, buf2, sizeof buf2, &n2), GRU_OK);
  assert_int_equal(gru_sequence_load_state(f->seq, buf2, n2), GRU_ERR_CAPACITY);
  assert_unchanged(f);
  gru_sequence_destroy(o);
  assert_int_equal(gru_sequence_clone(NULL, f->seq), GRU_ERR_NULL);
  assert_int_equal(gru_sequence_clone(&o, NULL), GRU_ERR_NULL);
  assert_null(o);
  gru_sequence_destroy(big);
  gru_sequence_destroy(clone);
  gru_sequence_destroy(restored);
  gru_layer_destroy(other);
  test_model_free(&m);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reset_and_state, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_runs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_steps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_save_load_clone, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
