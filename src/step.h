/* step.h -- one time step of one pass (a layer's direction), for the
 * share of it one thread owns (pass.h).
 *
 * A thread that owns units computes its outputs' products over the whole
 * previous state, its gates, candidate and update, and its part of the
 * output rows, then meets the others at a barrier (two per step for
 * reset-before, whose candidate needs all of r*h). Threads that own batch
 * rows share no state and need no barrier. */
#ifndef GRU_STEP_H
#define GRU_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "hoist.h"
#include "pass.h"

/* Where one step reads and writes. */
typedef struct gru__step_io {
  size_t t;          /* time index within the pass */
  const float *gx;   /* row 0's hoisted input projections, or NULL: the
                        step computes them (a streaming step, packed path) */
  size_t gx_stride;  /* floats between two rows' projections */
  const float *h;    /* the state before the step, [batch][H] */
  float *h_next;     /* the state after it; may be h unless the team splits
                        the units (gru__split_rows) */
  bool backwards;    /* read the weights in reverse (alternates per step) */
  gru__ahead *ahead; /* the thread's hoist still to do, or NULL (hoist.h): it
                        works on it while it waits at the step's barriers */
  size_t next;       /* the chunk's next step in run order, whose input
                        projections must be done before this step ends */
} gru__step_io;

/* Runs the step for team->tid's slice of units; every thread of the team
 * calls it. A team of one on the BLAS path calls BLAS for the products. */
void gru__step(const gru__pass *p, const gru__step_io *io, const gru__team *team);

#endif
