/* Time, the summary of timed rounds and test data (bench.h): what
 * gru-bench, gru-ab and gru-kernels share, without libgru, which gru-ab
 * loads itself. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
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

float *bench_values(size_t n, unsigned seed, float scale) {
  float *v = malloc(n * sizeof *v);
  if (!v) {
    fputs("out of memory\n", stderr);
    exit(1);
  }
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * scale;
  }
  return v;
}
