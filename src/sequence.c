#include "sequence.h"

#include <limits.h>
#include <string.h>

/* Steps of max_batch rows that gx holds: what gru__chunk_steps() asks at
 * any batch up to max_batch (a chunk has fewer than GRU__HOIST_ROWS + batch
 * rows), or the whole sequence. */
static size_t chunk_steps(size_t max_batch, size_t max_steps) {
  size_t n = (GRU__HOIST_ROWS - 1 + max_batch + max_batch - 1) / max_batch;
  return n < max_steps ? n : max_steps;
}

static size_t inner_buffers(const gru__shape *s) {
  if (s->layers < 2) return 0;
  return s->dirs;
}

typedef struct part {
  float **dst;
  size_t n1, n2, n3; /* floats: their product */
} part;

/* Reserves (take = false) or carves the parts from a. */
static bool carve(const part *parts, size_t n, gru__arena *a, bool take) {
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) {
    size_t floats;
    ok = gru__mul3(parts[i].n1, parts[i].n2, parts[i].n3, &floats);
    if (!ok) break;
    if (!take)
      ok = gru__arena_reserve(a, floats, sizeof(float));
    else
      *parts[i].dst = floats ? gru__arena_take(a, floats, sizeof(float)) : NULL;
  }
  return ok;
}

bool gru__work_place(const gru_sequence *q, gru__work *w, gru__arena *a, bool take) {
  const gru__shape *s = &q->layer->weights.shape;
  size_t h = s->hidden, b = q->max_batch, before = s->variant == GRU_RESET_BEFORE;
  part parts[] = {
      {&w->gx, q->chunk, b, 3 * h},
      {&w->gh, 1, b, 3 * h},
      {&w->z, before, b, h},
      {&w->rh, before, b, h},
  };
  return carve(parts, sizeof parts / sizeof parts[0], a, take);
}

/* Reserves (take = false) or carves the sequence's buffers. */
static bool place(gru_sequence *q, gru__arena *a, const gru__shape *s, bool take) {
  size_t h = s->hidden, b = q->max_batch, cells = s->layers * s->dirs;
  size_t inner = 0;
  bool ok = gru__mul(q->max_steps, b, &inner) && gru__mul(inner, s->output, &inner);
  part parts[] = {
      {&q->state, cells, b, h},
      {&q->h_alt, q->layer->packed ? b : 0, 1, h},
      {&q->inner[0], inner_buffers(s) >= 1 ? inner : 0, 1, 1},
      {&q->inner[1], inner_buffers(s) >= 2 ? inner : 0, 1, 1},
  };
  return ok && carve(parts, sizeof parts / sizeof parts[0], a, take) &&
         gru__work_place(q, &q->work, a, take);
}

static gru_status sequence_new(gru_sequence **out, const gru_layer *layer, size_t max_batch,
                               size_t max_steps) {
  const gru__shape *s = &layer->weights.shape;
  gru_sequence q = {.layer = layer,
                    .max_batch = max_batch,
                    .max_steps = max_steps,
                    .threads = 1,
                    .spin_us = GRU__SPIN_US};
  q.chunk = chunk_steps(max_batch, max_steps);
  gru__arena arena = {0};
  if (!gru__arena_reserve(&arena, 1, sizeof q) || !place(&q, &arena, s, false)) return GRU_ERR_SIZE;
  arena.base = gru__calloc(&layer->alloc, arena.size);
  if (!arena.base) return GRU_ERR_NOMEM;
  gru_sequence *p = gru__arena_take(&arena, 1, sizeof q);
  q.bytes = arena.size;
  *p = q;
  place(p, &arena, s, true);
  *out = p;
  return GRU_OK;
}

gru_status gru_sequence_create(gru_sequence **out, const gru_layer *layer, size_t max_batch,
                               size_t max_steps) {
  if (!out) return GRU_ERR_NULL;
  *out = NULL;
  if (!layer) return GRU_ERR_NULL;
  /* Every row count handed to BLAS is at most chunk * max_batch. */
  if (max_batch == 0 || max_steps == 0 || max_batch > (size_t)INT_MAX) return GRU_ERR_SIZE;
  return sequence_new(out, layer, max_batch, max_steps);
}

gru_status gru_sequence_clone(gru_sequence **out, const gru_sequence *src) {
  if (!out) return GRU_ERR_NULL;
  *out = NULL;
  if (!src) return GRU_ERR_NULL;
  gru_status st = sequence_new(out, src->layer, src->max_batch, src->max_steps);
  if (st == GRU_OK) {
    (*out)->spin_us = src->spin_us;
    st = gru__sequence_set_threads(*out, src->threads);
  }
  if (st != GRU_OK) {
    gru_sequence_destroy(*out);
    *out = NULL;
    return st;
  }
  const gru__shape *s = &src->layer->weights.shape;
  memcpy((*out)->state, src->state,
         s->layers * s->dirs * src->max_batch * s->hidden * sizeof(float));
  (*out)->batch = src->batch;
  return GRU_OK;
}

void gru_sequence_destroy(gru_sequence *q) {
  if (!q) return;
  gru__pool_destroy(q->pool);
  gru__free(&q->layer->alloc, q->work2_mem, q->work2_bytes);
  gru__free(&q->layer->alloc, q, q->bytes);
}

gru_status gru_sequence_get(const gru_sequence *q, gru_info key, size_t *value) {
  if (!q) return GRU_ERR_NULL;
  /* The message buffer is the only thing a failed query writes. */
  char *error = ((gru_sequence *)q)->error;
  if (!value) return gru__fail(error, GRU_ERR_NULL, "value must not be NULL");
  switch (key) {
    case GRU_INFO_MAX_BATCH: *value = q->max_batch; return GRU_OK;
    case GRU_INFO_MAX_STEPS: *value = q->max_steps; return GRU_OK;
    case GRU_INFO_BATCH: *value = q->batch; return GRU_OK;
    case GRU_INFO_BYTES:
      *value = q->bytes + gru__pool_bytes(q->pool) + q->work2_bytes;
      return GRU_OK;
    case GRU_INFO_THREADS: *value = q->threads; return GRU_OK;
    case GRU_INFO_SPIN_US: *value = q->spin_us; return GRU_OK;
    default: break;
  }
  gru_status st = gru_layer_get(q->layer, key, value);
  if (st != GRU_OK) return gru__fail(error, st, "key %d is not a gru_info", (int)key);
  return GRU_OK;
}

const char *gru_sequence_error(const gru_sequence *q) { return q ? q->error : "NULL sequence"; }

/* Checks batch and count against the state of rows 0 .. batch-1. */
static gru_status check_state_args(gru_sequence *q, size_t batch, size_t count) {
  const gru__shape *s = &q->layer->weights.shape;
  if (batch == 0) return gru__fail(q->error, GRU_ERR_SIZE, "batch is zero");
  if (batch > q->max_batch)
    return gru__fail(q->error, GRU_ERR_CAPACITY, "batch %zu > max_batch %zu", batch, q->max_batch);
  size_t want = s->layers * s->dirs * batch * s->hidden;
  if (count != want)
    return gru__fail(q->error, GRU_ERR_SIZE, "state of %zu rows is %zu floats, not %zu", batch,
                     want, count);
  return GRU_OK;
}

/* Copies rows 0 .. batch-1 of every cell between the state and the
 * floats at bytes (zeros in when loading NULL). Byte offsets and memcpy:
 * a saved state's floats (state.c) may sit at any address. */
static void copy_state(const gru_sequence *q, size_t batch, void *bytes, bool load) {
  const gru__shape *s = &q->layer->weights.shape;
  size_t n = batch * s->hidden * sizeof(float);
  for (size_t c = 0; c < s->layers * s->dirs; c++) {
    float *row = gru__state_row(q, c, 0);
    if (!bytes) {
      memset(row, 0, n);
      continue;
    }
    char *mine = (char *)bytes + c * n;
    if (load)
      memcpy(row, mine, n);
    else
      memcpy(mine, row, n);
  }
}

void gru__state_load(gru_sequence *q, size_t batch, const void *bytes) {
  copy_state(q, batch, (void *)bytes, true); /* only read when loading */
  q->batch = batch;
}

void gru__state_store(const gru_sequence *q, size_t batch, void *bytes) {
  copy_state(q, batch, bytes, false);
}

gru_status gru_sequence_reset(gru_sequence *q, size_t batch, const float *h0, size_t count) {
  if (!q) return GRU_ERR_NULL;
  const gru__shape *s = &q->layer->weights.shape;
  gru_status st = check_state_args(q, batch, h0 ? count : s->layers * s->dirs * batch * s->hidden);
  if (st != GRU_OK) return st;
  gru__state_load(q, batch, h0);
  return GRU_OK;
}

gru_status gru_sequence_get_state(const gru_sequence *q, size_t batch, float *h, size_t count) {
  if (!q) return GRU_ERR_NULL;
  /* The message buffer is the only thing a failed query writes. */
  gru_sequence *m = (gru_sequence *)q;
  if (!h) return gru__fail(m->error, GRU_ERR_NULL, "h must not be NULL");
  gru_status st = check_state_args(m, batch, count);
  if (st == GRU_OK) gru__state_store(q, batch, h);
  return st;
}
