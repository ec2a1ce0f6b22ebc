#include "balance.h"

void gru__balance_start(gru__balance *b, size_t items, size_t threads) {
  if (b->items == items && b->threads == threads) return;
  b->items = items;
  b->threads = threads;
  for (size_t i = 0; i <= threads; i++)
    b->first[i] = items * i / threads;
  for (size_t i = 0; i < threads; i++)
    b->share[i] = (double)items / (double)threads;
}

void gru__balance_update(gru__balance *b) {
  size_t n = b->threads;
  if (b->items < GRU__BALANCE_MIN * n) return;
  double rate[GRU_MAX_THREADS], rate_sum = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!b->ns[i]) return; /* a clock that did not move: keep the split */
    rate[i] = (double)(b->first[i + 1] - b->first[i]) / (double)b->ns[i];
    rate_sum += rate[i];
  }
  double even = (double)b->items / (double)n;
  for (size_t i = 0; i < n; i++) {
    double r = (b->share[i] + (double)b->items * rate[i] / rate_sum) / 2;
    b->share[i] = r < even / 2 ? even / 2 : r > even * 1.5 ? even * 1.5 : r;
    total += b->share[i];
  }
  /* Scaled back to the items, every share keeps at least a third of an
   * even one, at least one item: the rounded boundaries stay in order. */
  double at = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    b->share[i] *= (double)b->items / total;
    at += b->share[i];
    b->first[i + 1] = (size_t)(at + 0.5);
  }
  b->share[n - 1] *= (double)b->items / total;
}
