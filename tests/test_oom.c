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

/* The state every creating call works on, in the order of the table. */
typedef struct world {
  test_alloc t;
  gru_builder *b;
  test_model m;
  gru_layer *layer;
  gru_sequence *seq, *clone;
} world;

static gru_status w_builder_create(world *w) { return op_builder_create(&w->t, &w->b); }
static gru_status w_set_shape(world *w) { return op_set_shape(&w->t, w->b); }
static gru_status w_load(world *w) {
  load_ctx c = {w->b, &w->m};
  return op_load(&w->t, &c);
}
static gru_status w_build(world *w) {
  build_ctx c = {w->b, NULL};
  gru_status st = op_build(&w->t, &c);
  w->layer = c.layer;
  return st;
}
static gru_status w_sequence(world *w) {
  seq_ctx c = {w->layer, NULL, NULL};
  gru_status st = op_sequence(&w->t, &c);
  w->seq = c.seq;
  return st;
}
static gru_status w_run(world *w) {
  float x[T * B * I];
  uint64_t seed = 1;
  test_fill(x, T * B * I, &seed, 1.0f);
  return gru_sequence_run(w->seq, T, B, x, 0, NULL, 0, NULL, 0);
}
static gru_status w_clone(world *w) {
  seq_ctx c = {w->layer, NULL, w->seq};
  gru_status st = op_clone(&w->t, &c);
  w->clone = c.seq;
  return st;
}
#ifdef GRU_MAX_THREADS
static gru_status w_threads(world *w) {
  return gru_sequence_set_option(w->seq, GRU_OPT_THREADS, 2);
}
#endif

typedef gru_status (*world_fn)(world *w);
typedef struct world_call {
  world *w;
  world_fn fn;
} world_call;

static gru_status adapt(test_alloc *t, void *ctx) {
  (void)t;
  world_call *c = ctx;
  return c->fn(c->w);
}

/* Every call that creates or loads, in an order where each finds what it
 * needs; min_failures: how many allocations it must make (0 for a call
 * that may find its memory already there). A new creating call (a loader,
 * an option that starts threads) is one more row. */
static const struct {
  const char *call;
  world_fn fn;
  size_t min_failures;
} calls[] = {
    {"gru_builder_create_custom", w_builder_create, 1},
    {"gru_builder_set_shape", w_set_shape, 1},
    {"gru_builder_set_tensor (weights already allocated)", w_load, 0},
    {"gru_builder_build", w_build, 1},
    {"gru_builder_set_tensor (after a build)", w_load, 1},
    {"gru_sequence_create", w_sequence, 1},
    {"gru_sequence_run (allocates nothing)", w_run, 0},
    {"gru_sequence_clone", w_clone, 1},
#ifdef GRU_MAX_THREADS
    {"gru_sequence_set_option(GRU_OPT_THREADS)", w_threads, 0},
#endif
};

static void test_every_allocation_fails_cleanly(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  test_model_init(&w->m, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, L, I, H, true, 1);
  size_t live, total = 0;
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
    world_call c = {w, calls[i].fn};
    size_t n = inject(&w->t, adapt, &c, &live);
    if (n < calls[i].min_failures) fail_msg("%s made no allocation to fail", calls[i].call);
    if (calls[i].min_failures == 0 && strstr(calls[i].call, "allocates nothing"))
      assert_int_equal(n, 0);
    print_message("  %-52s %zu allocation failure(s) injected\n", calls[i].call, n);
    total += n;
  }
  /* The clone made under failures continues exactly as its original. */
  float h1[L * 2 * B * H], h2[L * 2 * B * H];
  assert_int_equal(gru_sequence_get_state(w->seq, B, h1, sizeof h1 / sizeof h1[0]), GRU_OK);
  assert_int_equal(gru_sequence_get_state(w->clone, B, h2, sizeof h2 / sizeof h2[0]), GRU_OK);
  assert_memory_equal(h1, h2, sizeof h1);
  print_message("%zu allocation failures injected\n", total);
  gru_sequence_destroy(w->clone);
  gru_sequence_destroy(w->seq);
  gru_layer_destroy(w->layer);
  gru_builder_destroy(w->b);
  assert_int_equal(w->t.live, 0);
  assert_int_equal(w->t.live_bytes, 0);
  test_model_free(&w->m);
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_allocation_fails_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
