/* balance.h -- how a team divides its items, batch rows or panels of
 * hidden units (pass.h): in proportion to the items each thread got
 * through per second of work in the chunks before.
 *
 * Cores are not always equal: on a shared or virtual machine one may run
 * slower than the other for minutes (seen on this project's machine),
 * and hybrid CPUs have slow cores by design. An even split
 * then leaves the fast thread idle at the end of each chunk, or at every
 * barrier when the threads split the units. Which thread computes an
 * output never changes its bits (gemm.h), so the split may follow the
 * clock. */
#ifndef GRU_BALANCE_H
#define GRU_BALANCE_H

#include <stddef.h>
#include <stdint.h>

#include "gru.h"

/* Items per thread below which a split stays even: a panel is then too
 * large a step for the split to follow the rates. */
#define GRU__BALANCE_MIN 4

typedef struct gru__balance {
  size_t items, threads;             /* what first[] is for; 0: not set */
  size_t first[GRU_MAX_THREADS + 1]; /* thread i owns items [first[i], first[i+1]) */
  double share[GRU_MAX_THREADS];     /* the split before it is rounded to items */
  uint64_t ns[GRU_MAX_THREADS];      /* each thread's working time in the last chunk */
} gru__balance;

/* Keeps the split learnt for these items and team size, or starts an even
 * one. */
void gru__balance_start(gru__balance *b, size_t items, size_t threads);

/* Moves each share halfway towards the thread's rate in the chunk just
 * timed (ns), kept within half an even share of an even one, and rounds
 * the shares, scaled back to the items, to whole items: so each keeps
 * between a third of an even share and three times one. With fewer than
 * GRU__BALANCE_MIN items per thread it keeps the even split. */
void gru__balance_update(gru__balance *b);

#endif
