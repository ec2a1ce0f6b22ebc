/* fuzz_common.h -- what the fuzz targets share: a check that crashes the
 * run (so libFuzzer records the input), a sink that every result feeds,
 * and small layers with fixed weights. */
#ifndef GRU_FUZZ_COMMON_H
#define GRU_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "gru.h"

/* An invariant the library must keep: a failure is a finding. */
#define GRU_FUZZ_CHECK(cond)       \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

/* libFuzzer's entry point, also called by regression.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything computed is folded in here, so nothing is optimised away. */
extern volatile uint64_t gru_fuzz_sink;
void gru_fuzz_use(const float *p, size_t n);

/* True if st is one of GRU_STATUS_LIST. */
int gru_fuzz_known_status(gru_status st);

/* A layer of that shape with weights from seed (CONCAT format, biases
 * set), or NULL if the shape is refused. */
gru_layer *gru_fuzz_layer(gru_variant variant, gru_direction direction, size_t layers, size_t input,
                          size_t hidden, uint64_t seed);

/* Loads every tensor of a layer of the builder's shape into it from seed;
 * returns the first failure. */
gru_status gru_fuzz_load(gru_builder *b, gru_variant variant, gru_direction direction,
                         size_t layers, size_t input, size_t hidden, uint64_t seed);

#endif
