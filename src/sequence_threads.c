/* gru_sequence_set_option: a sequence's worker threads (pool.h). */
#include "sequence.h"

gru_status gru__sequence_set_threads(gru_sequence *q, size_t n) {
  if (n == q->threads) return GRU_OK;
  gru__pool *pool = NULL;
  if (n > 1) {
    gru_status st = gru__pool_create(&pool, n, &q->layer->alloc);
    if (st != GRU_OK)
      return gru__fail(q->error, st, "cannot start %zu threads: %s", n - 1,
                       st == GRU_ERR_NOMEM ? "out of memory" : "the system refused a thread");
  }
  gru__pool_destroy(q->pool);
  q->pool = pool;
  q->threads = n;
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
    case GRU_OPT_ISA:
    case GRU_OPT_PRODUCTS:
      return gru__fail(q->error, GRU_ERR_INVALID, "option %d is a builder option", (int)option);
  }
  return gru__fail(q->error, GRU_ERR_INVALID, "unknown option %d", (int)option);
}
