/* Fuzz target: random sequences of API calls with random sizes. The input
 * is a little program: a shape and options for a builder, tensors (some
 * deliberately wrong), then up to 64 operations on a sequence -- run,
 * step, reset, get/save/load state, clone, queries, tensor read-back --
 * each with sizes, strides, flags, lengths and masks taken from the input
 * (zero, small, or huge: SIZE_MAX, 2^31, 2^40 ...). Floats come straight
 * from the input, so NaN, inf and denormals appear.
 *
 * All memory goes through an allocator that refuses blocks above 64 MiB
 * and can fail the Nth allocation, so a legitimate but huge request is
 * GRU_ERR_NOMEM (checked like any status) and the out-of-memory paths are
 * fuzzed too. Invariants checked (a failure traps): every status is in
 * GRU_STATUS_LIST; a failed run, step, reset or load leaves the state as it
 * was; a saved state loads back to the same state; a clone steps exactly
 * as its original; nothing is left allocated at the end. Outputs feed
 * gru_fuzz_sink. */
#define _POSIX_C_SOURCE 200112L
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

enum { SMALL = 12, MAX_OPS = 64, BUF = 8192 };
#define ALLOC_LIMIT ((size_t)64 << 20)

typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static uint8_t byte(reader *in) {
  if (!in->n) return 0;
  in->n--;
  return *in->p++;
}

/* 0, 1 .. SMALL, or a huge value: each about as likely as the input says. */
static size_t size_of(reader *in) {
  static const size_t huge[] = {
      SIZE_MAX,        SIZE_MAX / 2,       (size_t)1 << 31,       (size_t)1 << 40,
      (size_t)1 << 62, (size_t)0x7fffffff, 3 * ((size_t)1 << 61), (size_t)1 << 20};
  uint8_t v = byte(in);
  if (v < 16) return 0;
  if (v >= 240) return huge[v % 8];
  return 1 + v % SMALL;
}

typedef struct arena {
  size_t calls, fail_at, live;
} arena;

static void *fz_alloc(void *ctx, size_t size, size_t alignment) {
  arena *a = ctx;
  if (++a->calls == a->fail_at || size > ALLOC_LIMIT) return NULL;
  void *p = NULL;
  if (posix_memalign(&p, alignment, size) != 0) return NULL;
  a->live++;
  return p;
}

static void fz_free(void *ctx, void *ptr, size_t size) {
  (void)size;
  ((arena *)ctx)->live--;
  free(ptr);
}

/* The scratch buffers a program reads from and writes to. */
static float xs[BUF], ys[BUF], hs[BUF], snap[BUF], now[BUF];

typedef struct prog {
  reader in;
  const gru_layer *layer;
  gru_sequence *seq;
  size_t state_floats; /* of all max_batch rows */
  size_t max_batch, max_steps, in_w, out_w, hidden, cells, layers;
} prog;

static void snapshot(prog *p, float *to) {
  GRU_FUZZ_CHECK(gru_sequence_get_state(p->seq, p->max_batch, to, p->state_floats) == GRU_OK);
}

/* A failed call must leave the state as snap holds it. */
static void check_failed(prog *p, gru_status st) {
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st == GRU_OK) return;
  GRU_FUZZ_CHECK(*gru_sequence_error(p->seq) != '\0');
  snapshot(p, now);
  GRU_FUZZ_CHECK(memcmp(snap, now, p->state_floats * sizeof(float)) == 0);
}

/* A stride: 0 (dense), the row width plus a little, or anything. */
static size_t stride_of(reader *in, size_t width) {
  uint8_t v = byte(in);
  if (v < 128) return 0;
  if (v < 240) return width + v % 4;
  return size_of(in);
}

/* True if rows of width floats, stride apart, for steps x batch fit in a
 * scratch buffer; the harness cannot offer more than it has. */
static int fits(size_t steps, size_t batch, size_t stride, size_t width) {
  size_t s = stride ? stride : width;
  return steps <= SMALL && batch <= SMALL && s <= width + 3 && steps * batch * s <= BUF;
}

static void op_run(prog *p) {
  reader *in = &p->in;
  size_t steps = size_of(in), batch = size_of(in);
  size_t xst = stride_of(in, p->in_w), yst = stride_of(in, p->out_w);
  uint32_t flags = byte(in) % 8;
  int with_y = byte(in) & 1;
  size_t lengths[SMALL];
  int with_len = byte(in) & 1;
  for (size_t b = 0; b < SMALL; b++)
    lengths[b] = byte(in) % (SMALL + 2);
  int plausible = steps && batch && steps <= p->max_steps && batch <= p->max_batch;
  if (plausible &&
      (!fits(steps, batch, xst, p->in_w) || (with_y && !fits(steps * 2, batch, yst, p->out_w))))
    return;
  gru_status st = gru_sequence_run(p->seq, steps, batch, xs, xst, with_y ? ys : NULL, yst,
                                   with_len ? lengths : NULL, flags);
  check_failed(p, st);
  if (st == GRU_OK && with_y) gru_fuzz_use(ys, steps * batch * p->out_w);
}

static void op_step(prog *p) {
  reader *in = &p->in;
  size_t batch = size_of(in), xst = stride_of(in, p->in_w), yst = stride_of(in, p->out_w);
  uint8_t mode = byte(in);
  unsigned char mask[SMALL];
  for (size_t b = 0; b < SMALL; b++)
    mask[b] = byte(in) & 1;
  size_t count = p->layers * batch * p->hidden + (mode & 8 ? size_of(in) : 0);
  int plausible = batch && batch <= p->max_batch;
  if (plausible && (!fits(1, batch, xst, p->in_w) || !fits(1, batch, yst, p->out_w) ||
                    p->layers * batch * p->hidden > BUF))
    return;
  gru_status st = gru_sequence_step(p->seq, batch, xs, xst, mode & 1 ? ys : NULL, yst,
                                    mode & 2 ? mask : NULL, mode & 4 ? hs : NULL, count);
  check_failed(p, st);
  if (st == GRU_OK && (mode & 1)) gru_fuzz_use(ys, batch * p->out_w);
}

static void op_reset(prog *p) {
  reader *in = &p->in;
  size_t batch = size_of(in);
  uint8_t mode = byte(in);
  size_t count = mode & 2 ? size_of(in) : p->cells * batch * p->hidden;
  if ((mode & 1) && batch <= p->max_batch && count > BUF) return;
  check_failed(p, gru_sequence_reset(p->seq, batch, mode & 1 ? hs : NULL, count));
}

static void op_save_load(prog *p) {
  reader *in = &p->in;
  size_t batch = size_of(in), need, written;
  static unsigned char buf[sizeof(float) * BUF + 256];
  gru_status st = gru_sequence_state_bytes(p->seq, batch, &need);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st != GRU_OK) return;
  st = gru_sequence_save_state(p->seq, batch, buf, sizeof buf, &written);
  GRU_FUZZ_CHECK(st == GRU_OK && written == need);
  if (byte(in) & 1) { /* damage one byte: refused, or loads what it says */
    size_t at = byte(in) % need;
    buf[at] ^= (uint8_t)(1 + byte(in) % 255);
  }
  check_failed(p, gru_sequence_load_state(p->seq, buf, need - (byte(in) % 2)));
  snapshot(p, snap);
}

static void op_load_bytes(prog *p) {
  reader *in = &p->in;
  size_t n = byte(in);
  if (n > in->n) n = in->n;
  check_failed(p, gru_sequence_load_state(p->seq, in->p, n));
  in->p += n;
  in->n -= n;
}

static void op_clone(prog *p) {
  gru_sequence *c;
  gru_status st = gru_sequence_clone(&c, p->seq);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st != GRU_OK) return;
  size_t batch = 1 + byte(&p->in) % p->max_batch;
  static float y2[BUF];
  gru_status a = gru_sequence_step(p->seq, batch, xs, 0, ys, 0, NULL, NULL, 0);
  gru_status b = gru_sequence_step(c, batch, xs, 0, y2, 0, NULL, NULL, 0);
  GRU_FUZZ_CHECK(a == b);
  if (a == GRU_OK) GRU_FUZZ_CHECK(memcmp(ys, y2, batch * p->out_w * sizeof(float)) == 0);
  gru_sequence_destroy(c);
}

static void op_query(prog *p) {
  size_t v = 0;
  gru_info key = (gru_info)(byte(&p->in) % 20);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(gru_sequence_get(p->seq, key, &v)));
  GRU_FUZZ_CHECK(gru_fuzz_known_status(gru_layer_get(p->layer, key, &v)));
  gru_fuzz_sink += v;
}

static void op_tensor(prog *p) {
  reader *in = &p->in;
  gru_format f = (gru_format)(byte(in) % 5);
  size_t count = 0, nd = 0, shape[GRU_MAX_DIMS];
  char name[GRU_MAX_NAME];
  GRU_FUZZ_CHECK(gru_fuzz_known_status(gru_layer_tensor_count(p->layer, f, &count)));
  size_t index = byte(in) % (count + 2), name_size = byte(in) % (GRU_MAX_NAME + 1);
  gru_status st = gru_layer_tensor_info(p->layer, f, index, name, name_size, &nd, shape);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st != GRU_OK) return;
  size_t n = 1;
  for (size_t d = 0; d < nd; d++)
    n *= shape[d];
  if (n > BUF) return;
  GRU_FUZZ_CHECK(gru_layer_get_tensor(p->layer, f, name, ys, n) == GRU_OK);
  gru_fuzz_use(ys, n);
}

/* Wrong tensors into a builder that has a shape: any status but a crash. */
static void bad_tensors(reader *in, gru_builder *b) {
  static const char *const names[] = {"W_r_l0",
                                      "b_hn_l1",
                                      "weight_ih_l0",
                                      "weight_hh_l1_reverse",
                                      "W",
                                      "R",
                                      "B",
                                      "kernel",
                                      "recurrent_kernel_l1",
                                      "bias",
                                      "W_z_l9",
                                      "",
                                      "weight_ih_l18446744073709551616"};
  for (int i = byte(in) % 4; i > 0; i--) {
    size_t shape[8], ndim = byte(in) % 9;
    for (size_t d = 0; d < 8; d++)
      shape[d] = size_of(in);
    const char *name = names[byte(in) % (sizeof names / sizeof names[0])];
    gru_status st = gru_builder_set_tensor(b, (gru_format)(byte(in) % 5), name, xs, ndim, shape);
    GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
    size_t n = 1;
    for (size_t d = 0; d < ndim; d++)
      n = __builtin_mul_overflow(n, shape[d], &n) ? SIZE_MAX : n;
    GRU_FUZZ_CHECK(st != GRU_OK || n <= BUF); /* accepted only with the right, small shape */
  }
}

static void run_ops(prog *p) {
  snapshot(p, snap);
  for (int i = 0; i < MAX_OPS && p->in.n; i++) {
    switch (byte(&p->in) % 9) {
      case 0: op_run(p); break;
      case 1: op_step(p); break;
      case 2: op_reset(p); break;
      case 3: op_save_load(p); break;
      case 4: op_load_bytes(p); break;
      case 5: op_clone(p); break;
      case 6: op_query(p); break;
      case 7: op_tensor(p); break;
      default: snapshot(p, snap); break;
    }
    snapshot(p, snap); /* what the next failure must leave */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader in = {data, size};
  arena a = {0, 0, 0};
  gru_variant variant = (gru_variant)(byte(&in) % 3);
  gru_direction direction = (gru_direction)(byte(&in) % 5);
  size_t layers = byte(&in) % 4, input = size_of(&in), hidden = size_of(&in);
  uint8_t isa = byte(&in) % 4, fail = byte(&in);
  a.fail_at = fail >= 200 ? fail - 199u : 0;
  /* Floats for x, h0 and tensors: the input's bytes as they are. */
  size_t take = in.n < sizeof xs ? in.n : sizeof xs;
  memcpy(xs, in.p, take);
  memcpy(hs, in.p, take);

  gru_builder *b;
  gru_status st = gru_builder_create_custom(&b, fz_alloc, fz_free, &a);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st != GRU_OK) return 0;
  st = gru_builder_set_shape(b, variant, direction, layers, input, hidden);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  GRU_FUZZ_CHECK(gru_fuzz_known_status(gru_builder_set_option(b, GRU_OPT_ISA, isa)));
  gru_layer *layer = NULL;
  if (st == GRU_OK) {
    bad_tensors(&in, b);
    if (!(byte(&in) == 7)) /* now and then, a tensor is missing */
      st = gru_fuzz_load(b, variant, direction, layers, input, hidden, byte(&in));
    GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  }
  st = gru_builder_build(b, &layer);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st) && (st == GRU_OK) == (layer != NULL));
  if (layer) {
    prog p = {.in = in, .layer = layer, .layers = layers, .hidden = hidden, .in_w = input};
    size_t dirs, state_size;
    gru_layer_get(layer, GRU_INFO_NUM_DIRECTIONS, &dirs);
    gru_layer_get(layer, GRU_INFO_OUTPUT_SIZE, &p.out_w);
    gru_layer_get(layer, GRU_INFO_STATE_SIZE, &state_size);
    p.cells = layers * dirs;
    p.max_batch = size_of(&p.in);
    p.max_steps = size_of(&p.in);
    st = gru_sequence_create(&p.seq, layer, p.max_batch, p.max_steps);
    GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
    if (st == GRU_OK && state_size * p.max_batch <= BUF) {
      p.state_floats = state_size * p.max_batch;
      run_ops(&p);
    }
    gru_sequence_destroy(p.seq);
  }
  gru_layer_destroy(layer);
  gru_builder_destroy(b);
  GRU_FUZZ_CHECK(a.live == 0); /* nothing leaked, on any path */
  return 0;
}
