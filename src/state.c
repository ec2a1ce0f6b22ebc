/* Saving and restoring a sequence's state as a self-checking byte string:
 * a fixed header naming the layer configuration, then the floats, at
 * whatever alignment the caller's buffer gives them. */
#include <string.h>

#include "error.h"
#include "sequence.h"

static const char magic[8] = {'G', 'R', 'U', 'S', 'T', 'A', 'T', 'E'};
#define STATE_VERSION 1u
#define ENDIAN_MARK 0x01020304u

typedef struct header {
  char magic[8];
  uint32_t version;
  uint32_t endian;
  uint64_t variant, direction, layers, input, hidden, batch;
} header;

static header describe(const gru_sequence *q, size_t batch) {
  const gru__shape *s = &q->layer->weights.shape;
  header h = {.version = STATE_VERSION,
              .endian = ENDIAN_MARK,
              .variant = (uint64_t)s->variant,
              .direction = (uint64_t)s->direction,
              .layers = s->layers,
              .input = s->input,
              .hidden = s->hidden,
              .batch = batch};
  memcpy(h.magic, magic, sizeof magic);
  return h;
}

static size_t state_floats(const gru_sequence *q, size_t batch) {
  const gru__shape *s = &q->layer->weights.shape;
  return s->layers * s->dirs * batch * s->hidden;
}

gru_status gru_sequence_state_bytes(const gru_sequence *q, size_t batch, size_t *bytes) {
  if (!q) return GRU_ERR_NULL;
  /* The message buffer is the only thing a failed query writes. */
  char *error = ((gru_sequence *)q)->error;
  if (!bytes) return gru__fail(error, GRU_ERR_NULL, "bytes must not be NULL");
  if (batch == 0) return gru__fail(error, GRU_ERR_SIZE, "batch is zero");
  if (batch > q->max_batch)
    return gru__fail(error, GRU_ERR_CAPACITY, "batch %zu > max_batch %zu", batch, q->max_batch);
  *bytes = sizeof(header) + state_floats(q, batch) * sizeof(float);
  return GRU_OK;
}

gru_status gru_sequence_save_state(const gru_sequence *q, size_t batch, void *buf, size_t capacity,
                                   size_t *written) {
  size_t need;
  gru_status st = gru_sequence_state_bytes(q, batch, &need);
  if (st != GRU_OK) return st;
  char *error = ((gru_sequence *)q)->error;
  if (!buf || !written) return gru__fail(error, GRU_ERR_NULL, "buf and written must not be NULL");
  if (capacity < need)
    return gru__fail(error, GRU_ERR_BUFFER, "a state of %zu rows needs %zu bytes, not %zu", batch,
                     need, capacity);
  header h = describe(q, batch);
  memcpy(buf, &h, sizeof h);
  gru__state_store(q, batch, (char *)buf + sizeof h);
  *written = need;
  return GRU_OK;
}

gru_status gru_sequence_load_state(gru_sequence *q, const void *buf, size_t size) {
  if (!q) return GRU_ERR_NULL;
  if (!buf) return gru__fail(q->error, GRU_ERR_NULL, "buf must not be NULL");
  header h;
  if (size < sizeof h)
    return gru__fail(q->error, GRU_ERR_FORMAT, "%zu bytes is too short for a state", size);
  memcpy(&h, buf, sizeof h);
  if (memcmp(h.magic, magic, sizeof magic) != 0 || h.version != STATE_VERSION)
    return gru__fail(q->error, GRU_ERR_FORMAT, "not a libgru state (version 1)");
  if (h.endian != ENDIAN_MARK)
    return gru__fail(q->error, GRU_ERR_FORMAT, "state saved on a machine of the other endianness");
  header mine = describe(q, 1);
  mine.batch = h.batch;
  if (memcmp(&h, &mine, sizeof h) != 0)
    return gru__fail(q->error, GRU_ERR_MISMATCH, "state saved from another layer configuration");
  if (h.batch == 0 || h.batch > q->max_batch)
    return gru__fail(q->error, GRU_ERR_CAPACITY, "saved batch %llu, max_batch %zu",
                     (unsigned long long)h.batch, q->max_batch);
  size_t batch = (size_t)h.batch;
  if (size != sizeof h + state_floats(q, batch) * sizeof(float))
    return gru__fail(q->error, GRU_ERR_FORMAT, "state of %zu bytes, expected %zu", size,
                     sizeof h + state_floats(q, batch) * sizeof(float));
  gru__state_load(q, batch, (const char *)buf + sizeof h);
  return GRU_OK;
}
