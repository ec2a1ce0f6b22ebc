/* step.h -- one time step of one pass (a layer's direction), for the
 * hidden units one thread owns.
 *
 * Threads own slices of whole panels of hidden units (pack.h): their rows
 * of all three gates, for every batch row. Each computes its outputs'
 * products over the whole previous state, its gates, candidate and
 * update, and its part of the output rows, then meets the others at a
 * barrier (two per step for reset-before, whose candidate needs all of
 * r*h). Which thread computes a unit never changes its bits (gemm.h). */
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

/* Where the hoisted input projections of chunk-relative step tt, row b
 * lie: q->gx + (tt*t_step + b*b_step) * 3H. */
typedef struct gru__hoisted {
  size_t t_step;
  size_t b_step;
} gru__hoisted;

/* Computes the input projections of steps t0 .. t0+n-1 of every row into
 * q->gx for team->tid's slice of units, in one product when those rows are
 * evenly spaced in memory (time-major, or the whole sequence batch-major),
 * else one per batch row; every thread of the team calls it and gets the
 * same layout. The packed path runs libgru's kernels on the packed input
 * weights (each thread its own units, so its steps need no barrier to use
 * them); the BLAS path, a team of one, one large sgemm. */
gru__hoisted gru__hoist(const gru__pass *p, size_t t0, size_t n, const gru__team *team);

/* Where one step reads and writes. */
typedef struct gru__step_io {
  size_t t;         /* time index within the pass */
  const float *gx;  /* row 0's hoisted input projections, or NULL: the
                       step computes them (a streaming step, packed path) */
  size_t gx_stride; /* floats between two rows' projections */
  const float *h;   /* the state before the step, [batch][H] */
  float *h_next;    /* the state after it; may be h for a team of one */
  bool backwards;   /* read the weights in reverse (alternates per step) */
} gru__step_io;

/* Runs the step for team->tid's slice of units; every thread of the team
 * calls it. A team of one on the BLAS path calls BLAS for the products. */
void gru__step(const gru__pass *p, const gru__step_io *io, const gru__team *team);

#endif
