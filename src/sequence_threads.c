/* gru_sequence_set_option: a sequence's worker threads (pool.h). */
#include "sequence.h"

#include "pass.h"

/* The workspace of a second pass, for two threads on a layer whose
 * directions may run at once (forward.c), in *w from *mem (*bytes; NULL,
 * 0 for none). False: out of memory. */
static bool make_work2(const gru_sequence *q, size_t n, gru__work *w, void **mem, size_t *bytes) {
  *w = (gru__work){0};
  *mem = NULL;
  *bytes = 0;
  if (n != 2 || !gru__directions_at_once(q->layer)) return true;
  gru__arena a = {0};
  gru__work_place(q, w, &a, false); /* the sizes of q->work, which fitted */
  a.base = *mem = gru__calloc(&q->layer->alloc, a.size);
  if (!*mem) return false;
  gru__work_place(q, w, &a, true);
  *bytes = a.size;
  return true;
}

gru_status gru__sequence_set_threads(gru_sequence *q, size_t n) {
  if (n == q->threads) return GRU_OK;
  gru__pool *pool = NULL;
  gru__work work2;
  void *mem;
  size_t bytes;
  if (n > 1) {
    gru_status st = gru__pool_create(&pool, n, &q->layer->alloc);
    if (st != GRU_OK)
      return gru__fail(q->error, st, "cannot start %zu threads: %s", n - 1,
                       st == GRU_ERR_NOMEM ? "out of memory" : "the system refused a thread");
  }
  if (!make_work2(q, n, &work2, &mem, &bytes)) {
    gru__pool_destroy(pool);
    return gru__fail(q->error, GRU_ERR_NOMEM, "cannot start %zu threads: out of memory", n - 1);
  }
  gru__pool_destroy(q->pool);
  gru__free(&q->layer->alloc, q->work2_mem, q->work2_bytes);
  q->pool = pool;
  q->work2 = work2;
  q->work2_mem = mem;
  q->work2_bytes = bytes;
  q->threads = n;
  if (pool) gru__pool_set_spin(pool, q->spin_us);
  return GRU_OK;
}

gru_status gru_sequence_set_option(gru_sequence *q, gru_option option, size_t value) {
  if (!q) return GRU_ERR_NULL;
  switch (option) {
    case GRU_OPT_THREADS:
      if (value < 1 || value > GRU_MAX_THREADS)
        return gru__fail(q->error, GRU_ERR_INVALID, "GRU_OPT_THREADS: %zu is not in 1 .. %d", value,
                         GRU_MAX_THREADS);
      if (value > 1 && !q->layer->packed)
        return gru__fail(q->error, GRU_ERR_UNSUPPORTED,
                         "a layer built with GRU_PRODUCTS_BLAS runs on BLAS's threads, not the "
                         "sequence's");
      return gru__sequence_set_threads(q, value);
    case GRU_OPT_SPIN_US:
      if (value > GRU_MAX_SPIN_US)
        return gru__fail(q->error, GRU_ERR_INVALID, "GRU_OPT_SPIN_US: %zu is not in 0 .. %d", value,
                         GRU_MAX_SPIN_US);
      q->spin_us = value;
      if (q->pool) gru__pool_set_spin(q->pool, value);
      return GRU_OK;
    case GRU_OPT_ISA:
    case GRU_OPT_PRODUCTS:
      return gru__fail(q->error, GRU_ERR_INVALID, "option %d is a builder option", (int)option);
  }
  return gru__fail(q->error, GRU_ERR_INVALID, "unknown option %d", (int)option);
}
