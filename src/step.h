/* step.h -- one time step of one pass (a layer's direction), for the
 * share of it one thread owns.
 *
 * At small batches threads own slices of whole panels of hidden units
 * (pack.h): their rows of all three gates, for every batch row, so each
 * core reads the same part of the weights at every step and keeps it in
 * its L2. Each computes its outputs' products over the whole previous
 * state, its gates, candidate and update, and its part of the output
 * rows, then meets the others at a barrier (two per step for
 * reset-before, whose candidate needs all of r*h). At large batches, where
 * the products are bound by arithmetic rather than by reading the
 * weights, threads own batch rows instead (all units of them): no state is
 * shared, and no barrier is needed. Which thread computes an output never
 * changes its bits (gemm.h). */
#ifndef GRU_STEP_H
#define GRU_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "forward.h"
#include "pack.h"
#include "pool.h"

/* One direction of one layer over the whole sequence. */
typedef struct gru__pass {
  gru_sequence *q;
  const gru__cell *cell;
  const gru__packed_cell *packed; /* NULL: the products go to BLAS */
  const float *bias;
  const float *bias_hn;
  size_t state_cell;
  gru__rows in;
  gru__rows out;   /* base NULL: no output */
  size_t col;      /* first column of this direction in an output row */
  bool accumulate; /* add to the output (the sum of two directions) */
  bool reverse;
  size_t steps;
  size_t batch;
  const size_t *lengths;
} gru__pass;

/* Rows per thread from which a team splits the batch rather than the
 * units: by then one thread's rows take several times longer to multiply
 * by all the recurrent weights than to read them from L3. */
#define GRU__SPLIT_ROWS 32

static inline bool gru__split_rows(size_t batch, size_t threads) {
  return threads > 1 && batch >= GRU__SPLIT_ROWS * threads;
}

/* Where the hoisted input projections of chunk-relative step tt, row b
 * lie: q->gx + (tt*t_step + b*b_step) * 3H. */
typedef struct gru__hoisted {
  size_t t_step;
  size_t b_step;
} gru__hoisted;

/* Computes the input projections of steps t0 .. t0+n-1 into q->gx for
 * team->tid's share of units and rows, in one product when those rows are
 * evenly spaced in memory (time-major, or the whole sequence batch-major),
 * else one per step or batch row; every thread of the team calls it and
 * gets the same layout. The packed path runs libgru's kernels on the packed
 * input weights (each thread its own share, so its steps need no barrier
 * to use them); the BLAS path, a team of one, one large sgemm. */
gru__hoisted gru__hoist(const gru__pass *p, size_t t0, size_t n, const gru__team *team);

/* Where one step reads and writes. */
typedef struct gru__step_io {
  size_t t;         /* time index within the pass */
  const float *gx;  /* row 0's hoisted input projections, or NULL: the
                       step computes them (a streaming step, packed path) */
  size_t gx_stride; /* floats between two rows' projections */
  const float *h;   /* the state before the step, [batch][H] */
  float *h_next;    /* the state after it; may be h unless the team splits
                       the units (gru__split_rows) */
  bool backwards;   /* read the weights in reverse (alternates per step) */
} gru__step_io;

/* Runs the step for team->tid's slice of units; every thread of the team
 * calls it. A team of one on the BLAS path calls BLAS for the products. */
void gru__step(const gru__pass *p, const gru__step_io *io, const gru__team *team);

#endif
