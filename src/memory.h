/* memory.h -- allocation through the caller's allocator, and size
 * arithmetic that cannot overflow unnoticed. */
#ifndef GRU_MEMORY_H
#define GRU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"

/* Buffers start on a cache line: vector loads never split one and two
 * buffers never share one. */
#define GRU__ALIGN 64

typedef struct gru__allocator {
  gru_alloc_fn alloc;
  gru_free_fn free;
  void *ctx;
} gru__allocator;

/* The malloc-backed allocator. */
gru__allocator gru__default_allocator(void);

/* size bytes aligned to GRU__ALIGN, or NULL. size 0 gives NULL. */
void *gru__alloc(const gru__allocator *a, size_t size);
/* Zeroed, as gru__alloc. */
void *gru__calloc(const gru__allocator *a, size_t size);
/* NULL is a no-op; size must be what was asked for. */
void gru__free(const gru__allocator *a, void *ptr, size_t size);

/* *out = a * b; false on overflow. */
static inline bool gru__mul(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; false on overflow. */
static inline bool gru__add(size_t a, size_t b, size_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

/* *out = a * b * c; false on overflow. */
static inline bool gru__mul3(size_t a, size_t b, size_t c, size_t *out) {
  size_t ab;
  return gru__mul(a, b, &ab) && gru__mul(ab, c, out);
}

/* A bump layout: many buffers carved from one aligned block, so a handle
 * is one allocation and has no half-built state to undo. Reserve every
 * part (false on overflow), allocate once, then take the parts in the
 * same order. */
typedef struct gru__arena {
  size_t size; /* bytes reserved so far */
  char *base;  /* the block, once allocated */
  size_t used; /* bytes taken so far */
} gru__arena;

bool gru__arena_reserve(gru__arena *arena, size_t count, size_t elem_size);
void *gru__arena_take(gru__arena *arena, size_t count, size_t elem_size);

#endif
