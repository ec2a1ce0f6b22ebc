/* hoist.h -- a chunk's input projections, W_x . x for each of its steps,
 * computed apart from the recurrence: before the chunk's steps, or, at
 * batch 1 on a team, ahead of them in pieces, while a thread waits at a
 * step's barrier.
 *
 * At batch 1 the steps are bound by reading the recurrent weights, and
 * each barrier leaves the thread that arrives first idle until the other
 * comes, about a microsecond a step on this machine, more when a thread
 * loses its core for a while. The hoist is arithmetic on weights that stay
 * in L2 next to the recurrent ones; done in those idle spells it costs
 * nothing. Each piece is a product with its own rows, so the bits are
 * those of the whole hoist in one product (gemm.h). */
#ifndef GRU_HOIST_H
#define GRU_HOIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pass.h"

/* Where the hoisted input projections of chunk-relative step tt, row b
 * lie: p->w->gx + (tt*t_step + b*b_step) * 3H. */
typedef struct gru__hoisted {
  size_t t_step;
  size_t b_step;
  bool shared; /* threads wrote each other's: a barrier before the steps */
} gru__hoisted;

/* One thread's hoist still to do: pieces of up to GRU__AHEAD_ROWS steps
 * by a few panels of one gate, in the order the steps need them. */
typedef struct gru__ahead {
  const gru__pass *p;
  size_t t0, n;  /* the chunk */
  size_t p0, p1; /* the thread's panels */
  size_t groups; /* pieces per gate per block of rows */
  size_t done;   /* pieces computed */
  size_t total;  /* pieces in all; 0 when the hoist was done at once */
} gru__ahead;

/* Rows (steps) of a piece: one tile of rows of the AVX-512 kernels. */
#define GRU__AHEAD_ROWS 8

/* A hoist that a team splitting units does at once, before the steps,
 * shared out: each thread starts on a list of pieces over its own panels
 * (so it reads its own input weights), and one that has finished its list
 * takes pieces from the end of the others'. The threads then finish
 * together although one started late (a parked worker is slow to wake)
 * or ran slower; each on its own, either had often waited for the other
 * at the first barrier. */
typedef struct gru__shared_hoist {
  bool on; /* the team hoists this chunk this way */
  /* Per thread, its pieces not yet taken: first | end << 32. The owner
   * takes the first, the others the last. */
  _Atomic uint64_t left[GRU_MAX_THREADS];
} gru__shared_hoist;

/* Sets *sh up for the chunk of steps t0 .. t0+n-1 on a team of threads
 * (before the team starts: the others read it). sh->on is false when the
 * team hoists each thread's share on its own (hoist below). */
void gru__shared_hoist_init(gru__shared_hoist *sh, const gru__pass *p, size_t n, size_t threads);

/* Computes the input projections of steps t0 .. t0+n-1 into p->w->gx for
 * team->tid's share of units and rows, in one product when those rows are
 * evenly spaced in memory (time-major, or the whole sequence batch-major),
 * else one per step or batch row; every thread of the team calls it and
 * gets the same layout. The packed path runs libgru's kernels on the packed
 * input weights (each thread its own share, so its steps need no barrier
 * to use them); the BLAS path, a team of one, one large sgemm.
 *
 * At batch 1, on a team splitting units, when a thread's share of the
 * weights, input and recurrent, is at most the layer's ahead_bytes (half
 * a core's L2; with more, the input weights, read again for each piece,
 * would push the recurrent ones out of L2), it computes only the pieces of
 * the first GRU__AHEAD_ROWS steps and leaves the rest in *ahead (total >
 * done): the caller must then call gru__ahead_until() before each step
 * and may call gru__ahead_piece() while it waits. Otherwise ahead->total
 * is 0. With sh->on, the team shares the hoist out (gru__shared_hoist)
 * and must meet at a barrier before the steps read it. */
gru__hoisted gru__hoist(const gru__pass *p, size_t t0, size_t n, const gru__team *team,
                        gru__ahead *ahead, gru__shared_hoist *sh);

/* Computes one more piece of the gru__ahead at a; false if none was left
 * (a gru__idle_fn, pool.h). */
bool gru__ahead_piece(void *a);

/* Computes pieces until the chunk's step i, counted in the order the
 * steps run, has its projections. */
void gru__ahead_until(gru__ahead *a, size_t i);

/* c[r][j] = W_x . a[r] for rows r < rows of inputs a [rows][lda] and the
 * share's units j of all three gates: own kernels on the packed input
 * weights, or for the BLAS path, BLAS on the input columns. backwards
 * reads the gates and panels in reverse (gemm.h). */
void gru__input_products(const gru__pass *p, const float *a, size_t lda, size_t rows, float *c,
                         const gru__share *s, bool backwards);

#endif
