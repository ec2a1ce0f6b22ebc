/* balance.h -- how a team that splits the batch rows (pass.h) divides
 * them: in proportion to the rows each thread got through per second in
 * the chunks before.
 *
 * Cores are not always equal: on a shared or virtual machine one may run
 * slower than the other for minutes (seen on this project's machine),
 * and hybrid CPUs have slow cores by design. An even split
 * then leaves the fast thread idle at the end of each chunk. Which thread
 * computes a row never changes its bits (gemm.h), so the split may follow
 * the clock. */
#ifndef GRU_BALANCE_H
#define GRU_BALANCE_H

#include <stddef.h>
#include <stdint.h>

#include "gru.h"

typedef struct gru__balance {
  size_t batch, threads;             /* what first[] is for; 0: not set */
  size_t first[GRU_MAX_THREADS + 1]; /* thread i owns rows [first[i], first[i+1]) */
  uint64_t ns[GRU_MAX_THREADS];      /* each thread's time on its rows in the last chunk */
} gru__balance;

/* Keeps the split learnt for this batch and team size, or starts an even
 * one. */
void gru__balance_start(gru__balance *b, size_t batch, size_t threads);

/* Moves the split halfway towards each thread's rate in the chunk just
 * timed (ns), each share kept within half an even share of an even one
 * before the shares are scaled back to the batch: so between a third of
 * an even share and three. */
void gru__balance_update(gru__balance *b);

/* Nanoseconds on a monotonic clock: read at the start and the end of each
 * thread's chunk, never inside its steps. */
uint64_t gru__balance_clock(void);

#endif
