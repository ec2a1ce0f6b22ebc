#define _POSIX_C_SOURCE 200112L
#include "memory.h"

#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ctx, size_t size, size_t alignment) {
  (void)ctx;
  void *p = NULL;
  return posix_memalign(&p, alignment, size) == 0 ? p : NULL;
}

static void default_free(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  (void)size;
  free(ptr);
}

gru__allocator gru__default_allocator(void) {
  gru__allocator a = {default_alloc, default_free, NULL};
  return a;
}

void *gru__alloc(const gru__allocator *a, size_t size) {
  return size ? a->alloc(a->ctx, size, GRU__ALIGN) : NULL;
}

void *gru__calloc(const gru__allocator *a, size_t size) {
  void *p = gru__alloc(a, size);
  if (p) memset(p, 0, size);
  return p;
}

void gru__free(const gru__allocator *a, void *ptr, size_t size) {
  if (ptr) a->free(a->ctx, ptr, size);
}

static bool round_up(size_t n, size_t *out) {
  if (!gru__add(n, GRU__ALIGN - 1, out)) return false;
  *out &= ~(size_t)(GRU__ALIGN - 1);
  return true;
}

bool gru__arena_reserve(gru__arena *arena, size_t count, size_t elem_size) {
  size_t bytes, padded;
  return gru__mul(count, elem_size, &bytes) && round_up(bytes, &padded) &&
         gru__add(arena->size, padded, &arena->size);
}

void *gru__arena_take(gru__arena *arena, size_t count, size_t elem_size) {
  char *p = arena->base + arena->used;
  arena->used += (count * elem_size + GRU__ALIGN - 1) & ~(size_t)(GRU__ALIGN - 1);
  return p;
}
