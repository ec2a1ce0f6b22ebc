/* report.h -- gru-bench's output: a table per case, or JSON lines. */
#ifndef GRU_BENCH_REPORT_H
#define GRU_BENCH_REPORT_H

#include "bench.h"

/* One peer of one case and thread count, and its timed rounds. */
typedef struct bench_entry {
  const bench_peer *peer;
  void *ctx; /* NULL: the peer cannot run this case (note says why) */
  char note[200];
  double *seconds; /* [reps] */
  bool valid;      /* its outputs matched the reference */
} bench_entry;

/* A yardstick sampled once in every round of a case, beside the peers, so
 * that a ratio to it compares the same moments of a machine whose speed
 * drifts: OpenBLAS's sgemm on 2048^3 at large batches, the read probe
 * over the weights a step reads at batch 1. */
typedef struct bench_yard {
  enum { BENCH_YARD_NONE, BENCH_YARD_SGEMM, BENCH_YARD_READ } kind;
  size_t bytes;  /* read: the weights a step reads */
  double *rates; /* [reps]: GFLOP/s or GB/s */
  /* read, whole sequences: the floor of a step (bench_floor_sample()) over
   * the same weights, a state of H floats, and the variant's meetings */
  double *floor_us; /* [reps], or NULL */
  size_t state;
  bool two_meetings;
} bench_yard;

/* With peak, measures OpenBLAS's sgemm first (bench_sgemm_peak()), and
 * every row then says what fraction of it its GFLOP/s are; report_end()
 * measures it again. */
void report_start(bool json, int reps, bool peak);
/* A read-bandwidth yardstick: threads reading bytes in all (probe.c), the
 * weights a step of configuration name reads. */
void report_read(bool json, const char *name, size_t bytes, size_t threads, double gbps);

/* An sgemm yardstick: the hoisted input projection's shape of configuration
 * name. */
void report_sgemm(bool json, const char *name, size_t m, size_t n, size_t k, double gflops);

/* The case's table (or JSON lines) and, unless y is of kind
 * BENCH_YARD_NONE, its yardstick's samples and libgru's ratio to them. */
void report_group(bool json, const bench_case *c, size_t threads, const bench_entry *e, size_t n,
                  const bench_yard *y, int reps);
void report_end(bool json);

#endif
