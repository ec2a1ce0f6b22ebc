/* gru-bench -- libgru against its peers, in the same run (issue 4).
 *
 * For each configuration, variant and thread count, every peer that can
 * run the case (bench.h) is set up, run once, and checked against the
 * plain-C reference (max |difference| <= 1e-4); then the peers are timed
 * in interleaved rounds, so a disturbance of the machine hits them alike.
 * Each figure is the median and min-max of the rounds (at least 7) after
 * that warm-up run, in microseconds per step (per call when streaming).
 *
 *   gru-bench [--json] [--config a,b,...|all|sweep] [--threads 1,2]
 *             [--variant before|after] [--impl libgru,onednn,...]
 *             [--reps N] [--gap-ms N] [--quick]
 *
 * --json prints one JSON object per line (fields in bench/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "report.h"

static const bench_config standard[] = {
    {"a", 256, 256, 1, 200, false, false, "batch 1, weights in the cores' L2"},
    {"b", 512, 512, 1, 200, false, false, "batch 1, weights in two 2 MiB L2s together"},
    {"c", 1024, 1024, 1, 100, false, false, "batch 1, weights in L3"},
    {"d", 512, 512, 64, 100, false, false, "large batch"},
    {"e", 256, 256, 256, 50, false, false, "large batch"},
    {"f", 512, 512, 1, 1000, true, false, "streaming: one step per call"},
    {"g", 256, 256, 1, 200, false, true, "a with denormal inputs"},
};

/* The plot's points (bench/plot.sh): B = 1 over H, and H = 512 over B. */
static const size_t sweep_h[] = {64, 128, 256, 384, 512, 768, 1024, 1536, 2048};
static const size_t sweep_b[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
enum { N_SWEEP = 18 };
static bench_config sweep[N_SWEEP];
static char sweep_names[N_SWEEP][16];

static void make_sweep(void) {
  for (size_t i = 0; i < 9; i++) {
    size_t h = sweep_h[i], b = sweep_b[i];
    snprintf(sweep_names[i], 16, "h%zu", h);
    sweep[i] = (bench_config){sweep_names[i],      h,     h,     1,
                              h > 1024 ? 50 : 100, false, false, "sweep over H at B = 1"};
    snprintf(sweep_names[9 + i], 16, "b%zu", b);
    sweep[9 + i] = (bench_config){sweep_names[9 + i], 512,   512,   b,
                                  b > 32 ? 50 : 100,  false, false, "sweep over B at H = 512"};
  }
}

static const bench_peer *const peers[] = {
    &bench_libgru,    &bench_libgru_blas, &bench_libgru_after_blas,
    &bench_reference, &bench_onednn,      &bench_torch};
enum { N_PEERS = sizeof peers / sizeof peers[0] };

typedef struct options {
  bool json, quick, sweep; /* sweep: --config sweep, the plot's points */
  const char *configs, *impls, *variant;
  size_t threads[4], n_threads;
  int reps, gap_ms;
} options;

static bool listed(const char *list, const char *name) {
  if (!list) return true;
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return true;
  return false;
}

static void usage(void) {
  fputs(
      "usage: gru-bench [--json] [--config a,b,...|all|sweep] [--threads 1,2]\n"
      "                 [--variant before|after] [--impl libgru,libgru-blas,libgru-after-blas,"
      "reference,"
      "onednn,torch]\n"
      "                 [--reps N] [--gap-ms N] [--quick]\n",
      stderr);
  exit(2);
}

static options parse(int argc, char **argv) {
  options o = {.threads = {1, 2}, .n_threads = 2, .reps = 7, .gap_ms = 20};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json"))
      o.json = true;
    else if (!strcmp(a, "--quick"))
      o.quick = true;
    else if (!v)
      usage();
    else if (!strcmp(a, "--config") && ++i)
      o.configs = strcmp(v, "all") ? v : NULL;
    else if (!strcmp(a, "--impl") && ++i)
      o.impls = v;
    else if (!strcmp(a, "--variant") && ++i)
      o.variant = v;
    else if (!strcmp(a, "--reps") && ++i)
      o.reps = atoi(v);
    else if (!strcmp(a, "--gap-ms") && ++i)
      o.gap_ms = atoi(v);
    else if (!strcmp(a, "--threads") && ++i) {
      o.n_threads = 0;
      for (char *p = (char *)v; *p && o.n_threads < 4; p += *p == ',')
        o.threads[o.n_threads++] = strtoul(p, &p, 10);
    } else
      usage();
  }
  if (o.reps < 7) o.reps = 7; /* the minimum */
  if (o.quick) {
    o.configs = "a";
    o.impls = "libgru,reference";
    o.threads[0] = 1;
    o.n_threads = 1;
  }
  o.sweep = o.configs && !strcmp(o.configs, "sweep");
  return o;
}

/* Uniform in [-scale, scale), from a fixed seed: the same data every run. */
static void fill(float *p, size_t n, uint64_t seed, float scale) {
  for (size_t i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    p[i] = scale * ((float)(seed >> 40) / (float)(1u << 23) - 1.0f);
  }
}

/* A layer with PyTorch's initialisation scale, 1/sqrt(H), biases included. */
static gru_layer *make_layer(const bench_config *g, gru_variant v) {
  static const char *const names[] = {"W_r", "W_z", "W_h", "b_r", "b_z", "b_h", "b_hn"};
  size_t h = g->hidden, cols = g->hidden + g->input;
  float scale = 1.0f / sqrtf((float)h), *t = malloc(h * cols * sizeof *t);
  gru_builder *b;
  gru_layer *l = NULL;
  gru_builder_create(&b);
  gru_builder_set_shape(b, v, GRU_FORWARD, 1, g->input, h);
  for (size_t i = 0; i < (v == GRU_RESET_AFTER ? 7u : 6u); i++) {
    size_t shape[2] = {h, cols};
    fill(t, i < 3 ? h * cols : h, 100 + i, scale);
    gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, names[i], t, i < 3 ? 2 : 1, shape);
  }
  if (gru_builder_build(b, &l) != GRU_OK) {
    fprintf(stderr, "gru-bench: %s\n", gru_builder_error(b));
    exit(1);
  }
  gru_builder_destroy(b);
  free(t);
  return l;
}

/* Whether peer p takes part in the run. */
static bool takes_part(const options *o, const bench_peer *p) { return listed(o->impls, p->impl); }

/* Sleeps between two peers' runs, so that the thread pools the last one
 * left spinning (OpenMP's, OpenBLAS's, libgru's) have gone idle before the
 * next one starts and do not take its cores: --gap-ms, or 150 ms after a
 * peer that leaves OpenBLAS polling. */
static void pause_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

typedef bench_entry entry;

/* Opens the peers for one thread count, runs each once (warm-up) and
 * checks it against the judge's outputs; returns how many will be timed. */
static size_t open_all(const options *o, const bench_case *c, size_t threads, const float *judge,
                       float *y, entry *e) {
  size_t n = 0;
  for (size_t i = 0; i < N_PEERS; i++) {
    if (!takes_part(o, peers[i])) continue;
    entry *x = &e[n++];
    *x = (entry){.peer = peers[i]};
    x->ctx = peers[i]->open(c, threads, x->note, sizeof x->note);
    if (!x->ctx) continue;
    x->peer->run(x->ctx, c, y);
    double diff = 0;
    for (size_t k = 0; k < bench_out_floats(c); k++)
      diff = fmax(diff, fabs((double)y[k] - (double)judge[k]));
    x->valid = diff <= 1e-4;
    if (!x->valid) {
      fprintf(stderr, "gru-bench: %s differs from the reference by %.3g on %s: not timed\n",
              x->peer->impl, diff, c->cfg->name);
      snprintf(x->note, sizeof x->note, "outputs differ from the reference by %.3g", diff);
    }
    x->seconds = calloc((size_t)o->reps, sizeof(double));
  }
  return n;
}

/* Whether a peer leaves OpenBLAS threads polling (about 0.13 s here, in
 * this process or PyTorch's; docs/threading.md). */
static bool leaves_polling(const bench_peer *p) {
  return p == &bench_libgru_blas || p == &bench_libgru_after_blas || p == &bench_torch;
}

/* The case's yardstick (report.h), sampled in its rounds but for --quick.
 * g and the sweep's points sample theirs too, though no bound is judged on
 * them, so that every case runs in the same kind of rotation: without the
 * samples' busy threads between its runs, a case started colder. On the
 * Zen 3 guest, 20 ms of idle cores before a 200-step run made it up to 3x
 * slower with two threads (g took 3x a's time, denormals or not, and the
 * sweep's B = 1, H = 512 point 79 µs a step where b, the same layer,
 * took 35). */
static bench_yard yard_of(const options *o, const bench_config *g, gru_variant v) {
  bench_yard y = {BENCH_YARD_NONE, 0, NULL, NULL, 0, false};
  if (o->quick) return y;
  y.kind = g->batch > 1 ? BENCH_YARD_SGEMM : BENCH_YARD_READ;
  y.bytes = 3 * g->hidden * (g->hidden + (g->streaming ? g->input : 0)) * sizeof(float);
  y.rates = calloc((size_t)o->reps, sizeof(double));
  if (y.kind == BENCH_YARD_READ && !g->streaming) {
    y.floor_us = calloc((size_t)o->reps, sizeof(double));
    y.state = g->hidden;
    y.two_meetings = v == GRU_RESET_BEFORE;
  }
  return y;
}

/* Round r's sample of the yardstick (and of the floor, read right after
 * the probe). */
static void sample(bench_yard *y, size_t threads, int r) {
  if (y->kind == BENCH_YARD_SGEMM) {
    y->rates[r] = bench_sgemm_sample();
    return;
  }
  y->rates[r] = bench_read_sample(y->bytes, threads);
  if (y->floor_us)
    y->floor_us[r] = bench_floor_sample(y->bytes, y->state, threads, y->two_meetings);
}

/* Rounds of every peer once, and the yardstick, in an order that rotates. */
static void time_rounds(const options *o, const bench_case *c, size_t threads, float *y, entry *e,
                        size_t n, bench_yard *yard) {
  bool polling = false; /* the last run left OpenBLAS's threads polling */
  size_t slots = n + (yard->kind != BENCH_YARD_NONE);
  for (int r = 0; r < o->reps; r++)
    for (size_t k = 0; k < slots; k++) {
      size_t i = (k + (size_t)r) % slots; /* rotate who goes first */
      entry *x = i < n ? &e[i] : NULL;
      if (x && (!x->ctx || !x->valid)) continue;
      pause_ms(polling ? 150 : o->gap_ms);
      if (x)
        x->seconds[r] = x->peer->run(x->ctx, c, y);
      else
        sample(yard, threads, r);
      polling = x ? leaves_polling(x->peer) : yard->kind == BENCH_YARD_SGEMM;
    }
}

static void run_case(const options *o, const bench_config *g, gru_variant v) {
  size_t nx = g->steps * g->batch * g->input;
  float *x = malloc(nx * sizeof *x);
  fill(x, nx, 7, g->denormal ? 1e-39f : 1.0f);
  gru_layer *layer = make_layer(g, v);
  bench_case c = {g, v, layer, x};
  size_t ny = bench_out_floats(&c);
  float *judge = malloc(ny * sizeof *judge), *y = malloc(ny * sizeof *y);
  char note[200];
  void *ref = bench_reference.open(&c, 1, note, sizeof note);
  bench_reference.run(ref, &c, judge);
  bench_reference.close(ref);
  for (size_t t = 0; t < o->n_threads; t++) {
    /* The application's call, not libgru's: BLAS gets the group's threads
     * too, so that "one thread" is one thread for every peer. */
    bench_blas_threads(o->threads[t]);
    pause_ms(150); /* OpenBLAS's threads poll after that too */
    entry e[N_PEERS];
    size_t n = open_all(o, &c, o->threads[t], judge, y, e);
    bench_yard yard = yard_of(o, g, v);
    time_rounds(o, &c, o->threads[t], y, e, n, &yard);
    report_group(o->json, &c, o->threads[t], e, n, &yard, o->reps);
    free(yard.rates);
    free(yard.floor_us);
    for (size_t k = 0; k < n; k++) {
      if (e[k].ctx) e[k].peer->close(e[k].ctx);
      free(e[k].seconds);
    }
  }
  free(judge);
  free(y);
  free(x);
  gru_layer_destroy(layer);
}

/* Rows of one hoisted sgemm: libgru hoists the input projections of as
 * few steps as make 256 rows, at most all (src/sequence.h). */
static size_t hoist_rows(const bench_config *g) {
  size_t steps = (256 + g->batch - 1) / g->batch;
  return (steps < g->steps ? steps : g->steps) * g->batch;
}

/* The yardsticks: the sgemm of each whole-sequence configuration's hoist,
 * and, at batch 1, how fast the threads can read the weights each step
 * reads (the recurrent ones; for streaming, the input ones too). The read
 * probes come last, after OpenBLAS's threads have stopped polling. */
static void yardsticks(const options *o) {
  size_t n = sizeof standard / sizeof standard[0];
  for (size_t i = 0; i < n; i++) {
    const bench_config *g = &standard[i];
    if (g->denormal || g->streaming || !listed(o->configs, g->name)) continue;
    report_sgemm(o->json, g->name, hoist_rows(g), 3 * g->hidden, g->input,
                 bench_sgemm_rate(hoist_rows(g), 3 * g->hidden, g->input, g->hidden + g->input));
  }
  pause_ms(150);
  for (size_t i = 0; i < n; i++) {
    const bench_config *g = &standard[i];
    if (g->denormal || g->batch != 1 || !listed(o->configs, g->name)) continue;
    size_t bytes = 3 * g->hidden * (g->hidden + (g->streaming ? g->input : 0)) * sizeof(float);
    for (size_t t = 0; t < o->n_threads; t++)
      report_read(o->json, g->name, bytes, o->threads[t],
                  bench_read_bandwidth(bytes, o->threads[t]));
  }
}

int main(int argc, char **argv) {
  options o = parse(argc, argv);
  bench_check_blas_core();
  make_sweep();
  const bench_config *list = o.sweep ? sweep : standard;
  size_t n = o.sweep ? N_SWEEP : sizeof standard / sizeof standard[0];
  report_start(o.json, o.reps, !o.quick);
  if (!o.quick && !o.sweep) yardsticks(&o);
  pause_ms(150); /* OpenBLAS's threads poll after its sgemm and after it loads */
  for (size_t i = 0; i < n; i++) {
    if (!o.sweep && !listed(o.configs, list[i].name)) continue;
    for (int v = GRU_RESET_BEFORE; v <= GRU_RESET_AFTER; v++) {
      const char *name = v == GRU_RESET_BEFORE ? "before" : "after";
      if (o.variant && strcmp(o.variant, name)) continue;
      /* The sweep is for the plot: reset-after, where every peer runs. */
      if (o.sweep && v == GRU_RESET_BEFORE) continue;
      run_case(&o, &list[i], (gru_variant)v);
    }
  }
  report_end(o.json);
  return 0;
}
