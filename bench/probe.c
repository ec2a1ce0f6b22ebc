/* Read bandwidth of the caches, the yardstick of the batch-1 bounds: each
 * of n threads sums its own buffer over and over (the buffers together the
 * given size), as a step reads its slice of the recurrent weights, and as
 * libgru does it: every other pass backwards (in 4 KiB blocks), which is
 * the best order when a buffer is larger than its core's L2.
 *
 * A yardstick is what the machine can do, so the probe keeps the best of
 * a few measurements, each long enough (about 16 GiB read per thread) that
 * starting the threads is noise; a sample taken in a case's rounds reads
 * 4 GiB per thread once. The caller makes sure no other thread
 * spins meanwhile (OpenBLAS's, after a BLAS call): on two cores a third
 * busy thread halved the two-thread figure. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

#include "bench.h"

typedef struct reader {
  const float *buf;
  size_t floats, passes;
  float sum;
  pthread_barrier_t *start;
  double seconds;
} reader;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static float sum512(const float *p, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i + 64 <= n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_load_ps(p + i));
    s1 = _mm512_add_ps(s1, _mm512_load_ps(p + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_load_ps(p + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_load_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}
#endif

static float sum_plain(const float *p, size_t n) {
  float s[8] = {0};
  for (size_t i = 0; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      s[k] += p[i + k];
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

enum { BLOCK = 1024 };

/* sum512 where the CPU has it (asked once: CPUID is slow in a VM). */
static float (*sum)(const float *p, size_t n) = sum_plain;

static float pass(const float *p, size_t n, bool backwards) {
  float s = 0;
  for (size_t b = 0; b < n / BLOCK; b++)
    s += sum(p + (backwards ? n / BLOCK - 1 - b : b) * BLOCK, BLOCK);
  return s;
}

static void *read_all(void *arg) {
  reader *r = arg;
  r->sum += pass(r->buf, r->floats, false); /* warm the cache */
  pthread_barrier_wait(r->start);
  double t0 = bench_now();
  for (size_t i = 0; i < r->passes; i++)
    r->sum += pass(r->buf, r->floats, i % 2);
  r->seconds = bench_now() - t0;
  return NULL;
}

static double measure(size_t bytes, size_t threads, size_t per_thread) {
  enum { MAX = 8 };
#if defined(__x86_64__) && defined(__GNUC__)
  if (gru_cpu_isa() == GRU_ISA_AVX512) sum = sum512;
#endif
  if (threads > MAX) threads = MAX;
  pthread_t id[MAX];
  reader r[MAX];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  size_t floats = bytes / threads / sizeof(float) / BLOCK * BLOCK;
  size_t passes = per_thread * threads / bytes + 1;
  for (size_t t = 0; t < threads; t++) {
    float *buf = aligned_alloc(64, floats * sizeof(float));
    for (size_t i = 0; i < floats; i++)
      buf[i] = 1.0f;
    r[t] = (reader){buf, floats, passes, 0.0f, &start, 0.0};
    if (t) pthread_create(&id[t], NULL, read_all, &r[t]);
  }
  read_all(&r[0]);
  double slowest = r[0].seconds;
  for (size_t t = 0; t < threads; t++) {
    if (t) pthread_join(id[t], NULL);
    if (r[t].seconds > slowest) slowest = r[t].seconds;
    free((void *)r[t].buf);
  }
  pthread_barrier_destroy(&start);
  return (double)(floats * sizeof(float) * threads * passes) / slowest / 1e9;
}

double bench_read_bandwidth(size_t bytes, size_t threads) {
  enum { TRIES = 3 };
  double best = 0;
  for (int i = 0; i < TRIES; i++) {
    double gbs = measure(bytes, threads, (size_t)16 << 30);
    if (gbs > best) best = gbs;
  }
  return best;
}

double bench_read_sample(size_t bytes, size_t threads) {
  return measure(bytes, threads, (size_t)4 << 30);
}
