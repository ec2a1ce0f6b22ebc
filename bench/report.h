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

void report_group(bool json, const bench_case *c, size_t threads, const bench_entry *e, size_t n,
                  int reps);
void report_end(bool json);

#endif
