/* Time and the summary of timed rounds (bench.h): what gru-bench and
 * gru-ab share, without libgru, which gru-ab loads itself. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

bench_stats bench_stats_of(double *values, size_t n) {
  qsort(values, n, sizeof *values, by_value);
  double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return (bench_stats){median, values[0], values[n - 1]};
}

double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
