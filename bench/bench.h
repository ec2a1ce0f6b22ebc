/* bench.h -- what gru-bench's parts share: the configurations, one case
 * (a configuration, a variant and its data), and the peer interface each
 * implementation under test fills in. */
#ifndef GRU_BENCH_H
#define GRU_BENCH_H

#include <gru.h>
#include <stdbool.h>
#include <stddef.h>

/* A standard configuration (issue 4): single layer, float32. A streaming
 * configuration makes steps calls of one step each instead of one run. */
typedef struct bench_config {
  const char *name;
  size_t input, hidden, batch, steps;
  bool streaming;
  bool denormal;    /* inputs scaled into the denormal range */
  const char *note; /* what the configuration is for */
} bench_config;

/* One configuration of one variant: the weights (held by a libgru layer,
 * from which each peer reads them in its own layout), the input
 * x [steps][batch][input] and the initial state (zero). */
typedef struct bench_case {
  const bench_config *cfg;
  gru_variant variant;
  const gru_layer *layer;
  const float *x;
} bench_case;

/* Floats of output of one whole case: [steps][batch][hidden]. */
static inline size_t bench_out_floats(const bench_case *c) {
  return c->cfg->steps * c->cfg->batch * c->cfg->hidden;
}

/* An implementation under test. open() prepares a case for threads
 * threads and writes the settings it runs with into note; it returns NULL
 * (with why in note) if it cannot run that case. run() computes the whole
 * case from the zero state and returns the seconds it took (setup
 * excluded); it writes every step's output into y at least on its first
 * call, which is the one checked. bytes() reports what it holds
 * (0 if unknown). */
typedef struct bench_peer {
  const char *impl; /* the JSON "impl" */
  void *(*open)(const bench_case *c, size_t threads, char *note, size_t note_size);
  double (*run)(void *ctx, const bench_case *c, float *y);
  void (*close)(void *ctx);
  size_t (*layer_bytes)(void *ctx);
  size_t (*sequence_bytes)(void *ctx);
} bench_peer;

extern const bench_peer bench_libgru;            /* the packed path (default) */
extern const bench_peer bench_libgru_blas;       /* GRU_PRODUCTS_BLAS */
extern const bench_peer bench_libgru_after_blas; /* libgru right after a BLAS call */
extern const bench_peer bench_reference;         /* plain C, no BLAS, one thread */
extern const bench_peer bench_onednn;            /* oneDNN's vanilla_gru / lbr_gru */
extern const bench_peer bench_torch;             /* PyTorch nn.GRU / nn.GRUCell */

/* OpenBLAS's sgemm on 2048^3 in GFLOP/s, with its own threads. */
double bench_sgemm_peak(void);

/* The same, as a sample taken in one round of a case (gru_bench.c): the
 * better of two runs after a warm-up, on the threads OpenBLAS has. */
double bench_sgemm_sample(void);

/* OpenBLAS's sgemm, C[m][n] = A[m][k] . B^T with B's rows ldb floats apart
 * (libgru's hoist), or untransposed B[k][n] for ldb 0, in GFLOP/s. */
double bench_sgemm_rate(size_t m, size_t n, size_t k, size_t ldb);

/* One sgemm of 512^3 on OpenBLAS's threads, as an application might make
 * between two libgru calls: OpenBLAS's threads then poll for a while. */
void bench_blas_call(void);

/* Gives OpenBLAS n threads (openblas_set_num_threads; nothing for another
 * BLAS). The bench, as the application, does this per thread count so
 * that libgru's hoisted input projection and the BLAS path run on the
 * same number of threads as the other peers. libgru itself never does. */
void bench_blas_threads(size_t n);

/* GB/s that threads threads read together from buffers of bytes in all
 * (each its own share, read over and over): the best of three long
 * measurements. Call it while no other thread of the process spins. */
double bench_read_bandwidth(size_t bytes, size_t threads);

/* One shorter measurement of the same (4 GiB per thread), as a sample
 * taken in one round of a case. */
double bench_read_sample(size_t bytes, size_t threads);

/* The floor of a batch-1 step, in microseconds: threads threads each read
 * their share of bytes (the step's weights) with the probe's loop, and
 * meet as libgru's threads do, writing their share of a state of state
 * floats and reading all of it: twice a step (two_meetings: reset-before,
 * after two thirds of the reads and at the end) or once. Nothing else: no
 * arithmetic but the sums, no hoist. One measurement, 2 GiB read per
 * thread. */
double bench_floor_sample(size_t bytes, size_t state, size_t threads, bool two_meetings);

/* Seconds on a monotonic clock. */
double bench_now(void);

/* n floats, uniform in [-scale/2, scale/2), the same for the same seed;
 * exits with a message if memory runs out. */
float *bench_values(size_t n, unsigned seed, float scale);

typedef struct bench_stats {
  double median, min, max;
} bench_stats;

/* The median, minimum and maximum of values[0..n-1] (n at least 1),
 * which it sorts. */
bench_stats bench_stats_of(double *values, size_t n);

/* Exits with a message when OPENBLAS_CORETYPE names a core whose
 * instructions this CPU lacks (SKYLAKEX without AVX-512): OpenBLAS runs the
 * core it is told to without asking, and the first sgemm would stop the
 * bench with SIGILL. */
void bench_check_blas_core(void);

/* A float tensor of the case's layer in a format, malloc'ed (the caller
 * frees it); exits on failure. */
float *bench_tensor(const gru_layer *layer, gru_format format, const char *name, size_t *count);

#endif
