#define _DEFAULT_SOURCE /* madvise */
#include "memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A huge page of x86-64 and of most AArch64 kernels. */
#define HUGE_PAGE ((size_t)2 << 20)

/* Blocks of a huge page or more (packed weights, a sequence's buffers)
 * start on a huge page and ask the kernel for huge pages, which Debian's
 * default (transparent_hugepage=madvise) gives only when asked. With 4 KiB
 * pages, the L2 sets a thread's weights fall in depend on where the pages
 * land (some sets may get more lines than they have ways, read again from
 * L3 at every step), and each page takes a TLB entry; with huge pages
 * batch-1 steps at H = 512 ran about 4% faster. Only the huge pages the
 * block covers whole are used, so no more memory is touched than with
 * small ones. */
static void *default_alloc(void *ctx, size_t size, size_t alignment) {
  (void)ctx;
  void *p = NULL;
  if (size < HUGE_PAGE) return posix_memalign(&p, alignment, size) == 0 ? p : NULL;
  if (posix_memalign(&p, HUGE_PAGE, size) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, size, MADV_HUGEPAGE); /* advice: failing changes nothing */
#endif
  return p;
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
