/* The packed path (libgru's own kernels) and the sequence's own threads:
 * against the double reference and the BLAS path on every ISA; the same
 * bits for thread counts 1 to 3, for AVX2 and AVX-512, and from one run to
 * the next; sizes that are not multiples of 8 or 16, batch 1 to 64,
 * streaming steps, lengths, directions and stacks; GRU_OPT_THREADS and
 * GRU_OPT_PRODUCTS themselves. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "support.h"
#include "watchdog.h"

/* As test_forward.c: float32 against double over up to 50 steps. */
#define TOL 1e-5

typedef struct config {
  gru_variant variant;
  gru_direction dir;
  size_t layers, input, hidden, batch, steps;
  bool lengths;
} config;

/* y and the final state of one whole run, or of steps calls of one step
 * each (streaming: the packed path computes the input projections in the
 * step itself), with the given threads. */
static float *run(const gru_layer *layer, const config *c, size_t threads, const float *x,
                  const size_t *len, bool stream) {
  size_t out_w, state;
  gru_layer_get(layer, GRU_INFO_OUTPUT_SIZE, &out_w);
  gru_layer_get(layer, GRU_INFO_STATE_SIZE, &state);
  size_t ny = c->steps * c->batch * out_w, nh = c->batch * state;
  float *o = malloc((ny + nh) * sizeof *o);
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, layer, c->batch, stream ? 1 : c->steps), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, threads), GRU_OK);
  if (stream) {
    for (size_t t = 0; t < c->steps; t++)
      assert_int_equal(gru_sequence_step(s, c->batch, x + t * c->batch * c->input, 0,
                                         o + t * c->batch * out_w, 0, NULL, NULL, 0),
                       GRU_OK);
  } else {
    assert_int_equal(gru_sequence_run(s, c->steps, c->batch, x, 0, o, 0, len, 0), GRU_OK);
  }
  assert_int_equal(gru_sequence_get_state(s, c->batch, o + ny, nh), GRU_OK);
  gru_sequence_destroy(s);
  return o;
}

/* Every ISA, both paths, threads 1..3, whole runs (and streaming for a
 * forward layer without lengths): each within TOL of the reference; on
 * the packed path every thread count and run gives the same bits, and so
 * do AVX2 and AVX-512. Returns the largest error. */
static double check(const config *c, uint64_t seed) {
  test_model m;
  test_model_init(&m, c->variant, c->dir, c->layers, c->input, c->hidden, true, seed);
  size_t out_w = ref_output(&m.ref), nx = c->steps * c->batch * c->input;
  size_t ny = c->steps * c->batch * out_w, nh = m.cells * c->batch * c->hidden;
  float *x = malloc(nx * sizeof *x);
  test_fill(x, nx, &seed, 1.0f);
  size_t *len = NULL;
  if (c->lengths) {
    len = malloc(c->batch * sizeof *len);
    for (size_t b = 0; b < c->batch; b++)
      len[b] = b == 0 ? c->steps : (b * 5 + 2) % (c->steps + 1);
  }
  double *ref = malloc((ny + nh) * sizeof *ref);
  ref_run(&m.ref, c->steps, c->batch, x, NULL, len, ref, ref + ny);
  bool streams = c->dir == GRU_FORWARD && !c->lengths;
  gru_isa isas[3];
  size_t n_isa = test_isas(isas);
  double worst = 0;
  float *avx2 = NULL;
  for (size_t i = 0; i < n_isa; i++) {
    for (int products = GRU_PRODUCTS_PACKED; products <= GRU_PRODUCTS_BLAS; products++) {
      gru_layer *layer = test_model_build_products(&m, isas[i], (gru_products)products);
      for (int stream = 0; stream <= (int)streams; stream++) {
        float *one = run(layer, c, 1, x, len, stream);
        double e = test_max_diff(one, ref, ny + nh);
        if (e > TOL)
          print_error("%s %s%s: error %.3g (L=%zu I=%zu H=%zu B=%zu T=%zu)\n",
                      gru_isa_name(isas[i]), products ? "BLAS" : "packed",
                      stream ? " streaming" : "", e, c->layers, c->input, c->hidden, c->batch,
                      c->steps);
        assert_true(e <= TOL);
        worst = fmax(worst, e);
        for (size_t threads = 1; products == GRU_PRODUCTS_PACKED && threads <= 3; threads++) {
          float *again = run(layer, c, threads, x, len, stream);
          assert_memory_equal(again, one, (ny + nh) * sizeof(float));
          free(again);
        }
        if (products == GRU_PRODUCTS_PACKED && !stream && isas[i] == GRU_ISA_AVX2)
          avx2 = one;
        else if (products == GRU_PRODUCTS_PACKED && !stream && isas[i] == GRU_ISA_AVX512 && avx2)
          assert_memory_equal(one, avx2, (ny + nh) * sizeof(float));
        if (one != avx2) free(one);
      }
      gru_layer_destroy(layer);
    }
  }
  free(avx2);
  free(ref);
  free(len);
  free(x);
  test_model_free(&m);
  return worst;
}

/* I, H, B, T: H on both sides of a panel (16) and of the threads' split.
 * Layers this small take a thread per batch row at most (pass.h); from H
 * = 91, whose recurrent weights are 96 KiB, threads split the units of
 * small batches (at batch 1 hoisting ahead in pieces, hoist.h), and at H
 * = 130 share out a hoist in several pieces of rows and of panels each,
 * the last rows a part piece; at H = 300, whose recurrent weights are more
 * than half of a 2 MiB L2, they split the units of 10 rows each. */
static const size_t sizes[][4] = {
    {3, 5, 1, 1},     {13, 17, 1, 23}, {9, 33, 64, 5},  {31, 19, 2, 50}, {5, 70, 7, 9},
    {20, 47, 33, 4},  {16, 32, 3, 8},  {7, 100, 64, 3}, {9, 130, 5, 27}, {5, 300, 20, 3},
    {13, 100, 1, 23}, {31, 97, 2, 50}, {16, 112, 3, 8},
};

static void test_single_layer(void **state) {
  (void)state;
  double worst = 0;
  for (int v = 0; v < 2; v++)
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      config c = {(gru_variant)v, GRU_FORWARD, 1,           sizes[i][0],
                  sizes[i][1],    sizes[i][2], sizes[i][3], false};
      worst = fmax(worst, check(&c, 10 * i + v));
    }
  print_message("packed and BLAS paths, all ISAs, threads 1-3: max error %.3g\n", worst);
}

static void test_directions_stacks_lengths(void **state) {
  (void)state;
  double worst = 0;
  for (int v = 0; v < 2; v++)
    for (int dir = GRU_FORWARD; dir <= GRU_BIDIRECTIONAL_SUM; dir++) {
      /* Three layers: the middle one reads and writes one buffer in place.
       * A batch of 64 has the threads split the rows, 3 the units. */
      config c = {(gru_variant)v,    (gru_direction)dir, 3, 6, 100, v ? 64 : 3, 12,
                  dir != GRU_FORWARD};
      worst = fmax(worst, check(&c, 500 + 10 * dir + v));
    }
  print_message("directions, stacks, lengths: max error %.3g\n", worst);
}

/* Batch 1 on a team: a thread computes the input projections in pieces
 * ahead of the steps, while it waits at their barriers (hoist.h), in time
 * order or against it, and inner layers overwrite each step's input row
 * with its output. T = 21 ends in a part block of pieces. */
static void test_batch_one_ahead(void **state) {
  (void)state;
  double worst = 0;
  for (int v = 0; v < 2; v++)
    for (int dir = GRU_FORWARD; dir <= GRU_BIDIRECTIONAL_SUM; dir++) {
      config c = {(gru_variant)v, (gru_direction)dir, 3, 6, 100, 1, 21, false};
      worst = fmax(worst, check(&c, 700 + 10 * dir + v));
    }
  print_message("batch 1, hoisted ahead: max error %.3g\n", worst);
}

/* More chunks than one, so the state crosses chunk boundaries while the
 * threads ping-pong it (odd chunk lengths leave it in the other buffer). */
static void test_many_chunks(void **state) {
  (void)state;
  config c = {GRU_RESET_BEFORE, GRU_FORWARD, 1, 20, 150, 64, 41, true};
  print_message("chunked: max error %.3g\n", check(&c, 77));
}

static gru_layer *small_layer(test_model *m, gru_products products) {
  test_model_init(m, GRU_RESET_AFTER, GRU_FORWARD, 1, 4, 40, true, 3);
  return test_model_build_products(m, gru_cpu_isa(), products);
}

static void test_threads_option(void **state) {
  (void)state;
  test_model m;
  gru_layer *packed = small_layer(&m, GRU_PRODUCTS_PACKED);
  gru_layer *blas = test_model_build_products(&m, gru_cpu_isa(), GRU_PRODUCTS_BLAS);
  gru_sequence *s, *c;
  size_t v, bytes1, bytes3;
  assert_int_equal(gru_sequence_create(&s, packed, 2, 3), GRU_OK);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_THREADS, &v), GRU_OK);
  assert_int_equal(v, 1);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_BYTES, &bytes1), GRU_OK);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_SPIN_US, &v), GRU_OK);
  assert_int_equal(v, 200); /* the documented default */
  assert_int_equal(gru_layer_get(packed, GRU_INFO_SPIN_US, &v), GRU_ERR_INVALID);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_SPIN_US, 5000), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 3), GRU_OK);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_BYTES, &bytes3), GRU_OK);
  assert_true(bytes3 > bytes1); /* the pool's memory is reported */
  assert_int_equal(gru_sequence_clone(&c, s), GRU_OK);
  assert_int_equal(gru_sequence_get(c, GRU_INFO_THREADS, &v), GRU_OK);
  assert_int_equal(v, 3);
  assert_int_equal(gru_sequence_get(c, GRU_INFO_SPIN_US, &v), GRU_OK);
  assert_int_equal(v, 5000);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_SPIN_US, GRU_MAX_SPIN_US + 1),
                   GRU_ERR_INVALID);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 1), GRU_OK);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_SPIN_US, &v), GRU_OK);
  assert_int_equal(v, 5000); /* kept through both */
  assert_int_equal(gru_sequence_get(s, GRU_INFO_BYTES, &v), GRU_OK);
  assert_int_equal(v, bytes1);
  gru_sequence_destroy(c);
  gru_sequence_destroy(s);
  /* The BLAS path runs on BLAS's threads: one is all a sequence takes. */
  assert_int_equal(gru_sequence_create(&s, blas, 2, 3), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 2), GRU_ERR_UNSUPPORTED);
  assert_true(strstr(gru_sequence_error(s), "GRU_PRODUCTS_BLAS") != NULL);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 1), GRU_OK);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_THREADS, &v), GRU_OK);
  assert_int_equal(v, 1);
  gru_sequence_destroy(s);
  gru_layer_destroy(blas);
  gru_layer_destroy(packed);
  test_model_free(&m);
}

/* The pool's allocation fails: GRU_ERR_NOMEM, the old threads kept, and
 * nothing leaked. */
static void test_threads_out_of_memory(void **state) {
  (void)state;
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_FORWARD, 1, 4, 40, true, 5);
  test_alloc t = {0};
  gru_builder *b;
  gru_layer *layer;
  gru_sequence *s;
  assert_int_equal(gru_builder_create_custom(&b, test_alloc_fn, test_free_fn, &t), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_BEFORE, GRU_FORWARD, 1, 4, 40), GRU_OK);
  assert_int_equal(test_model_load(&m, b), GRU_OK);
  assert_int_equal(gru_builder_build(b, &layer), GRU_OK);
  assert_int_equal(gru_sequence_create(&s, layer, 2, 3), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 2), GRU_OK);
  size_t live = t.live, v;
  t.fail_at = t.calls + 1;
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 3), GRU_ERR_NOMEM);
  assert_int_equal(t.live, live);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_THREADS, &v), GRU_OK);
  assert_int_equal(v, 2);
  float x[2 * 4] = {0}, y[2 * 40];
  assert_int_equal(gru_sequence_step(s, 2, x, 0, y, 0, NULL, NULL, 0), GRU_OK);
  gru_sequence_destroy(s);
  gru_layer_destroy(layer);
  gru_builder_destroy(b);
  assert_int_equal(t.live, 0);
  test_model_free(&m);
}

/* Every allocation that giving a bidirectional sequence two threads makes
 * (the pool, and where its directions may run at once the reverse one's
 * workspace, forward.c) fails cleanly: the sequence keeps one thread and
 * its memory; and then it gets them, holds more, and runs. */
static void test_threads_out_of_memory_bidirectional(void **state) {
  (void)state;
  enum { I = 4, H = 40, T = 3 };
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 1, I, H, true, 6);
  test_alloc t = {0};
  gru_builder *b;
  gru_layer *layer;
  gru_sequence *s;
  assert_int_equal(gru_builder_create_custom(&b, test_alloc_fn, test_free_fn, &t), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 1, I, H), GRU_OK);
  assert_int_equal(test_model_load(&m, b), GRU_OK);
  assert_int_equal(gru_builder_build(b, &layer), GRU_OK);
  assert_int_equal(gru_sequence_create(&s, layer, 1, T), GRU_OK);
  size_t live = t.live, one, two, v, failures = 0;
  assert_int_equal(gru_sequence_get(s, GRU_INFO_BYTES, &one), GRU_OK);
  for (size_t k = 1;; k++) {
    t.fail_at = t.calls + k;
    gru_status st = gru_sequence_set_option(s, GRU_OPT_THREADS, 2);
    if (st == GRU_OK) break;
    failures++;
    assert_int_equal(st, GRU_ERR_NOMEM);
    assert_int_equal(t.live, live);
    assert_int_equal(gru_sequence_get(s, GRU_INFO_THREADS, &v), GRU_OK);
    assert_int_equal(v, 1);
    assert_int_equal(gru_sequence_get(s, GRU_INFO_BYTES, &v), GRU_OK);
    assert_int_equal(v, one);
  }
  t.fail_at = 0;
  assert_true(failures >= 1);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_BYTES, &two), GRU_OK);
  assert_true(two > one);
  float x[T * I] = {0}, y[T * 2 * H];
  assert_int_equal(gru_sequence_run(s, T, 1, x, 0, y, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, 1), GRU_OK);
  assert_int_equal(t.live, live);
  gru_sequence_destroy(s);
  gru_layer_destroy(layer);
  gru_builder_destroy(b);
  assert_int_equal(t.live, 0);
  test_model_free(&m);
}

/* y and the final state of CALLS runs of T2 steps of batch rows each,
 * with threads and GRU_OPT_SPIN_US 0 (workers park as soon as a call
 * ends); with pause, 2 ms before every other call, so that it finds them
 * parked. */
enum { CALLS = 16, T2 = 2, IN = 6 };
static float *run_calls(const gru_layer *layer, size_t batch, size_t threads, bool pause,
                        const float *x) {
  size_t out, state, ny = CALLS * T2 * batch;
  gru_layer_get(layer, GRU_INFO_OUTPUT_SIZE, &out);
  gru_layer_get(layer, GRU_INFO_STATE_SIZE, &state);
  float *o = malloc((ny * out + batch * state) * sizeof *o);
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, layer, batch, T2), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_THREADS, threads), GRU_OK);
  assert_int_equal(gru_sequence_set_option(s, GRU_OPT_SPIN_US, 0), GRU_OK);
  for (size_t i = 0; i < CALLS; i++) {
    if (pause && i % 2) nanosleep(&(struct timespec){0, 2000000L}, NULL);
    size_t row = i * T2 * batch;
    assert_int_equal(gru_sequence_run(s, T2, batch, x + row * IN, 0, o + row * out, 0, NULL, 0),
                     GRU_OK);
  }
  assert_int_equal(gru_sequence_get_state(s, batch, o + ny * out, batch * state), GRU_OK);
  gru_sequence_destroy(s);
  return o;
}

/* Calls that find the workers parked and would take less time than waking
 * them run on the caller alone (gru__pool_solo), the others on the team:
 * the same bits as one thread as the two alternate, the state handed from
 * one to the other. At H = 20 the team splits the batch rows; at H = 100
 * and batch 1 the units, and bidirectional layers run their directions at
 * once on the team and in turn alone. Which calls run alone depends on the
 * clock: at H = 20 most do (the test at first printed how many). */
static void test_parked_workers(void **state) {
  (void)state;
  const gru_direction dirs[] = {GRU_FORWARD, GRU_BIDIRECTIONAL};
  const size_t shapes[][2] = {{20, 3}, {100, 1}}; /* H, batch */
  for (size_t k = 0; k < 4; k++) {
    size_t h = shapes[k / 2][0], batch = shapes[k / 2][1];
    test_model m;
    test_model_init(&m, GRU_RESET_BEFORE, dirs[k % 2], 2, IN, h, true, 900 + k);
    gru_layer *layer = test_model_build_products(&m, gru_cpu_isa(), GRU_PRODUCTS_PACKED);
    size_t n = CALLS * T2 * batch * IN;
    float *x = malloc(n * sizeof *x);
    uint64_t seed = 31 + k;
    test_fill(x, n, &seed, 1.0f);
    float *one = run_calls(layer, batch, 1, false, x);
    float *two = run_calls(layer, batch, 2, true, x);
    size_t out, st;
    gru_layer_get(layer, GRU_INFO_OUTPUT_SIZE, &out);
    gru_layer_get(layer, GRU_INFO_STATE_SIZE, &st);
    assert_memory_equal(two, one, (CALLS * T2 * batch * out + batch * st) * sizeof(float));
    free(two);
    free(one);
    free(x);
    gru_layer_destroy(layer);
    test_model_free(&m);
  }
}

int main(void) {
  test_watchdog();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_layer),
      cmocka_unit_test(test_directions_stacks_lengths),
      cmocka_unit_test(test_batch_one_ahead),
      cmocka_unit_test(test_many_chunks),
      cmocka_unit_test(test_threads_option),
      cmocka_unit_test(test_threads_out_of_memory),
      cmocka_unit_test(test_threads_out_of_memory_bidirectional),
      cmocka_unit_test(test_parked_workers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
