/* Fuzz target: saved sequence states, the one buffer format libgru reads
 * today (gru_sequence_load_state). Each input is offered to sequences of
 * several configurations. A state that loads must save back to the same
 * bytes; one that is refused must leave the sequence's state as it was and
 * a message. Everything computed feeds gru_fuzz_sink, so nothing is
 * optimised away. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

enum { CONFIGS = 4, MAX_BATCH = 3, MAX_FLOATS = 2 * 2 * MAX_BATCH * 5 };

static const struct {
  gru_variant variant;
  gru_direction direction;
  size_t layers, input, hidden;
} configs[CONFIGS] = {
    {GRU_RESET_AFTER, GRU_FORWARD, 1, 3, 4},
    {GRU_RESET_BEFORE, GRU_FORWARD, 2, 3, 4},
    {GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 2, 2, 5},
    {GRU_RESET_BEFORE, GRU_REVERSE, 1, 1, 1},
};

static gru_layer *layers[CONFIGS];

static void setup(void) {
  for (int c = 0; c < CONFIGS; c++)
    layers[c] = gru_fuzz_layer(configs[c].variant, configs[c].direction, configs[c].layers,
                               configs[c].input, configs[c].hidden, (uint64_t)c + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!layers[0]) setup();
  for (int c = 0; c < CONFIGS; c++) {
    gru_sequence *q;
    GRU_FUZZ_CHECK(gru_sequence_create(&q, layers[c], MAX_BATCH, 2) == GRU_OK);
    size_t per_row;
    GRU_FUZZ_CHECK(gru_sequence_get(q, GRU_INFO_STATE_SIZE, &per_row) == GRU_OK);
    size_t n = per_row * MAX_BATCH;
    float before[MAX_FLOATS], after[MAX_FLOATS];
    for (size_t i = 0; i < n; i++)
      before[i] = (float)i * 0.01f - 0.3f;
    GRU_FUZZ_CHECK(gru_sequence_reset(q, MAX_BATCH, before, n) == GRU_OK);
    gru_status st = gru_sequence_load_state(q, data, size);
    GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
    GRU_FUZZ_CHECK(gru_sequence_get_state(q, MAX_BATCH, after, n) == GRU_OK);
    if (st != GRU_OK) {
      /* Refused: a message, and not one float changed. */
      GRU_FUZZ_CHECK(*gru_sequence_error(q) != '\0');
      GRU_FUZZ_CHECK(memcmp(before, after, n * sizeof(float)) == 0);
    } else {
      /* Loaded: saving the same rows gives the same bytes back. */
      size_t batch, need, written;
      GRU_FUZZ_CHECK(gru_sequence_get(q, GRU_INFO_BATCH, &batch) == GRU_OK);
      GRU_FUZZ_CHECK(gru_sequence_state_bytes(q, batch, &need) == GRU_OK && need == size);
      unsigned char *again = malloc(need);
      GRU_FUZZ_CHECK(gru_sequence_save_state(q, batch, again, need, &written) == GRU_OK);
      GRU_FUZZ_CHECK(written == size && memcmp(again, data, size) == 0);
      free(again);
      /* Rows past the loaded batch are untouched. */
      size_t hidden = configs[c].hidden, cells = per_row / hidden;
      for (size_t k = 0; k < cells; k++) {
        size_t at = (k * MAX_BATCH + batch) * hidden, rest = (MAX_BATCH - batch) * hidden;
        GRU_FUZZ_CHECK(memcmp(before + at, after + at, rest * sizeof(float)) == 0);
      }
      gru_fuzz_use(after, n);
    }
    gru_sequence_destroy(q);
  }
  return 0;
}
