#define _POSIX_C_SOURCE 200809L
#include "balance.h"

#include <time.h>

void gru__balance_start(gru__balance *b, size_t batch, size_t threads) {
  if (b->batch == batch && b->threads == threads) return;
  b->batch = batch;
  b->threads = threads;
  for (size_t i = 0; i <= threads; i++)
    b->first[i] = batch * i / threads;
}

void gru__balance_update(gru__balance *b) {
  size_t n = b->threads;
  double rows[GRU_MAX_THREADS], rate_sum = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!b->ns[i]) return; /* a clock that did not move: keep the split */
    rows[i] = (double)(b->first[i + 1] - b->first[i]);
    rate_sum += rows[i] / (double)b->ns[i];
  }
  double even = (double)b->batch / (double)n;
  for (size_t i = 0; i < n; i++) {
    double want = (double)b->batch * rows[i] / (double)b->ns[i] / rate_sum;
    double r = (rows[i] + want) / 2;
    rows[i] = r < even / 2 ? even / 2 : r > even * 1.5 ? even * 1.5 : r;
    total += rows[i];
  }
  /* Scaled back to the batch, every share keeps at least a third of an
   * even one (a team splits rows from 32 each), so the rounded boundaries
   * stay in order. */
  double at = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    at += rows[i] * (double)b->batch / total;
    b->first[i + 1] = (size_t)(at + 0.5);
  }
}

uint64_t gru__balance_clock(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
