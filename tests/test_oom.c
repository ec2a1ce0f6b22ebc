/* Out of memory: every allocation of every creating call is made to fail
 * in turn, until the call succeeds. Each failure must return
 * GRU_ERR_NOMEM, leak nothing, and leave its handle usable and unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

enum { L = 2, I = 3, H = 4, B = 2, T = 3 };

/* Fails allocation 1, 2, ... of op until op succeeds. */
typedef gru_status (*op_fn)(test_alloc *t, void *ctx);

static size_t inject(test_alloc *t, op_fn op, void *ctx, size_t *live_after) {
  /* Returns the number of failures injected before op succeeded. */
  for (size_t n = 1;; n++) {
    size_t live = t->live;
    t->fail_at = t->calls + n;
    gru_status st = op(t, ctx);
    t->fail_at = 0;
    if (st == GRU_OK) {
      *live_after = t->live;
      return n - 1;
    }
    assert_int_equal(st, GRU_ERR_NOMEM);
    assert_int_equal(t->live, live); /* nothing leaked, nothing half-built */
    assert_true(n < 100);
  }
}

/* Each creating call allocates, so at least one failure was injected. */
static size_t expect_failures(size_t n) {
  assert_true(n >= 1);
  return n;
}

static gru_status op_builder_create(test_alloc *t, void *ctx) {
  gru_builder **b = ctx;
  gru_status st = gru_builder_create_custom(b, test_alloc_fn, test_free_fn, t);
  if (st != GRU_OK) assert_null(*b);
  return st;
}

static gru_status op_set_shape(test_alloc *t, void *ctx) {
  (void)t;
  return gru_builder_set_shape(ctx, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, L, I, H);
}

typedef struct load_ctx {
  gru_builder *b;
  test_model *m;
} load_ctx;

static gru_status op_load(test_alloc *t, void *ctx) {
  (void)t;
  load_ctx *c = ctx;
  return test_model_load(c->m, c->b);
}

typedef struct build_ctx {
  gru_builder *b;
  gru_layer *layer;
} build_ctx;

static gru_status op_build(test_alloc *t, void *ctx) {
  (void)t;
  build_ctx *c = ctx;
  gru_status st = gru_builder_build(c->b, &c->layer);
  if (st != GRU_OK) assert_null(c->layer);
  return st;
}

typedef struct seq_ctx {
  gru_layer *layer;
  gru_sequence *seq, *src;
} seq_ctx;

static gru_status op_sequence(test_alloc *t, void *ctx) {
  (void)t;
  seq_ctx *c = ctx;
  return gru_sequence_create(&c->seq, c->layer, B, T);
}

static gru_status op_clone(test_alloc *t, void *ctx) {
  (void)t;
  seq_ctx *c = ctx;
  return gru_sequence_clone(&c->seq, c->src);
}

static void test_every_allocation_fails_cleanly(void **state) {
  (void)state;
  test_alloc t = {0};
  size_t live, total = 0;
  gru_builder *b = NULL;
  total += expect_failures(inject(&t, op_builder_create, &b, &live));
  total += expect_failures(inject(&t, op_set_shape, b, &live));
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, L, I, H, true, 1);
  load_ctx lc = {b, &m};
  assert_int_equal(inject(&t, op_load, &lc, &live), 0); /* set_shape allocated */
  build_ctx bc = {b, NULL};
  total += expect_failures(inject(&t, op_build, &bc, &live));
  /* After a build the next tensor allocates the builder's weights again. */
  total += expect_failures(inject(&t, op_load, &lc, &live));
  seq_ctx sc = {bc.layer, NULL, NULL};
  total += expect_failures(inject(&t, op_sequence, &sc, &live));
  float x[T * B * I];
  uint64_t seed = 1;
  test_fill(x, T * B * I, &seed, 1.0f);
  assert_int_equal(gru_sequence_run(sc.seq, T, B, x, 0, NULL, 0, NULL, 0), GRU_OK);
  sc.src = sc.seq;
  total += expect_failures(inject(&t, op_clone, &sc, &live));
  float h1[L * 2 * B * H], h2[L * 2 * B * H];
  assert_int_equal(gru_sequence_get_state(sc.src, B, h1, sizeof h1 / sizeof h1[0]), GRU_OK);
  assert_int_equal(gru_sequence_get_state(sc.seq, B, h2, sizeof h2 / sizeof h2[0]), GRU_OK);
  assert_memory_equal(h1, h2, sizeof h1);
  print_message("%zu allocation failures injected\n", total);
  gru_sequence_destroy(sc.seq);
  gru_sequence_destroy(sc.src);
  gru_layer_destroy(bc.layer);
  gru_builder_destroy(b);
  assert_int_equal(t.live, 0);
  assert_int_equal(t.live_bytes, 0);
  test_model_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_allocation_fails_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
