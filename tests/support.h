/* support.h -- helpers shared by the tests: seeded random data, random
 * models in the concatenated layout (with their reference), comparisons,
 * and an allocator that counts and fails on demand. */
#ifndef GRU_TEST_SUPPORT_H
#define GRU_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gru.h"
#include "reference.h"

/* Uniform floats in [-scale, scale), from a seeded xorshift generator. */
void test_fill(float *p, size_t n, uint64_t *seed, float scale);

/* A random GRU in the concatenated layout, owning its arrays. */
typedef struct test_model {
  ref_weights ref;
  size_t cells;
  float **w;   /* [cells*3] */
  float **b;   /* [cells*3], or NULL without biases */
  float **bhn; /* [cells], reset-after with biases only */
} test_model;

void test_model_init(test_model *m, gru_variant variant, gru_direction dir, size_t layers,
                     size_t input, size_t hidden, bool bias, uint64_t seed);
void test_model_free(test_model *m);

/* Loads the model into a builder's tensors (format GRU_FORMAT_CONCAT). */
gru_status test_model_load(const test_model *m, gru_builder *b);

/* Builds a layer of the model, its ISA capped at isa. */
gru_layer *test_model_build(const test_model *m, gru_isa isa);

/* The same on the given path for the per-step products. */
gru_layer *test_model_build_products(const test_model *m, gru_isa isa, gru_products products);

/* The best ISA a layer gets here: the CPU's, capped by GRU_ISA. */
gru_isa test_isa_max(void);

/* The ISAs this machine can run (capped by GRU_ISA), scalar first;
 * returns how many. */
size_t test_isas(gru_isa isas[3]);

double test_max_diff(const float *a, const double *b, size_t n);
double test_max_diff_f(const float *a, const float *b, size_t n);

/* An allocator for gru_builder_create_custom that counts calls and live
 * blocks, and fails call number fail_at (1-based; 0 never fails). */
typedef struct test_alloc {
  size_t fail_at;
  size_t calls;
  size_t live;
  size_t live_bytes;
} test_alloc;

void *test_alloc_fn(void *ctx, size_t size, size_t alignment);
void test_free_fn(void *ctx, void *ptr, size_t size);

#endif
