/* Small helpers the peers share (bench.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

float *bench_tensor(const gru_layer *layer, gru_format format, const char *name, size_t *count) {
  char found[GRU_MAX_NAME];
  size_t n = 0, ndim, shape[GRU_MAX_DIMS];
  gru_layer_tensor_count(layer, format, &n);
  for (size_t i = 0; i < n; i++) {
    gru_layer_tensor_info(layer, format, i, found, sizeof found, &ndim, shape);
    if (strcmp(found, name) != 0) continue;
    *count = 1;
    for (size_t d = 0; d < ndim; d++)
      *count *= shape[d];
    float *t = malloc(*count * sizeof *t);
    if (t && gru_layer_get_tensor(layer, format, name, t, *count) == GRU_OK) return t;
    break;
  }
  fprintf(stderr, "gru-bench: the layer has no tensor %s in format %d\n", name, (int)format);
  exit(1);
}
