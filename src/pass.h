/* pass.h -- one direction of one layer over a sequence, and the share of
 * it each thread of a team owns.
 *
 * At small batches threads own slices of whole panels of hidden units
 * (pack.h): their rows of all three gates, for every batch row, so each
 * core reads the same part of the weights at every step and keeps it in
 * its L2. At large batches, where the products are bound by arithmetic
 * rather than by reading the weights, threads own batch rows instead (all
 * units of them): no state is shared. Which thread computes an output
 * never changes its bits (gemm.h). */
#ifndef GRU_PASS_H
#define GRU_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forward.h"
#include "pack.h"
#include "pool.h"

/* One direction of one layer over the whole sequence. */
typedef struct gru__pass {
  gru_sequence *q;
  gru__work *w; /* its workspace: the sequence's, or work2 (sequence.h) */
  size_t sweep; /* the sequence's steps before the pass (forward.c) */
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
  /* Thread i owns items [first[i], first[i+1]): batch rows when the team
   * splits rows, panels when it splits the units; NULL: an even split of
   * the panels. */
  const size_t *first;
  uint64_t ns; /* its threads' working time, added up (forward.c) */
} gru__pass;

/* Rows per thread from which a team splits the batch rather than the
 * units: by then one thread's rows take several times longer to multiply
 * by all the recurrent weights than to read them from L3. */
#define GRU__SPLIT_ROWS 32
/* Where a cell's recurrent weights fit in half a core's L2, each thread
 * that takes rows reads all of them from its own L2, and the state, which
 * threads splitting the units pass between the cores at every step, stays
 * on one core: rows are split from a row per GRU__ROW_BYTES of recurrent
 * weights (about what a core reads from its L2 in the microsecond a
 * step's barrier and the state's trip between cores take here), and from
 * GRU__SPLIT_ROWS_IN_L2 rows at most. docs/threading.md has the paired
 * runs that set both. */
#define GRU__ROW_BYTES ((size_t)96 << 10)
#define GRU__SPLIT_ROWS_IN_L2 8

/* Bytes of a cell's recurrent weights. */
static inline size_t gru__recurrent_bytes(const gru_layer *l) {
  size_t h = l->weights.shape.hidden;
  return 3 * h * h * sizeof(float);
}

/* Whether they fit in half a core's L2 (false where its size is unknown). */
static inline bool gru__recurrent_in_l2(const gru_layer *l) {
  return gru__recurrent_bytes(l) <= l->ahead_bytes;
}

/* Rows per thread from which a team splits the pass's batch rows. */
static inline size_t gru__split_rows_from(const gru__pass *p) {
  const gru_layer *l = p->q->layer;
  if (!gru__recurrent_in_l2(l)) return GRU__SPLIT_ROWS;
  size_t rows = (gru__recurrent_bytes(l) + GRU__ROW_BYTES - 1) / GRU__ROW_BYTES;
  return rows < GRU__SPLIT_ROWS_IN_L2 ? rows : GRU__SPLIT_ROWS_IN_L2;
}

/* Whether a team of threads splits the pass's batch rows. */
static inline bool gru__split_rows(const gru__pass *p, size_t threads) {
  return threads > 1 && p->batch >= gru__split_rows_from(p) * threads;
}

/* Whether the two directions of the layer's bidirectional cells run at
 * once, a thread each, when a sequence has two threads (forward.c): their
 * outputs are apart (not summed), and a core holds a cell's recurrent
 * weights in half its L2, so a thread running a direction alone reads
 * them from its own L2 and meets the other only at the end of a layer. */
static inline bool gru__directions_at_once(const gru_layer *l) {
  return l->packed && l->weights.shape.direction == GRU_BIDIRECTIONAL && gru__recurrent_in_l2(l);
}

/* What one thread computes: hidden units [u0, u1) (their panels [p0, p1))
 * of batch rows [r0, r1). */
typedef struct gru__share {
  size_t u0, u1, p0, p1;
  size_t r0, r1;
  bool rows; /* the team splits rows, not units: nothing is shared */
} gru__share;

/* Thread tid's share: contiguous, its rows or panels from first[] (or as
 * even as panels allow); empty when there are more threads than panels. */
static inline gru__share gru__slice(const gru__pass *p, const gru__team *team) {
  size_t h = p->q->layer->weights.shape.hidden, panels = gru__panel_count(h), b = p->batch;
  size_t tid = team->tid, n = team->threads;
  if (gru__split_rows(p, n))
    return (gru__share){0, h, 0, panels, p->first[tid], p->first[tid + 1], true};
  size_t p0 = p->first ? p->first[tid] : panels * tid / n,
         p1 = p->first ? p->first[tid + 1] : panels * (tid + 1) / n;
  size_t u1 = p1 * GRU__PANEL < h ? p1 * GRU__PANEL : h;
  return (gru__share){p0 * GRU__PANEL, u1, p0, p1, 0, b, false};
}

#endif
