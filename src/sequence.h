/* sequence.h -- one caller's state and workspace over a layer. */
#ifndef GRU_SEQUENCE_H
#define GRU_SEQUENCE_H

#include "balance.h"
#include "error.h"
#include "gru.h"
#include "layer.h"
#include "memory.h"
#include "pool.h"

/* What one pass (a layer's direction) writes as it goes. */
typedef struct gru__work {
  float *gx; /* [chunk * max_batch][3H]: hoisted input projections of a
                chunk of steps (gru__chunk_steps) */
  float *gh; /* [max_batch][3H]: recurrent projections of one step */
  float *z;  /* [max_batch][H]: z of one step (reset-before) */
  float *rh; /* [max_batch][H]: r * h (reset-before) */
} gru__work;

struct gru_sequence {
  const gru_layer *layer;
  size_t max_batch;
  size_t max_steps;
  size_t chunk;   /* steps of max_batch rows that gx holds */
  size_t batch;   /* batch of the last successful call */
  float *state;   /* [cells][max_batch][H] */
  gru__work work; /* the passes' */
  /* A second, for the reverse pass of a bidirectional layer when the two
   * directions run at once (forward.c): made with the threads, in an
   * allocation of its own (work2_bytes; NULL when there is none). */
  gru__work work2;
  void *work2_mem;
  size_t work2_bytes;
  float *h_alt; /* [max_batch][H]: the state's other half when threads
                   ping-pong (forward.c); packed path only */
  /* Outputs of inner layers of a stack, time-major [max_steps *
   * max_batch][output]: one buffer updated in place for one direction,
   * two used in turn for two (see forward.c); NULL for one layer. */
  float *inner[2];
  size_t bytes;
  size_t threads;      /* GRU_OPT_THREADS */
  size_t spin_us;      /* GRU_OPT_SPIN_US */
  size_t sweep;        /* steps computed, for the direction weights are read in */
  gru__pool *pool;     /* its threads - 1 workers; NULL for one thread */
  gru__balance rows;   /* how its threads split batch rows */
  gru__balance panels; /* how its threads split the units */
  /* The last call's size and its threads' working time, added up: what a
   * call of that size takes on one thread, about (forward.c). */
  size_t last_steps, last_batch;
  uint64_t last_ns;
  char error[GRU__ERROR_SIZE];
};

/* Gives q n threads (1 .. GRU_MAX_THREADS, checked), replacing its pool
 * (and work2) only once the new one runs; on failure q is unchanged. */
gru_status gru__sequence_set_threads(gru_sequence *q, size_t n);

/* Copies the state of rows 0 .. batch-1 of every cell, cell after cell,
 * from or to the floats at bytes, which may have any alignment; load also
 * makes batch the state's batch, and loads zeros when bytes is NULL. The
 * caller checks batch. */
void gru__state_load(gru_sequence *q, size_t batch, const void *bytes);
void gru__state_store(const gru_sequence *q, size_t batch, void *bytes);

/* Reserves (take = false) or carves from a the buffers of a pass's
 * workspace for q's sizes; false on overflow. */
bool gru__work_place(const gru_sequence *q, gru__work *w, gru__arena *a, bool take);

/* Floats of state per (cell, row) block start: state + (c*max_batch+b)*H. */
static inline float *gru__state_row(const gru_sequence *s, size_t cell, size_t row) {
  size_t h = s->layer->weights.shape.hidden;
  return s->state + (cell * s->max_batch + row) * h;
}

/* Rows from which a hoisted product reads the input weights few enough
 * times: each chunk reads all of them once. */
#define GRU__HOIST_ROWS 256

/* Steps per chunk of a run at batch rows: as few as give the hoist
 * GRU__HOIST_ROWS rows, and at most what gx holds. At batch 1 that is
 * hundreds of steps; at large batches one or a few, so that a chunk's
 * projections are still in the core's caches when its steps read them
 * (a chunk of several megabytes went through L3 in between). */
static inline size_t gru__chunk_steps(const gru_sequence *q, size_t batch) {
  size_t want = (GRU__HOIST_ROWS + batch - 1) / batch, fit = q->chunk * q->max_batch / batch;
  return want < fit ? want : fit;
}

#endif
