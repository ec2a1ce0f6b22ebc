#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile uint64_t gru_fuzz_sink;

void gru_fuzz_use(const float *p, size_t n) {
  uint64_t h = gru_fuzz_sink;
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    memcpy(&bits, &p[i], sizeof bits);
    h = (h ^ bits) * 0x100000001b3u;
  }
  gru_fuzz_sink = h;
}

int gru_fuzz_known_status(gru_status st) { return strcmp(gru_status_name(st), "GRU_UNKNOWN") != 0; }

static void fill(float *p, size_t n, uint64_t *s) {
  for (size_t i = 0; i < n; i++) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    p[i] = (float)(int32_t)(*s >> 32) * (0.5f / 2147483648.0f);
  }
}

gru_status gru_fuzz_load(gru_builder *b, gru_variant variant, gru_direction direction,
                         size_t layers, size_t input, size_t hidden, uint64_t seed) {
  static const char *const names[] = {"W_r", "W_z", "W_h", "b_r", "b_z", "b_h", "b_hn"};
  size_t dirs = direction >= GRU_BIDIRECTIONAL ? 2 : 1;
  size_t out = direction == GRU_BIDIRECTIONAL ? 2 * hidden : hidden;
  uint64_t s = seed * 0x9e3779b97f4a7c15u + 1;
  for (size_t k = 0; k < layers; k++)
    for (size_t d = 0; d < dirs; d++)
      for (int t = 0; t < (variant == GRU_RESET_AFTER ? 7 : 6); t++) {
        size_t cols = t < 3 ? hidden + (k ? out : input) : 0;
        size_t shape[2] = {hidden, cols}, n = hidden * (cols ? cols : 1);
        float *data = malloc(n * sizeof *data);
        fill(data, n, &s);
        char name[64];
        snprintf(name, sizeof name, "%s_l%zu%s", names[t], k, d ? "_reverse" : "");
        gru_status st =
            gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, name, data, cols ? 2 : 1, shape);
        free(data);
        if (st != GRU_OK) return st;
      }
  return GRU_OK;
}

gru_layer *gru_fuzz_layer(gru_variant variant, gru_direction direction, size_t layers, size_t input,
                          size_t hidden, uint64_t seed) {
  gru_builder *b;
  gru_layer *l = NULL;
  if (gru_builder_create(&b) != GRU_OK) return NULL;
  if (gru_builder_set_shape(b, variant, direction, layers, input, hidden) == GRU_OK &&
      gru_fuzz_load(b, variant, direction, layers, input, hidden, seed) == GRU_OK)
    gru_builder_build(b, &l);
  gru_builder_destroy(b);
  return l;
}
