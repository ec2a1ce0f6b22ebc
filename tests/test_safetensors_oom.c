/* Out of memory in the model-file calls: allocation 1, 2, ... of each
 * loading, opening and saving call fails in turn until the call succeeds.
 * Each failure must be GRU_ERR_NOMEM, leak nothing, and leave the builder
 * or gru_file as it was (the builder still builds the GRU it held, the
 * file still reads what it had open). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safetensors_support.h"
#include "support.h"

#define MODELS GRU_TEST_DATA_DIR "/models/"

typedef gru_status (*op_fn)(void *ctx);

/* Fails allocation 1, 2, ... of op until it succeeds; check() runs after
 * each failure. Returns the failures injected. */
static size_t inject(test_alloc *t, op_fn op, void *ctx, void (*check)(void *ctx)) {
  for (size_t n = 1;; n++) {
    size_t live = t->live;
    t->fail_at = t->calls + n;
    gru_status st = op(ctx);
    t->fail_at = 0;
    if (st == GRU_OK) return n - 1;
    assert_int_equal(st, GRU_ERR_NOMEM);
    assert_int_equal(t->live, live);
    if (check) check(ctx);
    assert_true(n < 100);
  }
}

typedef struct ctx {
  gru_builder *b;
  gru_file *f;
  gru_layer *layer;
  const void *data;
  size_t size;
  const char *path, *prefix;
  size_t count; /* tensors the gru_file has open */
} ctx;

static gru_status op_load_memory(void *p) {
  ctx *c = p;
  return gru_builder_load_safetensors(c->b, c->data, c->size, c->prefix);
}

static gru_status op_load_file(void *p) {
  ctx *c = p;
  return gru_builder_load_file(c->b, c->path, c->prefix);
}

static gru_status op_load_open(void *p) {
  ctx *c = p;
  return gru_builder_load(c->b, c->f, c->prefix);
}

static gru_status op_open(void *p) {
  ctx *c = p;
  return gru_file_open(c->f, c->path);
}

static gru_status op_open_memory(void *p) {
  ctx *c = p;
  return gru_file_open_memory(c->f, c->data, c->size);
}

static gru_status op_save(void *p) {
  ctx *c = p;
  return gru_layer_save_file(c->layer, GRU_FORMAT_TORCH, c->path);
}

/* The builder still holds nn.GRU(2, 1) of the bootstrap file. */
static void builder_unchanged(void *p) {
  ctx *c = p;
  gru_layer *l;
  size_t hidden;
  assert_int_equal(gru_builder_build(c->b, &l), GRU_OK);
  assert_int_equal(gru_layer_get(l, GRU_INFO_HIDDEN_SIZE, &hidden), GRU_OK);
  assert_int_equal(hidden, 1);
  gru_layer_destroy(l);
}

/* The gru_file still has open what it had (count tensors). */
static void file_unchanged(void *p) {
  ctx *c = p;
  size_t count;
  assert_int_equal(gru_file_tensor_count(c->f, &count), GRU_OK);
  assert_int_equal(count, c->count);
}

static const char *small =
    "{'weight_ih_l0':{'dtype':'F32','shape':[3,2],'data_offsets':[0,24]},"
    "'weight_hh_l0':{'dtype':'F32','shape':[3,1],'data_offsets':[24,36]}}";

/* Loads the small GRU again, so builder_unchanged can build it. */
static void reload_small(gru_builder *b) {
  size_t n;
  unsigned char *f = st_simple(small, 36, &n);
  assert_int_equal(gru_builder_load_safetensors(b, f, n, NULL), GRU_OK);
  free(f);
}

static void builder_then_reload(void *p) {
  ctx *c = p;
  builder_unchanged(c);
  reload_small(c->b);
}

static void test_loaders(void **state) {
  (void)state;
  test_alloc t = {0};
  ctx c = {0};
  size_t total = 0, size;
  unsigned char *bytes = st_read(MODELS "l2_bidir.safetensors", &size);
  assert_non_null(bytes);
  assert_int_equal(gru_builder_create_custom(&c.b, test_alloc_fn, test_free_fn, &t), GRU_OK);
  reload_small(c.b);
  c.data = bytes;
  c.size = size;
  total += inject(&t, op_load_memory, &c, builder_then_reload);
  reload_small(c.b);
  c.path = MODELS "in_model.safetensors";
  c.prefix = "rnn.";
  total += inject(&t, op_load_file, &c, builder_then_reload);
  reload_small(c.b);

  /* gru_file: create, open from a path and from memory, then load. */
  size_t sn;
  unsigned char *sf = st_simple(small, 36, &sn);
  for (size_t n = 1;; n++) {
    t.fail_at = t.calls + n;
    gru_status st = gru_file_create_custom(&c.f, test_alloc_fn, test_free_fn, &t);
    t.fail_at = 0;
    if (st == GRU_OK) break;
    assert_int_equal(st, GRU_ERR_NOMEM);
    assert_null(c.f);
    total++;
  }
  assert_int_equal(gru_file_open_memory(c.f, sf, sn), GRU_OK);
  c.count = 2;
  c.path = MODELS "in_model.safetensors";
  total += inject(&t, op_open, &c, file_unchanged);
  c.count = 13;
  c.data = sf;
  c.size = sn;
  total += inject(&t, op_open_memory, &c, file_unchanged);
  assert_int_equal(gru_file_open(c.f, MODELS "meta.safetensors"), GRU_OK);
  c.prefix = NULL;
  total += inject(&t, op_load_open, &c, builder_then_reload);
  gru_file_destroy(c.f);

  /* Saving: the header and a tensor's buffer, the temporary file's name. */
  gru_layer *l;
  assert_int_equal(gru_builder_build(c.b, &l), GRU_OK);
  c.layer = l;
  c.path = st_tmp_path("oom.safetensors");
  total += inject(&t, op_save, &c, NULL);
  gru_layer_destroy(l);

  print_message("%zu allocation failures injected\n", total);
  gru_builder_destroy(c.b);
  assert_int_equal(t.live, 0);
  assert_int_equal(t.live_bytes, 0);
  free(sf);
  free(bytes);
  st_tmpdir_remove();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loaders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
