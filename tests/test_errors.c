/* The bad-input matrix: docs/errors.md is the list of expected results,
 * and this test drives every call from it.
 *
 * BAD_CALLS below says how to make each bad call (function, bad input,
 * expression); the table in docs/errors.md says what it must return. The
 * test parses the table and checks, for every row, on fresh handles:
 *  - the call returns the table's status (or string, or is a no-op);
 *  - a failing call on a builder or sequence leaves a message there;
 *  - out-parameters are untouched (a handle out is NULL);
 *  - every handle of the fixture is unchanged and still works: the
 *    builder still builds the same layer bit for bit, the layer reads back
 *    the same, the sequence has the same state and steps as its snapshot.
 * It also checks that the table and BAD_CALLS name the same calls, and
 * that every GRU_API function of include/gru.h has a row. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

enum { L = 2, I = 3, H = 4, B = 2, T = 3 };
#define STATE_FLOATS (L * B * H)
#define HEADER_BYTES 64 /* src/state.c's header: magic, version, endianness, six u64 */
#define SENTINEL_V ((size_t)0x5eed)
#define BIG_SIZE ((size_t)1 << 40)

/* Fresh handles for each row. */
typedef struct fx {
  test_model m;
  gru_builder *b;  /* reset-after, forward, L layers: shape and every tensor set */
  gru_builder *e;  /* no shape */
  gru_builder *rb; /* reset-before, one bidirectional layer, no tensors */
  gru_layer *l;    /* built from m */
  gru_layer *bl;   /* reset-before, bidirectional, one layer */
  gru_sequence *s; /* over l, B x T, state advanced by a run */
  gru_sequence *sb;
  /* Out-parameters, preset so a write shows. */
  gru_builder *out_b;
  gru_layer *out_l;
  gru_sequence *out_s;
  size_t v, nd, shape[GRU_MAX_DIMS], written;
  char name[GRU_MAX_NAME];
  char info[64];
  /* Inputs. */
  float x[T * B * I], y[T * B * H], h[4 * STATE_FLOATS], w[3 * H * (H + I)];
  size_t dims8[8];
  size_t len[B];
  unsigned char mask[B];
  unsigned char st[HEADER_BYTES + STATE_FLOATS * sizeof(float)];
  unsigned char st_big[HEADER_BYTES + 2 * STATE_FLOATS * sizeof(float)];
  unsigned char st_other[HEADER_BYTES + STATE_FLOATS * sizeof(float)];
  size_t st_n, st_big_n, st_other_n;
  test_alloc ta;
} fx;

/* Which handle a call addresses: its message is checked. */
enum target { NONE, BLD, EMPTY, RB, LAY, SEQ, SBI };

typedef struct result {
  gru_status st;
  const char *text; /* for functions that return a string; "no-op" for void */
} result;

#define S(expr) ((result){(expr), NULL})
#define TXT(expr) ((result){GRU_OK, (expr)})
#define VOID(expr) ((expr), (result){GRU_OK, "no-op"})

static gru_status build_with_env(fx *f, const char *isa) {
  setenv("GRU_ISA", isa, 1);
  gru_status st = gru_builder_build(f->b, &f->out_l);
  unsetenv("GRU_ISA");
  return st;
}

static gru_status fail_next_alloc(fx *f) {
  f->ta.fail_at = f->ta.calls + 1;
  gru_status st = gru_builder_create_custom(&f->out_b, test_alloc_fn, test_free_fn, &f->ta);
  f->ta.fail_at = 0;
  return st;
}

/* Loads f->st with bytes [at, at + n) replaced by value's first n bytes
 * (at = the state's size: one byte appended). */
static gru_status load_edited(fx *f, size_t at, uint64_t value, size_t n) {
  unsigned char buf[sizeof f->st + 8];
  memcpy(buf, f->st, sizeof f->st);
  memcpy(buf + at, &value, n);
  return gru_sequence_load_state(f->s, buf, at + n > f->st_n ? at + n : f->st_n);
}

static gru_status step_h_init(fx *f, size_t count) {
  memset(f->mask, 1, sizeof f->mask);
  return gru_sequence_step(f->s, B, f->x, 0, f->y, 0, f->mask, f->h, count);
}

static gru_status run_lengths(fx *f, size_t row, size_t value) {
  for (size_t i = 0; i < B; i++)
    f->len[i] = T;
  f->len[row] = value;
  return gru_sequence_run(f->s, T, B, f->x, 0, f->y, 0, f->len, 0);
}

static gru_status tensor_info(fx *f, const gru_layer *l, gru_format format, size_t index,
                              size_t name_size) {
  return gru_layer_tensor_info(l, format, index, f->name, name_size, &f->nd, f->shape);
}

static gru_status set_concat(fx *f, gru_builder *b, const char *name, size_t ndim, size_t d0,
                             size_t d1) {
  f->dims8[0] = d0;
  f->dims8[1] = d1;
  return gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, name, f->w, ndim, f->dims8);
}

static const size_t W_SHAPE[2] = {H, H + I};
#define HI ((size_t)(H + I))

/* Model files: a small safetensors file, an I64 tensor "n" [1] and an F32
 * tensor "w" [2], and the calls on it the table's rows make. */
static const char TINY_HEADER[] =
    "{\"n\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
    "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
#define TINY_SIZE (8 + sizeof TINY_HEADER - 1 + 16)

static const unsigned char *tiny(void) {
  static unsigned char file[TINY_SIZE];
  file[0] = (unsigned char)(sizeof TINY_HEADER - 1);
  memcpy(file + 8, TINY_HEADER, sizeof TINY_HEADER - 1);
  return file;
}

/* A gru_file over the tiny file, or with nothing open. */
static gru_file *tiny_file(bool open) {
  gru_file *file;
  assert_int_equal(gru_file_create(&file), GRU_OK);
  if (open) assert_int_equal(gru_file_open_memory(file, tiny(), TINY_SIZE), GRU_OK);
  return file;
}

static gru_status builder_load(gru_builder *b, bool open) {
  gru_file *file = tiny_file(open);
  gru_status st = gru_builder_load(b, file, NULL);
  gru_file_destroy(file);
  return st;
}

static gru_status save_short(fx *f) {
  size_t need;
  assert_int_equal(gru_layer_save_safetensors(f->l, GRU_FORMAT_TORCH, NULL, 0, &need), GRU_OK);
  unsigned char *buf = calloc(1, need);
  gru_status st = gru_layer_save_safetensors(f->l, GRU_FORMAT_TORCH, buf, need - 1, &f->written);
  for (size_t i = 0; i < need; i++)
    assert_int_equal(buf[i], 0);
  free(buf);
  return st;
}

static gru_status file_create_custom(fx *f, gru_alloc_fn alloc, gru_free_fn free_fn, size_t fail) {
  gru_file *out = (gru_file *)f;
  if (fail) f->ta.fail_at = f->ta.calls + 1;
  gru_status st = gru_file_create_custom(&out, alloc, free_fn, &f->ta);
  f->ta.fail_at = 0;
  assert_null(out);
  return st;
}

/* Opens path (or data) on a gru_file that has the tiny file open: a
 * failure leaves that open, and a message. */
static gru_status file_open(const char *path, const void *data, size_t size) {
  gru_file *file = tiny_file(true);
  gru_status st = data || size ? gru_file_open_memory(file, data, size) : gru_file_open(file, path);
  size_t count;
  assert_int_equal(gru_file_tensor_count(file, &count), GRU_OK);
  assert_int_equal(count, 2);
  if (st != GRU_OK) assert_true(*gru_file_error(file) != '\0');
  gru_file_destroy(file);
  return st;
}

enum { F_OPEN = 1, F_NULL_OUT = 2, F_NULL_FILE = 4 };
enum file_call { META, META_COUNT, META_KEY, COUNT, NAME, INFO, READ };

/* One call on a gru_file (the tiny one if F_OPEN, else nothing open; NULL
 * with F_NULL_FILE), its output NULL with F_NULL_OUT. */
static gru_status file_call(fx *f, enum file_call c, const char *name, size_t n, unsigned flags) {
  gru_file *file = tiny_file(flags & F_OPEN), *use = flags & F_NULL_FILE ? NULL : file;
  const char *text = NULL;
  bool null_out = flags & F_NULL_OUT;
  gru_status st = GRU_OK;
  switch (c) {
    case META: st = gru_file_metadata(use, name, null_out ? NULL : &text); break;
    case META_COUNT: st = gru_file_metadata_count(use, null_out ? NULL : &f->v); break;
    case META_KEY: st = gru_file_metadata_key(use, n, null_out ? NULL : &text); break;
    case COUNT: st = gru_file_tensor_count(use, null_out ? NULL : &f->v); break;
    case NAME: st = gru_file_tensor_name(use, n, null_out ? NULL : &text); break;
    case INFO: st = gru_file_tensor_info(use, name, &text, &f->nd, NULL); break;
    case READ: st = gru_file_read_tensor(use, name, null_out ? NULL : f->w, n); break;
  }
  if (st != GRU_OK) assert_null(text);
  gru_file_destroy(file);
  return st;
}

/* X(id, function, bad input, target, expression) */
#define BAD_CALLS(X)                                                                              \
  X(bc0, gru_builder_create, "out NULL", NONE, S(gru_builder_create(NULL)))                       \
  X(bcc0, gru_builder_create_custom, "out NULL", NONE,                                            \
    S(gru_builder_create_custom(NULL, test_alloc_fn, test_free_fn, &f->ta)))                      \
  X(bcc1, gru_builder_create_custom, "alloc NULL", NONE,                                          \
    S(gru_builder_create_custom(&f->out_b, NULL, test_free_fn, &f->ta)))                          \
  X(bcc2, gru_builder_create_custom, "free NULL", NONE,                                           \
    S(gru_builder_create_custom(&f->out_b, test_alloc_fn, NULL, &f->ta)))                         \
  X(bcc3, gru_builder_create_custom, "the allocator fails", NONE, S(fail_next_alloc(f)))          \
  X(bd0, gru_builder_destroy, "builder NULL", NONE, VOID(gru_builder_destroy(NULL)))              \
  X(bs0, gru_builder_set_shape, "builder NULL", NONE,                                             \
    S(gru_builder_set_shape(NULL, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H)))                        \
  X(bs1, gru_builder_set_shape, "variant 2", BLD,                                                 \
    S(gru_builder_set_shape(f->b, (gru_variant)2, GRU_FORWARD, 1, I, H)))                         \
  X(bs2, gru_builder_set_shape, "variant -1", BLD,                                                \
    S(gru_builder_set_shape(f->b, (gru_variant)-1, GRU_FORWARD, 1, I, H)))                        \
  X(bs3, gru_builder_set_shape, "direction 4", BLD,                                               \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, (gru_direction)4, 1, I, H)))                   \
  X(bs4, gru_builder_set_shape, "direction -1", BLD,                                              \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, (gru_direction)-1, 1, I, H)))                  \
  X(bs5, gru_builder_set_shape, "num_layers 0", BLD,                                              \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 0, I, H)))                        \
  X(bs6, gru_builder_set_shape, "input_size 0", BLD,                                              \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, 0, H)))                        \
  X(bs7, gru_builder_set_shape, "hidden_size 0", BLD,                                             \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, 0)))                        \
  X(bs8, gru_builder_set_shape, "num_layers SIZE_MAX (-1)", BLD,                                  \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, SIZE_MAX, I, H)))                 \
  X(bs9, gru_builder_set_shape, "input_size SIZE_MAX (-1)", BLD,                                  \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, SIZE_MAX, H)))                 \
  X(bs10, gru_builder_set_shape, "hidden_size SIZE_MAX (-1)", BLD,                                \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, SIZE_MAX)))                 \
  X(bs11, gru_builder_set_shape, "hidden_size SIZE_MAX / 2 (6H overflows)", BLD,                  \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, SIZE_MAX / 2)))             \
  X(bs12, gru_builder_set_shape, "num_layers 2^40, hidden_size 2^28 (bytes overflow)", BLD,       \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, BIG_SIZE, 1, (size_t)1 << 28)))   \
  X(bs13, gru_builder_set_shape, "input_size 2^31 (beyond a BLAS int)", BLD,                      \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, (size_t)1 << 31, H)))          \
  X(bs14, gru_builder_set_shape, "input_size INT_MAX (H + I beyond a BLAS int)", BLD,             \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, INT_MAX, H)))                  \
  X(bs15, gru_builder_set_shape, "hidden_size 2^29 (6H beyond a BLAS int)", BLD,                  \
    S(gru_builder_set_shape(f->b, GRU_RESET_AFTER, GRU_FORWARD, 1, 1, (size_t)1 << 29)))          \
  X(bo0, gru_builder_set_option, "builder NULL", NONE,                                            \
    S(gru_builder_set_option(NULL, GRU_OPT_ISA, 0)))                                              \
  X(bo1, gru_builder_set_option, "option 99", BLD,                                                \
    S(gru_builder_set_option(f->b, (gru_option)99, 0)))                                           \
  X(bo2, gru_builder_set_option, "option -1", BLD,                                                \
    S(gru_builder_set_option(f->b, (gru_option)-1, 0)))                                           \
  X(bo3, gru_builder_set_option, "GRU_OPT_ISA value 3", BLD,                                      \
    S(gru_builder_set_option(f->b, GRU_OPT_ISA, 3)))                                              \
  X(bo4, gru_builder_set_option, "GRU_OPT_ISA value SIZE_MAX", BLD,                               \
    S(gru_builder_set_option(f->b, GRU_OPT_ISA, SIZE_MAX)))                                       \
  X(bo5, gru_builder_set_option, "GRU_OPT_PRODUCTS value 2", BLD,                                 \
    S(gru_builder_set_option(f->b, GRU_OPT_PRODUCTS, 2)))                                         \
  X(bo6, gru_builder_set_option, "GRU_OPT_THREADS (a sequence option)", BLD,                      \
    S(gru_builder_set_option(f->b, GRU_OPT_THREADS, 2)))                                          \
  X(bo7, gru_builder_set_option, "GRU_OPT_SPIN_US (a sequence option)", BLD,                      \
    S(gru_builder_set_option(f->b, GRU_OPT_SPIN_US, 0)))                                          \
  X(bt0, gru_builder_set_tensor, "builder NULL", NONE,                                            \
    S(gru_builder_set_tensor(NULL, GRU_FORMAT_CONCAT, "W_r_l0", f->w, 2, W_SHAPE)))               \
  X(bt1, gru_builder_set_tensor, "name NULL", BLD,                                                \
    S(gru_builder_set_tensor(f->b, GRU_FORMAT_CONCAT, NULL, f->w, 2, W_SHAPE)))                   \
  X(bt2, gru_builder_set_tensor, "data NULL", BLD,                                                \
    S(gru_builder_set_tensor(f->b, GRU_FORMAT_CONCAT, "W_r_l0", NULL, 2, W_SHAPE)))               \
  X(bt3, gru_builder_set_tensor, "shape NULL", BLD,                                               \
    S(gru_builder_set_tensor(f->b, GRU_FORMAT_CONCAT, "W_r_l0", f->w, 2, NULL)))                  \
  X(bt4, gru_builder_set_tensor, "no shape set yet", EMPTY,                                       \
    S(gru_builder_set_tensor(f->e, GRU_FORMAT_CONCAT, "W_r_l0", f->w, 2, W_SHAPE)))               \
  X(bt5, gru_builder_set_tensor, "format 4", BLD,                                                 \
    S(gru_builder_set_tensor(f->b, (gru_format)4, "W_r_l0", f->w, 2, W_SHAPE)))                   \
  X(bt6, gru_builder_set_tensor, "format -1", BLD,                                                \
    S(gru_builder_set_tensor(f->b, (gru_format)-1, "W_r_l0", f->w, 2, W_SHAPE)))                  \
  X(bt7, gru_builder_set_tensor, "unknown name", BLD, S(set_concat(f, f->b, "W_q_l0", 2, H, HI))) \
  X(bt8, gru_builder_set_tensor, "empty name", BLD, S(set_concat(f, f->b, "", 2, H, HI)))         \
  X(bt9, gru_builder_set_tensor, "layer past the shape", BLD,                                     \
    S(set_concat(f, f->b, "W_r_l2", 2, H, HI)))                                                   \
  X(bt10, gru_builder_set_tensor, "layer index overflowing size_t", BLD,                          \
    S(set_concat(f, f->b, "W_r_l18446744073709551617", 2, H, HI)))                                \
  X(bt11, gru_builder_set_tensor, "_reverse of a forward layer", BLD,                             \
    S(set_concat(f, f->b, "W_r_l0_reverse", 2, H, HI)))                                           \
  X(bt12, gru_builder_set_tensor, "PyTorch weights into a reset-before builder", RB,              \
    S(gru_builder_set_tensor(f->rb, GRU_FORMAT_TORCH, "weight_ih_l0", f->w, 2,                    \
                             (const size_t[]){3 * H, I})))                                        \
  X(bt13, gru_builder_set_tensor, "ndim 0", BLD, S(set_concat(f, f->b, "W_r_l0", 0, H, HI)))      \
  X(bt14, gru_builder_set_tensor, "ndim 1 for a matrix", BLD,                                     \
    S(set_concat(f, f->b, "W_r_l0", 1, H, HI)))                                                   \
  X(bt15, gru_builder_set_tensor, "ndim 3", BLD, S(set_concat(f, f->b, "W_r_l0", 3, H, HI)))      \
  X(bt16, gru_builder_set_tensor, "ndim 8", BLD, S(set_concat(f, f->b, "W_r_l0", 8, H, HI)))      \
  X(bt17, gru_builder_set_tensor, "one column too many", BLD,                                     \
    S(set_concat(f, f->b, "W_r_l0", 2, H, HI + 1)))                                               \
  X(bt18, gru_builder_set_tensor, "shape transposed", BLD,                                        \
    S(set_concat(f, f->b, "W_r_l0", 2, HI, H)))                                                   \
  X(bt19, gru_builder_set_tensor, "shape [SIZE_MAX, SIZE_MAX]", BLD,                              \
    S(set_concat(f, f->b, "W_r_l0", 2, SIZE_MAX, SIZE_MAX)))                                      \
  X(bt20, gru_builder_set_tensor, "bias of the wrong length", BLD,                                \
    S(set_concat(f, f->b, "b_r_l1", 1, H + 1, 0)))                                                \
  X(bb0, gru_builder_build, "builder NULL", NONE, S(gru_builder_build(NULL, &f->out_l)))          \
  X(bb1, gru_builder_build, "out NULL", BLD, S(gru_builder_build(f->b, NULL)))                    \
  X(bb2, gru_builder_build, "no shape set", EMPTY, S(gru_builder_build(f->e, &f->out_l)))         \
  X(bb3, gru_builder_build, "a weight matrix never set", RB,                                      \
    S(gru_builder_build(f->rb, &f->out_l)))                                                       \
  X(bb4, gru_builder_build, "GRU_ISA=avx-512 (unknown name)", BLD,                                \
    S(build_with_env(f, "avx-512")))                                                              \
  X(be0, gru_builder_error, "builder NULL", NONE, TXT(gru_builder_error(NULL)))                   \
  X(ld0, gru_layer_destroy, "layer NULL", NONE, VOID(gru_layer_destroy(NULL)))                    \
  X(lg0, gru_layer_get, "layer NULL", NONE, S(gru_layer_get(NULL, GRU_INFO_ISA, &f->v)))          \
  X(lg1, gru_layer_get, "value NULL", LAY, S(gru_layer_get(f->l, GRU_INFO_ISA, NULL)))            \
  X(lg2, gru_layer_get, "key 99", LAY, S(gru_layer_get(f->l, (gru_info)99, &f->v)))               \
  X(lg3, gru_layer_get, "key -1", LAY, S(gru_layer_get(f->l, (gru_info)-1, &f->v)))               \
  X(lg4, gru_layer_get, "sequence-only key", LAY,                                                 \
    S(gru_layer_get(f->l, GRU_INFO_MAX_BATCH, &f->v)))                                            \
  X(lc0, gru_layer_tensor_count, "layer NULL", NONE,                                              \
    S(gru_layer_tensor_count(NULL, GRU_FORMAT_TORCH, &f->v)))                                     \
  X(lc1, gru_layer_tensor_count, "count NULL", LAY,                                               \
    S(gru_layer_tensor_count(f->l, GRU_FORMAT_TORCH, NULL)))                                      \
  X(lc2, gru_layer_tensor_count, "format 4", LAY,                                                 \
    S(gru_layer_tensor_count(f->l, (gru_format)4, &f->v)))                                        \
  X(lc3, gru_layer_tensor_count, "format -1", LAY,                                                \
    S(gru_layer_tensor_count(f->l, (gru_format)-1, &f->v)))                                       \
  X(lc4, gru_layer_tensor_count, "PyTorch for a reset-before layer", LAY,                         \
    S(gru_layer_tensor_count(f->bl, GRU_FORMAT_TORCH, &f->v)))                                    \
  X(li0, gru_layer_tensor_info, "layer NULL", NONE, S(tensor_info(f, NULL, 0, 0, GRU_MAX_NAME)))  \
  X(li1, gru_layer_tensor_info, "name NULL", LAY,                                                 \
    S(gru_layer_tensor_info(f->l, 0, 0, NULL, GRU_MAX_NAME, &f->nd, f->shape)))                   \
  X(li2, gru_layer_tensor_info, "ndim NULL", LAY,                                                 \
    S(gru_layer_tensor_info(f->l, 0, 0, f->name, GRU_MAX_NAME, NULL, f->shape)))                  \
  X(li3, gru_layer_tensor_info, "shape NULL", LAY,                                                \
    S(gru_layer_tensor_info(f->l, 0, 0, f->name, GRU_MAX_NAME, &f->nd, NULL)))                    \
  X(li4, gru_layer_tensor_info, "format 4", LAY, S(tensor_info(f, f->l, 4, 0, GRU_MAX_NAME)))     \
  X(li5, gru_layer_tensor_info, "index = count", LAY,                                             \
    S(tensor_info(f, f->l, GRU_FORMAT_TORCH, 4 * L, GRU_MAX_NAME)))                               \
  X(li6, gru_layer_tensor_info, "index SIZE_MAX", LAY,                                            \
    S(tensor_info(f, f->l, GRU_FORMAT_TORCH, SIZE_MAX, GRU_MAX_NAME)))                            \
  X(li7, gru_layer_tensor_info, "name_size 0", LAY,                                               \
    S(tensor_info(f, f->l, GRU_FORMAT_TORCH, 0, 0)))                                              \
  X(li8, gru_layer_tensor_info, "name_size 3 (too small)", LAY,                                   \
    S(tensor_info(f, f->l, GRU_FORMAT_TORCH, 0, 3)))                                              \
  X(li9, gru_layer_tensor_info, "PyTorch for a reset-before layer", LAY,                          \
    S(tensor_info(f, f->bl, GRU_FORMAT_TORCH, 0, GRU_MAX_NAME)))                                  \
  X(lt0, gru_layer_get_tensor, "layer NULL", NONE,                                                \
    S(gru_layer_get_tensor(NULL, GRU_FORMAT_TORCH, "weight_hh_l0", f->w, 3 * H * H)))             \
  X(lt1, gru_layer_get_tensor, "name NULL", LAY,                                                  \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, NULL, f->w, 3 * H * H)))                       \
  X(lt2, gru_layer_get_tensor, "out NULL", LAY,                                                   \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_hh_l0", NULL, 3 * H * H)))             \
  X(lt3, gru_layer_get_tensor, "format 4", LAY,                                                   \
    S(gru_layer_get_tensor(f->l, (gru_format)4, "weight_hh_l0", f->w, 3 * H * H)))                \
  X(lt4, gru_layer_get_tensor, "unknown name", LAY,                                               \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_xx_l0", f->w, 3 * H * H)))             \
  X(lt5, gru_layer_get_tensor, "layer past the shape", LAY,                                       \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_hh_l2", f->w, 3 * H * H)))             \
  X(lt6, gru_layer_get_tensor, "count one short", LAY,                                            \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_hh_l0", f->w, 3 * H * H - 1)))         \
  X(lt7, gru_layer_get_tensor, "count one over", LAY,                                             \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_hh_l0", f->w, 3 * H * H + 1)))         \
  X(lt8, gru_layer_get_tensor, "count 0", LAY,                                                    \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_hh_l0", f->w, 0)))                     \
  X(lt9, gru_layer_get_tensor, "count SIZE_MAX", LAY,                                             \
    S(gru_layer_get_tensor(f->l, GRU_FORMAT_TORCH, "weight_hh_l0", f->w, SIZE_MAX)))              \
  X(lt10, gru_layer_get_tensor, "PyTorch for a reset-before layer", LAY,                          \
    S(gru_layer_get_tensor(f->bl, GRU_FORMAT_TORCH, "weight_hh_l0", f->w, 3 * H * H)))            \
  X(sc0, gru_sequence_create, "out NULL", NONE, S(gru_sequence_create(NULL, f->l, B, T)))         \
  X(sc1, gru_sequence_create, "layer NULL", NONE, S(gru_sequence_create(&f->out_s, NULL, B, T)))  \
  X(sc2, gru_sequence_create, "max_batch 0", NONE, S(gru_sequence_create(&f->out_s, f->l, 0, T))) \
  X(sc3, gru_sequence_create, "max_steps 0", NONE, S(gru_sequence_create(&f->out_s, f->l, B, 0))) \
  X(sc4, gru_sequence_create, "max_batch SIZE_MAX (-1)", NONE,                                    \
    S(gru_sequence_create(&f->out_s, f->l, SIZE_MAX, T)))                                         \
  X(sc5, gru_sequence_create, "max_steps SIZE_MAX (-1), stacked layers", NONE,                    \
    S(gru_sequence_create(&f->out_s, f->l, B, SIZE_MAX)))                                         \
  X(sc6, gru_sequence_create, "max_batch 2^31 (beyond a BLAS int)", NONE,                         \
    S(gru_sequence_create(&f->out_s, f->l, (size_t)1 << 31, 1)))                                  \
  X(sc7, gru_sequence_create, "max_batch x max_steps overflows", NONE,                            \
    S(gru_sequence_create(&f->out_s, f->l, (size_t)1 << 30, (size_t)1 << 40)))                    \
  X(sl0, gru_sequence_clone, "out NULL", NONE, S(gru_sequence_clone(NULL, f->s)))                 \
  X(sl1, gru_sequence_clone, "src NULL", NONE, S(gru_sequence_clone(&f->out_s, NULL)))            \
  X(sd0, gru_sequence_destroy, "sequence NULL", NONE, VOID(gru_sequence_destroy(NULL)))           \
  X(so0, gru_sequence_set_option, "sequence NULL", NONE,                                          \
    S(gru_sequence_set_option(NULL, GRU_OPT_THREADS, 2)))                                         \
  X(so1, gru_sequence_set_option, "option 99", SEQ,                                               \
    S(gru_sequence_set_option(f->s, (gru_option)99, 1)))                                          \
  X(so2, gru_sequence_set_option, "option -1", SEQ,                                               \
    S(gru_sequence_set_option(f->s, (gru_option)-1, 1)))                                          \
  X(so3, gru_sequence_set_option, "GRU_OPT_ISA (a builder option)", SEQ,                          \
    S(gru_sequence_set_option(f->s, GRU_OPT_ISA, 0)))                                             \
  X(so4, gru_sequence_set_option, "GRU_OPT_THREADS value 0", SEQ,                                 \
    S(gru_sequence_set_option(f->s, GRU_OPT_THREADS, 0)))                                         \
  X(so5, gru_sequence_set_option, "GRU_OPT_THREADS value GRU_MAX_THREADS + 1", SEQ,               \
    S(gru_sequence_set_option(f->s, GRU_OPT_THREADS, GRU_MAX_THREADS + 1)))                       \
  X(so6, gru_sequence_set_option, "GRU_OPT_THREADS value SIZE_MAX", SEQ,                          \
    S(gru_sequence_set_option(f->s, GRU_OPT_THREADS, SIZE_MAX)))                                  \
  X(so7, gru_sequence_set_option, "GRU_OPT_SPIN_US value GRU_MAX_SPIN_US + 1", SEQ,               \
    S(gru_sequence_set_option(f->s, GRU_OPT_SPIN_US, GRU_MAX_SPIN_US + 1)))                       \
  X(so8, gru_sequence_set_option, "GRU_OPT_SPIN_US value SIZE_MAX", SEQ,                          \
    S(gru_sequence_set_option(f->s, GRU_OPT_SPIN_US, SIZE_MAX)))                                  \
  X(sg0, gru_sequence_get, "sequence NULL", NONE,                                                 \
    S(gru_sequence_get(NULL, GRU_INFO_BATCH, &f->v)))                                             \
  X(sg1, gru_sequence_get, "value NULL", SEQ, S(gru_sequence_get(f->s, GRU_INFO_BATCH, NULL)))    \
  X(sg2, gru_sequence_get, "key 99", SEQ, S(gru_sequence_get(f->s, (gru_info)99, &f->v)))         \
  X(sg3, gru_sequence_get, "key -1", SEQ, S(gru_sequence_get(f->s, (gru_info)-1, &f->v)))         \
  X(sr0, gru_sequence_reset, "sequence NULL", NONE,                                               \
    S(gru_sequence_reset(NULL, B, f->h, STATE_FLOATS)))                                           \
  X(sr1, gru_sequence_reset, "batch 0", SEQ, S(gru_sequence_reset(f->s, 0, f->h, 0)))             \
  X(sr2, gru_sequence_reset, "batch above max_batch", SEQ,                                        \
    S(gru_sequence_reset(f->s, B + 1, f->h, L * (B + 1) * H)))                                    \
  X(sr3, gru_sequence_reset, "batch SIZE_MAX (-1)", SEQ,                                          \
    S(gru_sequence_reset(f->s, SIZE_MAX, f->h, STATE_FLOATS)))                                    \
  X(sr4, gru_sequence_reset, "count one short", SEQ,                                              \
    S(gru_sequence_reset(f->s, B, f->h, STATE_FLOATS - 1)))                                       \
  X(sr5, gru_sequence_reset, "count one over", SEQ,                                               \
    S(gru_sequence_reset(f->s, B, f->h, STATE_FLOATS + 1)))                                       \
  X(sr6, gru_sequence_reset, "count 0", SEQ, S(gru_sequence_reset(f->s, B, f->h, 0)))             \
  X(sr7, gru_sequence_reset, "count SIZE_MAX", SEQ,                                               \
    S(gru_sequence_reset(f->s, B, f->h, SIZE_MAX)))                                               \
  X(sr8, gru_sequence_reset, "count of a bidirectional layer's state", SEQ,                       \
    S(gru_sequence_reset(f->s, B, f->h, 2 * STATE_FLOATS)))                                       \
  X(ss0, gru_sequence_get_state, "sequence NULL", NONE,                                           \
    S(gru_sequence_get_state(NULL, B, f->h, STATE_FLOATS)))                                       \
  X(ss1, gru_sequence_get_state, "h NULL", SEQ,                                                   \
    S(gru_sequence_get_state(f->s, B, NULL, STATE_FLOATS)))                                       \
  X(ss2, gru_sequence_get_state, "batch 0", SEQ, S(gru_sequence_get_state(f->s, 0, f->h, 0)))     \
  X(ss3, gru_sequence_get_state, "batch above max_batch", SEQ,                                    \
    S(gru_sequence_get_state(f->s, B + 1, f->h, L * (B + 1) * H)))                                \
  X(ss4, gru_sequence_get_state, "count one short", SEQ,                                          \
    S(gru_sequence_get_state(f->s, B, f->h, STATE_FLOATS - 1)))                                   \
  X(ss5, gru_sequence_get_state, "count one over", SEQ,                                           \
    S(gru_sequence_get_state(f->s, B, f->h, STATE_FLOATS + 1)))                                   \
  X(se0, gru_sequence_error, "sequence NULL", NONE, TXT(gru_sequence_error(NULL)))                \
  X(sx0, gru_sequence_run, "sequence NULL", NONE,                                                 \
    S(gru_sequence_run(NULL, T, B, f->x, 0, f->y, 0, NULL, 0)))                                   \
  X(sx1, gru_sequence_run, "x NULL", SEQ,                                                         \
    S(gru_sequence_run(f->s, T, B, NULL, 0, f->y, 0, NULL, 0)))                                   \
  X(sx2, gru_sequence_run, "steps 0", SEQ,                                                        \
    S(gru_sequence_run(f->s, 0, B, f->x, 0, f->y, 0, NULL, 0)))                                   \
  X(sx3, gru_sequence_run, "batch 0", SEQ,                                                        \
    S(gru_sequence_run(f->s, T, 0, f->x, 0, f->y, 0, NULL, 0)))                                   \
  X(sx4, gru_sequence_run, "steps above max_steps", SEQ,                                          \
    S(gru_sequence_run(f->s, T + 1, B, f->x, 0, f->y, 0, NULL, 0)))                               \
  X(sx5, gru_sequence_run, "batch above max_batch", SEQ,                                          \
    S(gru_sequence_run(f->s, T, B + 1, f->x, 0, f->y, 0, NULL, 0)))                               \
  X(sx6, gru_sequence_run, "steps SIZE_MAX (-1)", SEQ,                                            \
    S(gru_sequence_run(f->s, SIZE_MAX, B, f->x, 0, f->y, 0, NULL, 0)))                            \
  X(sx7, gru_sequence_run, "batch SIZE_MAX (-1)", SEQ,                                            \
    S(gru_sequence_run(f->s, T, SIZE_MAX, f->x, 0, f->y, 0, NULL, 0)))                            \
  X(sx8, gru_sequence_run, "flags 4 (unknown)", SEQ,                                              \
    S(gru_sequence_run(f->s, T, B, f->x, 0, f->y, 0, NULL, 4)))                                   \
  X(sx9, gru_sequence_run, "flags 0x80000000 (unknown)", SEQ,                                     \
    S(gru_sequence_run(f->s, T, B, f->x, 0, f->y, 0, NULL, 0x80000000u)))                         \
  X(sx10, gru_sequence_run, "GRU_SPLIT_DIRECTIONS with GRU_BATCH_MAJOR", SEQ,                     \
    S(gru_sequence_run(f->s, T, B, f->x, 0, f->y, 0, NULL,                                        \
                       GRU_SPLIT_DIRECTIONS | GRU_BATCH_MAJOR)))                                  \
  X(sx11, gru_sequence_run, "a length above steps", SEQ, S(run_lengths(f, B - 1, T + 1)))         \
  X(sx12, gru_sequence_run, "a length SIZE_MAX (-1)", SEQ, S(run_lengths(f, 0, SIZE_MAX)))        \
  X(sx13, gru_sequence_run, "x_stride below the row", SEQ,                                        \
    S(gru_sequence_run(f->s, T, B, f->x, I - 1, f->y, 0, NULL, 0)))                               \
  X(sx14, gru_sequence_run, "y_stride below the row", SEQ,                                        \
    S(gru_sequence_run(f->s, T, B, f->x, 0, f->y, H - 1, NULL, 0)))                               \
  X(sx15, gru_sequence_run, "x_stride 2^31 (beyond a BLAS int)", SEQ,                             \
    S(gru_sequence_run(f->s, T, B, f->x, (size_t)1 << 31, f->y, 0, NULL, 0)))                     \
  X(sx16, gru_sequence_run, "y_stride SIZE_MAX", SEQ,                                             \
    S(gru_sequence_run(f->s, T, B, f->x, 0, f->y, SIZE_MAX, NULL, 0)))                            \
  X(sp0, gru_sequence_step, "sequence NULL", NONE,                                                \
    S(gru_sequence_step(NULL, B, f->x, 0, f->y, 0, NULL, NULL, 0)))                               \
  X(sp1, gru_sequence_step, "x NULL", SEQ,                                                        \
    S(gru_sequence_step(f->s, B, NULL, 0, f->y, 0, NULL, NULL, 0)))                               \
  X(sp2, gru_sequence_step, "batch 0", SEQ,                                                       \
    S(gru_sequence_step(f->s, 0, f->x, 0, f->y, 0, NULL, NULL, 0)))                               \
  X(sp3, gru_sequence_step, "batch above max_batch", SEQ,                                         \
    S(gru_sequence_step(f->s, B + 1, f->x, 0, f->y, 0, NULL, NULL, 0)))                           \
  X(sp4, gru_sequence_step, "batch SIZE_MAX (-1)", SEQ,                                           \
    S(gru_sequence_step(f->s, SIZE_MAX, f->x, 0, f->y, 0, NULL, NULL, 0)))                        \
  X(sp5, gru_sequence_step, "x_stride below the row", SEQ,                                        \
    S(gru_sequence_step(f->s, B, f->x, I - 1, f->y, 0, NULL, NULL, 0)))                           \
  X(sp6, gru_sequence_step, "y_stride below the row", SEQ,                                        \
    S(gru_sequence_step(f->s, B, f->x, 0, f->y, 1, NULL, NULL, 0)))                               \
  X(sp7, gru_sequence_step, "x_stride 2^31 (beyond a BLAS int)", SEQ,                             \
    S(gru_sequence_step(f->s, B, f->x, (size_t)1 << 31, f->y, 0, NULL, NULL, 0)))                 \
  X(sp8, gru_sequence_step, "h_init_count one short", SEQ, S(step_h_init(f, STATE_FLOATS - 1)))   \
  X(sp9, gru_sequence_step, "h_init_count SIZE_MAX", SEQ, S(step_h_init(f, SIZE_MAX)))            \
  X(sp10, gru_sequence_step, "a bidirectional layer", SBI,                                        \
    S(gru_sequence_step(f->sb, B, f->x, 0, f->y, 0, NULL, NULL, 0)))                              \
  X(sb0, gru_sequence_state_bytes, "sequence NULL", NONE,                                         \
    S(gru_sequence_state_bytes(NULL, B, &f->v)))                                                  \
  X(sb1, gru_sequence_state_bytes, "bytes NULL", SEQ, S(gru_sequence_state_bytes(f->s, B, NULL))) \
  X(sb2, gru_sequence_state_bytes, "batch 0", SEQ, S(gru_sequence_state_bytes(f->s, 0, &f->v)))   \
  X(sb3, gru_sequence_state_bytes, "batch above max_batch", SEQ,                                  \
    S(gru_sequence_state_bytes(f->s, B + 1, &f->v)))                                              \
  X(sb4, gru_sequence_state_bytes, "batch SIZE_MAX (-1)", SEQ,                                    \
    S(gru_sequence_state_bytes(f->s, SIZE_MAX, &f->v)))                                           \
  X(sv0, gru_sequence_save_state, "sequence NULL", NONE,                                          \
    S(gru_sequence_save_state(NULL, B, f->h, sizeof f->h, &f->written)))                          \
  X(sv1, gru_sequence_save_state, "buf NULL", SEQ,                                                \
    S(gru_sequence_save_state(f->s, B, NULL, sizeof f->h, &f->written)))                          \
  X(sv2, gru_sequence_save_state, "written NULL", SEQ,                                            \
    S(gru_sequence_save_state(f->s, B, f->h, sizeof f->h, NULL)))                                 \
  X(sv3, gru_sequence_save_state, "batch 0", SEQ,                                                 \
    S(gru_sequence_save_state(f->s, 0, f->h, sizeof f->h, &f->written)))                          \
  X(sv4, gru_sequence_save_state, "batch above max_batch", SEQ,                                   \
    S(gru_sequence_save_state(f->s, B + 1, f->h, sizeof f->h, &f->written)))                      \
  X(sv5, gru_sequence_save_state, "capacity one byte short", SEQ,                                 \
    S(gru_sequence_save_state(f->s, B, f->h, f->st_n - 1, &f->written)))                          \
  X(sv6, gru_sequence_save_state, "capacity 0", SEQ,                                              \
    S(gru_sequence_save_state(f->s, B, f->h, 0, &f->written)))                                    \
  X(sa0, gru_sequence_load_state, "sequence NULL", NONE,                                          \
    S(gru_sequence_load_state(NULL, f->st, f->st_n)))                                             \
  X(sa1, gru_sequence_load_state, "buf NULL", SEQ,                                                \
    S(gru_sequence_load_state(f->s, NULL, f->st_n)))                                              \
  X(sa2, gru_sequence_load_state, "size 0", SEQ, S(gru_sequence_load_state(f->s, f->st, 0)))      \
  X(sa3, gru_sequence_load_state, "size one byte short", SEQ,                                     \
    S(gru_sequence_load_state(f->s, f->st, f->st_n - 1)))                                         \
  X(sa4, gru_sequence_load_state, "size one byte over", SEQ, S(load_edited(f, f->st_n, 0, 1)))    \
  X(sa5, gru_sequence_load_state, "size SIZE_MAX", SEQ,                                           \
    S(gru_sequence_load_state(f->s, f->st, SIZE_MAX)))                                            \
  X(sa6, gru_sequence_load_state, "magic damaged", SEQ, S(load_edited(f, 0, 'X', 1)))             \
  X(sa7, gru_sequence_load_state, "version 2", SEQ, S(load_edited(f, 8, 2, 4)))                   \
  X(sa8, gru_sequence_load_state, "other endianness", SEQ, S(load_edited(f, 12, 0x04030201u, 4))) \
  X(sa9, gru_sequence_load_state, "variant edited", SEQ, S(load_edited(f, 16, 0, 8)))             \
  X(sa10, gru_sequence_load_state, "hidden size edited", SEQ, S(load_edited(f, 48, H + 1, 8)))    \
  X(sa11, gru_sequence_load_state, "from another layer configuration", SEQ,                       \
    S(gru_sequence_load_state(f->s, f->st_other, f->st_other_n)))                                 \
  X(sa12, gru_sequence_load_state, "saved batch above max_batch", SEQ,                            \
    S(gru_sequence_load_state(f->s, f->st_big, f->st_big_n)))                                     \
  X(sa13, gru_sequence_load_state, "saved batch 0 (edited)", SEQ, S(load_edited(f, 56, 0, 8)))    \
  X(sa14, gru_sequence_load_state, "saved batch 2^62 (edited)", SEQ,                              \
    S(load_edited(f, 56, (uint64_t)1 << 62, 8)))                                                  \
  X(sa15, gru_sequence_load_state, "saved batch 1, size of 2 rows", SEQ,                          \
    S(load_edited(f, 56, 1, 8)))                                                                  \
  X(ci0, gru_isa_name, "isa 3", NONE, TXT(gru_isa_name((gru_isa)3)))                              \
  X(ci1, gru_isa_name, "isa -1", NONE, TXT(gru_isa_name((gru_isa)-1)))                            \
  X(se1, gru_strerror, "status 99", NONE, TXT(gru_strerror((gru_status)99)))                      \
  X(se2, gru_strerror, "status -1", NONE, TXT(gru_strerror((gru_status)-1)))                      \
  X(sn0, gru_status_name, "status 99", NONE, TXT(gru_status_name((gru_status)99)))                \
  X(sn1, gru_status_name, "status -1", NONE, TXT(gru_status_name((gru_status)-1)))                \
  X(bi0, gru_blas_info, "buf NULL", NONE, S(gru_blas_info(NULL, 64)))                             \
  X(bi1, gru_blas_info, "size 0", NONE, S(gru_blas_info(f->info, 0)))                             \
  X(bi2, gru_blas_info, "size 4 (truncated)", NONE, S(gru_blas_info(f->info, 4)))                 \
  X(bl0, gru_builder_load_safetensors, "builder NULL", NONE,                                      \
    S(gru_builder_load_safetensors(NULL, tiny(), TINY_SIZE, NULL)))                               \
  X(bl1, gru_builder_load_safetensors, "data NULL", BLD,                                          \
    S(gru_builder_load_safetensors(f->b, NULL, TINY_SIZE, NULL)))                                 \
  X(bl2, gru_builder_load_safetensors, "size 0", BLD,                                             \
    S(gru_builder_load_safetensors(f->b, tiny(), 0, NULL)))                                       \
  X(bl3, gru_builder_load_safetensors, "size one byte short", BLD,                                \
    S(gru_builder_load_safetensors(f->b, tiny(), TINY_SIZE - 1, NULL)))                           \
  X(bl4, gru_builder_load_safetensors, "size SIZE_MAX", BLD,                                      \
    S(gru_builder_load_safetensors(f->b, tiny(), SIZE_MAX, NULL)))                                \
  X(bl5, gru_builder_load_safetensors, "no tensor under the prefix", BLD,                         \
    S(gru_builder_load_safetensors(f->b, tiny(), TINY_SIZE, "rnn.")))                             \
  X(bl6, gru_builder_load_safetensors, "a tensor that is not a GRU's", BLD,                       \
    S(gru_builder_load_safetensors(f->b, tiny(), TINY_SIZE, "")))                                 \
  X(bf0, gru_builder_load_file, "builder NULL", NONE,                                             \
    S(gru_builder_load_file(NULL, GRU_SOURCE_DIR "/include/gru.h", NULL)))                        \
  X(bf1, gru_builder_load_file, "path NULL", BLD, S(gru_builder_load_file(f->b, NULL, NULL)))     \
  X(bf2, gru_builder_load_file, "no such file", BLD,                                              \
    S(gru_builder_load_file(f->b, GRU_SOURCE_DIR "/no-such.safetensors", NULL)))                  \
  X(bf3, gru_builder_load_file, "a directory", BLD,                                               \
    S(gru_builder_load_file(f->b, GRU_SOURCE_DIR, NULL)))                                         \
  X(bf4, gru_builder_load_file, "not a safetensors file (gru.h)", BLD,                            \
    S(gru_builder_load_file(f->b, GRU_SOURCE_DIR "/include/gru.h", NULL)))                        \
  X(bg0, gru_builder_load, "builder NULL", NONE, S(builder_load(NULL, true)))                     \
  X(bg1, gru_builder_load, "file NULL", BLD, S(gru_builder_load(f->b, NULL, NULL)))               \
  X(bg2, gru_builder_load, "a gru_file with nothing open", BLD, S(builder_load(f->b, false)))     \
  X(ls0, gru_layer_save_safetensors, "layer NULL", NONE,                                          \
    S(gru_layer_save_safetensors(NULL, GRU_FORMAT_TORCH, NULL, 0, &f->written)))                  \
  X(ls1, gru_layer_save_safetensors, "size NULL", LAY,                                            \
    S(gru_layer_save_safetensors(f->l, GRU_FORMAT_TORCH, NULL, 0, NULL)))                         \
  X(ls2, gru_layer_save_safetensors, "buf NULL with a capacity", LAY,                             \
    S(gru_layer_save_safetensors(f->l, GRU_FORMAT_TORCH, NULL, 64, &f->written)))                 \
  X(ls3, gru_layer_save_safetensors, "format 4", LAY,                                             \
    S(gru_layer_save_safetensors(f->l, (gru_format)4, NULL, 0, &f->written)))                     \
  X(ls4, gru_layer_save_safetensors, "format -1", LAY,                                            \
    S(gru_layer_save_safetensors(f->l, (gru_format)-1, NULL, 0, &f->written)))                    \
  X(ls5, gru_layer_save_safetensors, "PyTorch for a reset-before layer", LAY,                     \
    S(gru_layer_save_safetensors(f->bl, GRU_FORMAT_TORCH, NULL, 0, &f->written)))                 \
  X(ls6, gru_layer_save_safetensors, "capacity one byte short", LAY, S(save_short(f)))            \
  X(lf0, gru_layer_save_file, "layer NULL", NONE,                                                 \
    S(gru_layer_save_file(NULL, GRU_FORMAT_TORCH, GRU_SOURCE_DIR "/no-such-dir/m")))              \
  X(lf1, gru_layer_save_file, "path NULL", LAY,                                                   \
    S(gru_layer_save_file(f->l, GRU_FORMAT_TORCH, NULL)))                                         \
  X(lf2, gru_layer_save_file, "format 4", LAY,                                                    \
    S(gru_layer_save_file(f->l, (gru_format)4, GRU_SOURCE_DIR "/no-such-dir/m")))                 \
  X(lf3, gru_layer_save_file, "PyTorch for a reset-before layer", LAY,                            \
    S(gru_layer_save_file(f->bl, GRU_FORMAT_TORCH, GRU_SOURCE_DIR "/no-such-dir/m")))             \
  X(lf4, gru_layer_save_file, "a directory that does not exist", LAY,                             \
    S(gru_layer_save_file(f->l, GRU_FORMAT_TORCH, GRU_SOURCE_DIR "/no-such-dir/m")))              \
  X(fc0, gru_file_create, "out NULL", NONE, S(gru_file_create(NULL)))                             \
  X(fcc0, gru_file_create_custom, "out NULL", NONE,                                               \
    S(gru_file_create_custom(NULL, test_alloc_fn, test_free_fn, &f->ta)))                         \
  X(fcc1, gru_file_create_custom, "alloc NULL", NONE,                                             \
    S(file_create_custom(f, NULL, test_free_fn, 0)))                                              \
  X(fcc2, gru_file_create_custom, "free NULL", NONE,                                              \
    S(file_create_custom(f, test_alloc_fn, NULL, 0)))                                             \
  X(fcc3, gru_file_create_custom, "the allocator fails", NONE,                                    \
    S(file_create_custom(f, test_alloc_fn, test_free_fn, 1)))                                     \
  X(fd0, gru_file_destroy, "file NULL", NONE, VOID(gru_file_destroy(NULL)))                       \
  X(fo0, gru_file_open, "file NULL", NONE,                                                        \
    S(gru_file_open(NULL, GRU_SOURCE_DIR "/include/gru.h")))                                      \
  X(fo1, gru_file_open, "path NULL", NONE, S(file_open(NULL, NULL, 0)))                           \
  X(fo2, gru_file_open, "no such file", NONE,                                                     \
    S(file_open(GRU_SOURCE_DIR "/no-such.safetensors", NULL, 0)))                                 \
  X(fo3, gru_file_open, "not a safetensors file (gru.h)", NONE,                                   \
    S(file_open(GRU_SOURCE_DIR "/include/gru.h", NULL, 0)))                                       \
  X(fm0, gru_file_open_memory, "file NULL", NONE,                                                 \
    S(gru_file_open_memory(NULL, tiny(), TINY_SIZE)))                                             \
  X(fm1, gru_file_open_memory, "data NULL", NONE, S(file_open(NULL, NULL, TINY_SIZE)))            \
  X(fm2, gru_file_open_memory, "size 0", NONE, S(file_open(NULL, tiny(), 0)))                     \
  X(fm3, gru_file_open_memory, "size one byte short", NONE,                                       \
    S(file_open(NULL, tiny(), TINY_SIZE - 1)))                                                    \
  X(fm4, gru_file_open_memory, "size SIZE_MAX", NONE, S(file_open(NULL, tiny(), SIZE_MAX)))       \
  X(fe0, gru_file_error, "file NULL", NONE, TXT(gru_file_error(NULL)))                            \
  X(fx0, gru_file_metadata, "file NULL", NONE, S(file_call(f, META, "k", 0, F_NULL_FILE)))        \
  X(fx1, gru_file_metadata, "key NULL", NONE, S(file_call(f, META, NULL, 0, F_OPEN)))             \
  X(fx2, gru_file_metadata, "value NULL", NONE,                                                   \
    S(file_call(f, META, "k", 0, F_OPEN | F_NULL_OUT)))                                           \
  X(fx3, gru_file_metadata, "nothing open", NONE, S(file_call(f, META, "k", 0, 0)))               \
  X(fmc0, gru_file_metadata_count, "file NULL", NONE,                                             \
    S(file_call(f, META_COUNT, NULL, 0, F_NULL_FILE)))                                            \
  X(fmc1, gru_file_metadata_count, "count NULL", NONE,                                            \
    S(file_call(f, META_COUNT, NULL, 0, F_OPEN | F_NULL_OUT)))                                    \
  X(fmc2, gru_file_metadata_count, "nothing open", NONE, S(file_call(f, META_COUNT, NULL, 0, 0))) \
  X(fmk0, gru_file_metadata_key, "file NULL", NONE,                                               \
    S(file_call(f, META_KEY, NULL, 0, F_NULL_FILE)))                                              \
  X(fmk1, gru_file_metadata_key, "key NULL", NONE,                                                \
    S(file_call(f, META_KEY, NULL, 0, F_OPEN | F_NULL_OUT)))                                      \
  X(fmk2, gru_file_metadata_key, "index = count (none)", NONE,                                    \
    S(file_call(f, META_KEY, NULL, 0, F_OPEN)))                                                   \
  X(fmk3, gru_file_metadata_key, "nothing open", NONE, S(file_call(f, META_KEY, NULL, 0, 0)))     \
  X(fn0, gru_file_tensor_count, "file NULL", NONE, S(file_call(f, COUNT, NULL, 0, F_NULL_FILE)))  \
  X(fn1, gru_file_tensor_count, "count NULL", NONE,                                               \
    S(file_call(f, COUNT, NULL, 0, F_OPEN | F_NULL_OUT)))                                         \
  X(fn2, gru_file_tensor_count, "nothing open", NONE, S(file_call(f, COUNT, NULL, 0, 0)))         \
  X(ft0, gru_file_tensor_name, "file NULL", NONE, S(file_call(f, NAME, NULL, 0, F_NULL_FILE)))    \
  X(ft1, gru_file_tensor_name, "name NULL", NONE,                                                 \
    S(file_call(f, NAME, NULL, 0, F_OPEN | F_NULL_OUT)))                                          \
  X(ft2, gru_file_tensor_name, "index = count", NONE, S(file_call(f, NAME, NULL, 2, F_OPEN)))     \
  X(ft3, gru_file_tensor_name, "index SIZE_MAX", NONE,                                            \
    S(file_call(f, NAME, NULL, SIZE_MAX, F_OPEN)))                                                \
  X(ft4, gru_file_tensor_name, "nothing open", NONE, S(file_call(f, NAME, NULL, 0, 0)))           \
  X(fi0, gru_file_tensor_info, "file NULL", NONE, S(file_call(f, INFO, "w", 0, F_NULL_FILE)))     \
  X(fi1, gru_file_tensor_info, "name NULL", NONE, S(file_call(f, INFO, NULL, 0, F_OPEN)))         \
  X(fi2, gru_file_tensor_info, "unknown name", NONE, S(file_call(f, INFO, "v", 0, F_OPEN)))       \
  X(fi3, gru_file_tensor_info, "nothing open", NONE, S(file_call(f, INFO, "w", 0, 0)))            \
  X(fr0, gru_file_read_tensor, "file NULL", NONE, S(file_call(f, READ, "w", 2, F_NULL_FILE)))     \
  X(fr1, gru_file_read_tensor, "name NULL", NONE, S(file_call(f, READ, NULL, 2, F_OPEN)))         \
  X(fr2, gru_file_read_tensor, "out NULL", NONE,                                                  \
    S(file_call(f, READ, "w", 2, F_OPEN | F_NULL_OUT)))                                           \
  X(fr3, gru_file_read_tensor, "unknown name", NONE, S(file_call(f, READ, "v", 2, F_OPEN)))       \
  X(fr4, gru_file_read_tensor, "an I64 tensor", NONE, S(file_call(f, READ, "n", 1, F_OPEN)))      \
  X(fr5, gru_file_read_tensor, "count one short", NONE, S(file_call(f, READ, "w", 1, F_OPEN)))    \
  X(fr6, gru_file_read_tensor, "count one over", NONE, S(file_call(f, READ, "w", 3, F_OPEN)))     \
  X(fr7, gru_file_read_tensor, "count SIZE_MAX", NONE,                                            \
    S(file_call(f, READ, "w", SIZE_MAX, F_OPEN)))                                                 \
  X(fr8, gru_file_read_tensor, "nothing open", NONE, S(file_call(f, READ, "w", 2, 0)))

#define AS_ENUM(id, fn, what, target, expr) id,
enum { BAD_CALLS(AS_ENUM) N_CALLS };
#undef AS_ENUM

#define AS_NAME(id, fn, what, target, expr) {#fn, what, target},
static const struct {
  const char *fn, *what;
  enum target target;
} calls[] = {BAD_CALLS(AS_NAME)};
#undef AS_NAME

static result call(int id, fx *f) {
  switch (id) {
#define AS_CASE(id, fn, what, target, expr) \
  case id: return expr;
    BAD_CALLS(AS_CASE)
#undef AS_CASE
  }
  fail_msg("no call %d", id);
  return (result){GRU_OK, NULL};
}

/* ---------------------------------------------------------------------- */

static gru_builder *loaded_builder(const test_model *m) {
  gru_builder *b;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, m->ref.variant, m->ref.direction, m->ref.layers,
                                         m->ref.input, m->ref.hidden),
                   GRU_OK);
  assert_int_equal(test_model_load(m, b), GRU_OK);
  return b;
}

static gru_sequence *advanced_sequence(fx *f, const gru_layer *l, size_t batch) {
  gru_sequence *s;
  assert_int_equal(gru_sequence_create(&s, l, batch, T), GRU_OK);
  assert_int_equal(gru_sequence_run(s, T, 1, f->x, 0, NULL, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_run(s, 1, batch, f->x, 0, NULL, 0, NULL, 0), GRU_OK);
  return s;
}

static fx *fixture_new(void) {
  fx *f = calloc(1, sizeof *f);
  test_model_init(&f->m, GRU_RESET_AFTER, GRU_FORWARD, L, I, H, true, 7);
  uint64_t seed = 9;
  test_fill(f->x, sizeof f->x / sizeof f->x[0], &seed, 1.0f);
  test_fill(f->h, sizeof f->h / sizeof f->h[0], &seed, 1.0f);
  test_fill(f->w, sizeof f->w / sizeof f->w[0], &seed, 1.0f);
  f->b = loaded_builder(&f->m);
  f->l = test_model_build(&f->m, gru_cpu_isa());
  assert_int_equal(gru_builder_create(&f->e), GRU_OK);
  assert_int_equal(gru_builder_create(&f->rb), GRU_OK);
  assert_int_equal(gru_builder_set_shape(f->rb, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 1, I, H),
                   GRU_OK);
  test_model bm;
  test_model_init(&bm, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 1, I, H, true, 8);
  f->bl = test_model_build(&bm, gru_cpu_isa());
  test_model_free(&bm);
  f->s = advanced_sequence(f, f->l, B);
  f->sb = advanced_sequence(f, f->bl, B);
  assert_int_equal(gru_sequence_save_state(f->s, B, f->st, sizeof f->st, &f->st_n), GRU_OK);
  gru_sequence *big = advanced_sequence(f, f->l, 2 * B);
  assert_int_equal(gru_sequence_save_state(big, 2 * B, f->st_big, sizeof f->st_big, &f->st_big_n),
                   GRU_OK);
  gru_sequence_destroy(big);
  assert_int_equal(
      gru_sequence_save_state(f->sb, 1, f->st_other, sizeof f->st_other, &f->st_other_n), GRU_OK);
  /* Out-parameters get values a write would change. */
  f->out_b = (gru_builder *)f;
  f->out_l = (gru_layer *)f;
  f->out_s = (gru_sequence *)f;
  f->v = f->nd = f->written = SENTINEL_V;
  for (size_t i = 0; i < T * B * H; i++)
    f->y[i] = 42.0f;
  assert_int_equal(sizeof f->st, f->st_n);
  return f;
}

static void fixture_free(fx *f) {
  gru_builder_destroy(f->b);
  gru_builder_destroy(f->e);
  gru_builder_destroy(f->rb);
  gru_sequence_destroy(f->s);
  gru_sequence_destroy(f->sb);
  gru_layer_destroy(f->l);
  gru_layer_destroy(f->bl);
  test_model_free(&f->m);
  assert_int_equal(f->ta.live, 0);
  free(f);
}

/* Every tensor of a and b, in every format that fits, bit for bit. */
static void assert_same_layer(const gru_layer *a, const gru_layer *b) {
  for (int key = GRU_INFO_VARIANT; key <= GRU_INFO_ISA; key++) {
    size_t va, vb;
    assert_int_equal(gru_layer_get(a, (gru_info)key, &va), GRU_OK);
    assert_int_equal(gru_layer_get(b, (gru_info)key, &vb), GRU_OK);
    assert_int_equal(va, vb);
  }
  for (int fmt = GRU_FORMAT_CONCAT; fmt <= GRU_FORMAT_KERAS; fmt++) {
    size_t n;
    assert_int_equal(gru_layer_tensor_count(a, (gru_format)fmt, &n), GRU_OK);
    for (size_t i = 0; i < n; i++) {
      char name[GRU_MAX_NAME];
      size_t nd, shape[GRU_MAX_DIMS];
      assert_int_equal(gru_layer_tensor_info(a, (gru_format)fmt, i, name, sizeof name, &nd, shape),
                       GRU_OK);
      size_t count = 1;
      for (size_t d = 0; d < nd; d++)
        count *= shape[d];
      float *ta = malloc(count * sizeof *ta), *tb = malloc(count * sizeof *tb);
      assert_int_equal(gru_layer_get_tensor(a, (gru_format)fmt, name, ta, count), GRU_OK);
      assert_int_equal(gru_layer_get_tensor(b, (gru_format)fmt, name, tb, count), GRU_OK);
      assert_memory_equal(ta, tb, count * sizeof *ta);
      free(ta);
      free(tb);
    }
  }
}

/* The sequence has its snapshot's state and batch, and steps as it does. */
static void assert_same_sequence(fx *f, gru_sequence *s, gru_sequence *snap) {
  size_t max_batch, ba, bb;
  assert_int_equal(gru_sequence_get(s, GRU_INFO_MAX_BATCH, &max_batch), GRU_OK);
  assert_int_equal(gru_sequence_get(s, GRU_INFO_BATCH, &ba), GRU_OK);
  assert_int_equal(gru_sequence_get(snap, GRU_INFO_BATCH, &bb), GRU_OK);
  assert_int_equal(ba, bb);
  size_t n;
  assert_int_equal(gru_sequence_get(s, GRU_INFO_STATE_SIZE, &n), GRU_OK);
  n *= max_batch;
  float *ha = malloc(n * sizeof *ha), *hb = malloc(n * sizeof *hb);
  assert_int_equal(gru_sequence_get_state(s, max_batch, ha, n), GRU_OK);
  assert_int_equal(gru_sequence_get_state(snap, max_batch, hb, n), GRU_OK);
  assert_memory_equal(ha, hb, n * sizeof *ha);
  assert_int_equal(gru_sequence_run(s, T, B, f->x, 0, NULL, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_run(snap, T, B, f->x, 0, NULL, 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_get_state(s, max_batch, ha, n), GRU_OK);
  assert_int_equal(gru_sequence_get_state(snap, max_batch, hb, n), GRU_OK);
  assert_memory_equal(ha, hb, n * sizeof *ha);
  free(ha);
  free(hb);
}

/* The handle a creating function returned through out (NULL if none, or
 * fn creates nothing). */
static const void *created(const fx *f, const char *fn) {
  if (strncmp(fn, "gru_builder_create", 18) == 0) return f->out_b;
  if (strcmp(fn, "gru_builder_build") == 0) return f->out_l;
  if (strcmp(fn, "gru_sequence_create") == 0 || strcmp(fn, "gru_sequence_clone") == 0)
    return f->out_s;
  return NULL;
}

/* Mismatches are reported together, then fail the test. */
static size_t mismatches;
#define REPORT(...) (print_error(__VA_ARGS__), print_error("\n"), mismatches++)

static void check_row(int id, const char *want) {
  fx *f = fixture_new();
  gru_sequence *snap_s, *snap_sb;
  assert_int_equal(gru_sequence_clone(&snap_s, f->s), GRU_OK);
  assert_int_equal(gru_sequence_clone(&snap_sb, f->sb), GRU_OK);
  float y0[T * B * H];
  memcpy(y0, f->y, sizeof y0);
  const char *fn = calls[id].fn, *what = calls[id].what;

  result r = call(id, f);

  if (want[0] == '"') {
    if (!r.text || strncmp(r.text, want + 1, strlen(want) - 2) != 0 ||
        strlen(r.text) != strlen(want) - 2)
      REPORT("%s, %s: returned \"%s\", the table says %s", fn, what, r.text ? r.text : "(NULL)",
             want);
  } else if (strcmp(want, "no-op") == 0) {
    assert_non_null(r.text);
  } else if (strcmp(gru_status_name(r.st), want) != 0) {
    REPORT("%s, %s: returned %s, the table says %s", fn, what, gru_status_name(r.st), want);
  }
  if (r.st != GRU_OK) {
    assert_string_not_equal(gru_status_name(r.st), "GRU_UNKNOWN");
    const char *msg = NULL;
    switch (calls[id].target) {
      case BLD: msg = gru_builder_error(f->b); break;
      case EMPTY: msg = gru_builder_error(f->e); break;
      case RB: msg = gru_builder_error(f->rb); break;
      case SEQ: msg = gru_sequence_error(f->s); break;
      case SBI: msg = gru_sequence_error(f->sb); break;
      case NONE:
      case LAY: break;
    }
    if (msg && !*msg) REPORT("%s, %s: %s with no message in the handle", fn, what, want);
    /* Nothing written through out-parameters; a handle out is NULL. */
    if (f->v != SENTINEL_V || f->nd != SENTINEL_V || f->written != SENTINEL_V)
      REPORT("%s, %s: a failed call wrote an out-parameter", fn, what);
    if (memcmp(y0, f->y, sizeof y0) != 0) REPORT("%s, %s: a failed call wrote y", fn, what);
    const void *out = created(f, fn);
    if (out && strcmp(what, "out NULL") != 0)
      REPORT("%s, %s: *out not set to NULL on failure", fn, what);
    if ((f->out_b && f->out_b != (gru_builder *)f) || (f->out_l && f->out_l != (gru_layer *)f) ||
        (f->out_s && f->out_s != (gru_sequence *)f))
      REPORT("%s, %s: a failed call returned a handle", fn, what);
  }
  /* Every handle unchanged and usable. */
  gru_layer *rebuilt;
  assert_int_equal(gru_builder_build(f->b, &rebuilt), GRU_OK);
  assert_same_layer(rebuilt, f->l);
  gru_layer_destroy(rebuilt);
  assert_int_equal(gru_builder_build(f->e, &rebuilt), GRU_ERR_STATE);
  assert_int_equal(gru_builder_build(f->rb, &rebuilt), GRU_ERR_MISSING);
  assert_same_sequence(f, f->s, snap_s);
  assert_same_sequence(f, f->sb, snap_sb);
  gru_sequence_destroy(snap_s);
  gru_sequence_destroy(snap_sb);
  fixture_free(f);
}

/* ---------------------------------------------------------------------- */

typedef struct row {
  char fn[64], what[128], want[64];
  bool used;
} row;

static char *read_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) fail_msg("cannot open %s", path);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
  s[n] = '\0';
  fclose(fp);
  return s;
}

/* Copies a table cell, without spaces and backticks around it. */
static void cell(char *dst, size_t size, const char *from, const char *to) {
  while (from < to && (*from == ' ' || *from == '`'))
    from++;
  while (to > from && (to[-1] == ' ' || to[-1] == '`'))
    to--;
  size_t n = (size_t)(to - from);
  if (n >= size) fail_msg("table cell too long: %.*s", (int)n, from);
  memcpy(dst, from, n);
  dst[n] = '\0';
}

/* Rows "| `gru_fn` | bad input | result |" of docs/errors.md. */
static size_t parse_table(const char *text, row *rows, size_t max) {
  size_t n = 0;
  for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
    if (strncmp(line, "| `gru_", 7) != 0) continue;
    const char *bars[4], *p = line;
    for (int i = 0; i < 4; i++) {
      bars[i] = strchr(p, '|');
      if (!bars[i] || (strchr(p, '\n') && bars[i] > strchr(p, '\n')))
        fail_msg("docs/errors.md: a row without three cells: %.60s", line);
      p = bars[i] + 1;
    }
    assert_true(n < max);
    cell(rows[n].fn, sizeof rows[n].fn, bars[0] + 1, bars[1]);
    cell(rows[n].what, sizeof rows[n].what, bars[1] + 1, bars[2]);
    cell(rows[n].want, sizeof rows[n].want, bars[2] + 1, bars[3]);
    rows[n].used = false;
    n++;
  }
  return n;
}

static void test_table_drives_every_call(void **state) {
  (void)state;
  char *doc = read_file(GRU_SOURCE_DIR "/docs/errors.md");
  static row rows[512];
  size_t nrows = parse_table(doc, rows, sizeof rows / sizeof rows[0]);
  size_t tried = 0, per_status[GRU_ERR_SYSTEM + 1] = {0};
  bool seen[N_CALLS] = {false};
  for (size_t i = 0; i < nrows; i++) {
    if (strcmp(rows[i].want, "—") == 0) continue; /* a function with no argument */
    int id = -1;
    for (int c = 0; c < N_CALLS; c++)
      if (strcmp(calls[c].fn, rows[i].fn) == 0 && strcmp(calls[c].what, rows[i].what) == 0) id = c;
    if (id < 0)
      fail_msg("docs/errors.md: %s, \"%s\" has no call in BAD_CALLS", rows[i].fn, rows[i].what);
    if (seen[id]) fail_msg("docs/errors.md: %s, \"%s\" twice", rows[i].fn, rows[i].what);
    seen[id] = true;
    check_row(id, rows[i].want);
    tried++;
    for (int s = 0; s <= GRU_ERR_SYSTEM; s++)
      if (strcmp(rows[i].want, gru_status_name((gru_status)s)) == 0) per_status[s]++;
  }
  if (mismatches) fail_msg("%zu rows disagree with the code", mismatches);
  for (int c = 0; c < N_CALLS; c++)
    if (!seen[c])
      fail_msg("BAD_CALLS: %s, \"%s\" has no row in docs/errors.md", calls[c].fn, calls[c].what);
  /* Every public function has at least one row. */
  char *header = read_file(GRU_SOURCE_DIR "/include/gru.h");
  size_t functions = 0;
  for (const char *p = strstr(header, "\nGRU_API "); p; p = strstr(p + 1, "\nGRU_API ")) {
    const char *open = strchr(p, '(');
    const char *start = open;
    while (start > p && (start[-1] == '_' || (start[-1] >= 'a' && start[-1] <= 'z')))
      start--;
    char fn[64];
    cell(fn, sizeof fn, start, open);
    bool listed = false;
    for (size_t i = 0; i < nrows; i++)
      listed = listed || strcmp(rows[i].fn, fn) == 0;
    if (!listed) fail_msg("%s (include/gru.h) has no row in docs/errors.md", fn);
    functions++;
  }
  print_message("%zu bad calls over %zu public functions, as docs/errors.md says\n", tried,
                functions);
  for (int s = 1; s <= GRU_ERR_SYSTEM; s++)
    if (per_status[s])
      print_message("  %-20s %zu\n", gru_status_name((gru_status)s), per_status[s]);
  free(header);
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_drives_every_call),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
