/* Read bandwidth of the caches, the yardstick of the batch-1 bounds: each
 * of n threads sums its own buffer over and over (the buffers together the
 * given size), as a step reads its slice of the recurrent weights, and as
 * libgru does it: in the interleaved streams of its row tiles (pass
 * below), every other pass backwards, which is the best order when a
 * buffer is larger than its core's L2.
 *
 * A yardstick is what the machine can do, so the probe keeps the best of
 * a few measurements, each long enough (about 16 GiB read per thread) that
 * starting the threads is noise; a sample taken in a case's rounds reads
 * 4 GiB per thread once. The caller makes sure no other thread
 * spins meanwhile (OpenBLAS's, after a BLAS call): on two cores a third
 * busy thread halved the two-thread figure. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"

/* What every thread of a measurement has: its own buffer of ones, the
 * barrier that starts the timed part, the time it took, and its sums. */
typedef struct worker {
  const float *buf;
  size_t floats;
  pthread_barrier_t *start;
  double seconds;
  float sum;
} worker;

typedef struct reader {
  worker w;
  size_t passes;
} reader;

/* A pass reads n floats at p (n a multiple of BLOCK) as libgru's
 * batch-1 kernel reads its panels (gemm_impl.h's row tiles): cut into as
 * many regions as a row tile has panels, read side by side, a 64-byte
 * line of each in turn, into eight chains of adds (an add's latency is 3
 * to 4 cycles and two pipes run them: fewer chains would measure the
 * latency, not the caches). backwards reads the lines from the last.
 *
 * On a Zen 3, a single stream (one region) read b's and c's weights from
 * L3 at about 120 GB/s on two threads, and four side by side at 155-165,
 * which is what libgru's AVX2 steps reach there: the bound must read as
 * the kernel does. The baseline loop, for CPUs with neither, is one
 * stream of two SSE chains (what the compiler makes of it). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* Eight regions, a zmm line each: AVX-512's row tile of eight panels. */
__attribute__((target("avx512f"))) static float pass512(const float *p, size_t n, bool backwards) {
  enum { R = 8 };
  size_t q = n / R;
  __m512 s[R];
  for (int r = 0; r < R; r++)
    s[r] = _mm512_setzero_ps();
  for (size_t j = 0; j < q; j += 16) {
    size_t i = backwards ? q - 16 - j : j;
    for (int r = 0; r < R; r++)
      s[r] = _mm512_add_ps(s[r], _mm512_load_ps(p + r * q + i));
  }
  for (int r = 1; r < R; r++)
    s[0] = _mm512_add_ps(s[0], s[r]);
  return _mm512_reduce_add_ps(s[0]);
}

/* Four regions, two ymm a line: AVX2's row tile of four panels. */
__attribute__((target("avx2"))) static float pass256(const float *p, size_t n, bool backwards) {
  enum { R = 4 };
  size_t q = n / R;
  __m256 s[2 * R];
  for (int k = 0; k < 2 * R; k++)
    s[k] = _mm256_setzero_ps();
  for (size_t j = 0; j < q; j += 16) {
    size_t i = backwards ? q - 16 - j : j;
    for (int r = 0; r < R; r++) {
      s[2 * r] = _mm256_add_ps(s[2 * r], _mm256_load_ps(p + r * q + i));
      s[2 * r + 1] = _mm256_add_ps(s[2 * r + 1], _mm256_load_ps(p + r * q + i + 8));
    }
  }
  for (int k = 1; k < 2 * R; k++)
    s[0] = _mm256_add_ps(s[0], s[k]);
  float out[8];
  _mm256_storeu_ps(out, s[0]);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

static void cpu_relax(void) { _mm_pause(); }
#else
static void cpu_relax(void) {}
#endif

static float pass_plain(const float *p, size_t n, bool backwards) {
  float s[8] = {0};
  for (size_t j = 0; j < n; j += 8) {
    size_t i = backwards ? n - 8 - j : j;
    for (int k = 0; k < 8; k++)
      s[k] += p[i + k];
  }
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

enum { BLOCK = 1024 };

/* The widest of pass512 and pass256 the CPU has (asked once: CPUID is slow
 * in a VM). */
static float (*pass)(const float *p, size_t n, bool backwards) = pass_plain;

static void *read_all(void *arg) {
  reader *r = arg;
  worker *w = &r->w;
  w->sum += pass(w->buf, w->floats, false); /* warm the cache */
  pthread_barrier_wait(w->start);
  double t0 = bench_now();
  for (size_t i = 0; i < r->passes; i++)
    w->sum += pass(w->buf, w->floats, i % 2);
  w->seconds = bench_now() - t0;
  return NULL;
}

enum { MAX_THREADS = 8 };

/* Runs fn on each of threads records of size bytes from each (the caller's
 * thread takes the first), a worker at the start of each, after giving
 * each worker floats ones; returns the slowest thread's seconds. */
static double run_team(size_t threads, size_t floats, void *each, size_t size,
                       void *(*fn)(void *)) {
#if defined(__x86_64__) && defined(__GNUC__)
  gru_isa isa = gru_cpu_isa();
  if (isa == GRU_ISA_AVX512) pass = pass512;
  if (isa == GRU_ISA_AVX2) pass = pass256;
#endif
  pthread_t id[MAX_THREADS];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  for (size_t t = 0; t < threads; t++) {
    worker *w = (worker *)((char *)each + t * size);
    float *buf = aligned_alloc(64, floats * sizeof(float));
    for (size_t i = 0; i < floats; i++)
      buf[i] = 1.0f;
    *w = (worker){buf, floats, &start, 0.0, 0.0f};
    if (t) pthread_create(&id[t], NULL, fn, w);
  }
  fn(each);
  double slowest = 0;
  for (size_t t = 0; t < threads; t++) {
    worker *w = (worker *)((char *)each + t * size);
    if (t) pthread_join(id[t], NULL);
    if (w->seconds > slowest) slowest = w->seconds;
    free((void *)w->buf);
  }
  pthread_barrier_destroy(&start);
  return slowest;
}

static double measure(size_t bytes, size_t threads, size_t per_thread) {
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  reader r[MAX_THREADS];
  size_t floats = bytes / threads / sizeof(float) / BLOCK * BLOCK;
  size_t passes = per_thread * threads / bytes + 1;
  for (size_t t = 0; t < threads; t++)
    r[t].passes = passes;
  double slowest = run_team(threads, floats, r, sizeof *r, read_all);
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

/* The floor of a batch-1 step (bench.h): the probe's reads, split and met
 * as libgru's threads split and meet. */

enum { LINE_WORDS = 32 }; /* a thread's arrival count on its own 256 bytes */

typedef struct stepper {
  worker w;
  size_t split; /* floats read before the first meeting */
  size_t steps, tid, threads;
  float *state; /* [2][state_floats], shared: each thread writes its share
                   of one half, the halves taking turns (libgru's ping-pong:
                   no thread writes what another may still read) */
  size_t state_floats;
  _Atomic size_t *arrived; /* [threads * LINE_WORDS] */
  size_t count;
} stepper;

/* Writes this thread's share of the state, waits for every thread's, and
 * reads all of it: libgru's exchange of h (and of r * h) at a barrier. */
static void meet(stepper *s) {
  size_t share = s->state_floats / s->threads, e = ++s->count;
  float *state = s->state + e % 2 * s->state_floats;
  for (size_t i = 0; i < share; i++)
    state[s->tid * share + i] = s->w.sum;
  atomic_store_explicit(&s->arrived[s->tid * LINE_WORDS], e, memory_order_release);
  for (size_t t = 0; t < s->threads; t++)
    while (atomic_load_explicit(&s->arrived[t * LINE_WORDS], memory_order_acquire) < e)
      cpu_relax();
  for (size_t i = 0; i < s->state_floats; i += 16) /* a line at a time */
    s->w.sum += state[i] * 1e-30f;
}

/* One step: both parts, every other step backwards, as libgru alternates. */
static void one_step(stepper *s, size_t i) {
  worker *w = &s->w;
  bool back = i % 2;
  if (s->split) {
    w->sum += pass(w->buf, s->split, back);
    meet(s);
  }
  w->sum += pass(w->buf + s->split, w->floats - s->split, back);
  meet(s);
}

static void *step_all(void *arg) {
  stepper *s = arg;
  one_step(s, 0); /* warm the cache */
  pthread_barrier_wait(s->w.start);
  double t0 = bench_now();
  for (size_t i = 0; i < s->steps; i++)
    one_step(s, i + 1);
  s->w.seconds = bench_now() - t0;
  return NULL;
}

double bench_floor_sample(size_t bytes, size_t state, size_t threads, bool two_meetings) {
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  stepper s[MAX_THREADS];
  size_t blocks = bytes / threads / sizeof(float) / BLOCK, floats = blocks * BLOCK;
  size_t steps = ((size_t)2 << 30) / (floats * sizeof(float)) + 1;
  _Atomic size_t *arrived = aligned_alloc(256, threads * LINE_WORDS * sizeof *arrived);
  float *shared = calloc(2 * (state / 16 + 1), 16 * sizeof(float));
  for (size_t t = 0; t < threads; t++) {
    atomic_init(&arrived[t * LINE_WORDS], 0);
    s[t] = (stepper){.split = two_meetings ? blocks * 2 / 3 * BLOCK : 0,
                     .steps = steps,
                     .tid = t,
                     .threads = threads,
                     .state = shared,
                     .state_floats = state,
                     .arrived = arrived};
  }
  double slowest = run_team(threads, floats, s, sizeof *s, step_all);
  free(arrived);
  free(shared);
  return slowest / (double)steps * 1e6;
}
