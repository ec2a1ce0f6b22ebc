/* gru-ab: two or more builds of libgru timed against each other in one
 * process, run after run, so that a change is judged on a shared, drifting
 * machine by the ratio of medians taken over the same seconds; or one
 * build alone, when another's threads would disturb it.
 *
 *   gru-ab [--after] [--bidirectional] [--threads N] [--reps N] [--gap-ms N]
 *          [--spin-us N] I H B T LIB [LIB...]
 *
 * --gap-ms sleeps before each run, as gru-bench does between peers: the
 * runs then start as cold as they do there. --spin-us sets the sequences'
 * GRU_OPT_SPIN_US (with several LIBs, each one's workers then spin
 * through the others' runs: time one build alone).
 *
 * Each LIB (a path to a libgru.so) is loaded with RTLD_LOCAL, so the
 * builds do not see each other's symbols; each gets the same weights and
 * inputs, and the first run of each is checked bit for bit against the
 * first LIB's. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "gru.h"

enum { MAX_LIBS = 8, MAX_REPS = 1000, WARM = 2 };

/* The calls gru-ab makes, looked up in one build. */
typedef struct build {
  const char *path;
  gru_status (*builder_create)(gru_builder **);
  gru_status (*builder_set_shape)(gru_builder *, gru_variant, gru_direction, size_t, size_t,
                                  size_t);
  gru_status (*builder_set_tensor)(gru_builder *, gru_format, const char *, const float *, size_t,
                                   const size_t *);
  gru_status (*builder_build)(gru_builder *, gru_layer **);
  gru_status (*sequence_create)(gru_sequence **, const gru_layer *, size_t, size_t);
  gru_status (*sequence_set_option)(gru_sequence *, gru_option, size_t);
  gru_status (*sequence_reset)(gru_sequence *, size_t, const float *, size_t);
  gru_status (*sequence_run)(gru_sequence *, size_t, size_t, const float *, size_t, float *, size_t,
                             const size_t *, size_t);
  gru_sequence *seq;
  double us[MAX_REPS];
} build;

typedef struct args {
  gru_variant variant;
  gru_direction direction;
  size_t threads, reps, gap_ms, input, hidden, batch, steps;
  size_t spin_us; /* SIZE_MAX: the library's default */
} args;

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "gru-ab: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static void *need(void *handle, const char *name) {
  void *f = dlsym(handle, name);
  if (!f) fail("missing symbol", name);
  return f;
}

static void load(build *b) {
  void *h = dlopen(b->path, RTLD_NOW | RTLD_LOCAL);
  if (!h) fail("cannot load", dlerror());
  *(void **)&b->builder_create = need(h, "gru_builder_create");
  *(void **)&b->builder_set_shape = need(h, "gru_builder_set_shape");
  *(void **)&b->builder_set_tensor = need(h, "gru_builder_set_tensor");
  *(void **)&b->builder_build = need(h, "gru_builder_build");
  *(void **)&b->sequence_create = need(h, "gru_sequence_create");
  *(void **)&b->sequence_set_option = need(h, "gru_sequence_set_option");
  *(void **)&b->sequence_reset = need(h, "gru_sequence_reset");
  *(void **)&b->sequence_run = need(h, "gru_sequence_run");
}

/* A layer of the shape with weights w (the concat layout's W_* and b_*
 * all read from w) and a sequence over it on a->threads threads. */
static void set_up(build *b, const args *a, const float *w) {
  static const char *const names[] = {"W_r", "W_z", "W_h", "b_r", "b_z", "b_h", "b_hn"};
  size_t n = a->variant == GRU_RESET_AFTER ? 7 : 6;
  size_t matrix[2] = {a->hidden, a->hidden + a->input}, vector[1] = {a->hidden};
  gru_builder *g;
  gru_layer *l;
  if (b->builder_create(&g) ||
      b->builder_set_shape(g, a->variant, a->direction, 1, a->input, a->hidden))
    fail("cannot make a builder", b->path);
  for (size_t d = 0; d < (a->direction == GRU_BIDIRECTIONAL ? 2u : 1u); d++)
    for (size_t i = 0; i < n; i++) {
      char name[32];
      snprintf(name, sizeof name, "%s%s", names[i], d ? "_reverse" : "");
      if (b->builder_set_tensor(g, GRU_FORMAT_CONCAT, name, w, i < 3 ? 2 : 1,
                                i < 3 ? matrix : vector))
        fail("cannot set a tensor", b->path);
    }
  if (b->builder_build(g, &l) || b->sequence_create(&b->seq, l, a->batch, a->steps) ||
      b->sequence_set_option(b->seq, GRU_OPT_THREADS, a->threads) ||
      (a->spin_us != SIZE_MAX && b->sequence_set_option(b->seq, GRU_OPT_SPIN_US, a->spin_us)))
    fail("cannot build", b->path);
}

static double run(build *b, const args *a, const float *x, float *y) {
  b->sequence_reset(b->seq, a->batch, NULL, 0);
  double t0 = bench_now();
  if (b->sequence_run(b->seq, a->steps, a->batch, x, 0, y, 0, NULL, 0)) fail("run failed", b->path);
  return (bench_now() - t0) * 1e6 / (double)a->steps;
}

static args parse(int argc, char **argv, int *first_lib) {
  args a = {GRU_RESET_BEFORE, GRU_FORWARD, 1, 15, 0, 0, 0, 0, 0, SIZE_MAX};
  int i = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    if (!strcmp(argv[i], "--after"))
      a.variant = GRU_RESET_AFTER;
    else if (!strcmp(argv[i], "--bidirectional"))
      a.direction = GRU_BIDIRECTIONAL;
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      a.threads = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      a.reps = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--gap-ms") && i + 1 < argc)
      a.gap_ms = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--spin-us") && i + 1 < argc)
      a.spin_us = strtoul(argv[++i], NULL, 10);
    else
      fail("unknown option", argv[i]);
  }
  if (argc - i < 5 || argc - i - 4 > MAX_LIBS || a.reps < 1 || a.reps > MAX_REPS)
    fail(
        "usage: gru-ab [--after] [--bidirectional] [--threads N] [--reps N] [--gap-ms N] "
        "[--spin-us N] I H B T LIB [LIB...]",
        NULL);
  a.input = strtoul(argv[i], NULL, 10);
  a.hidden = strtoul(argv[i + 1], NULL, 10);
  a.batch = strtoul(argv[i + 2], NULL, 10);
  a.steps = strtoul(argv[i + 3], NULL, 10);
  *first_lib = i + 4;
  return a;
}

int main(int argc, char **argv) {
  int first;
  args a = parse(argc, argv, &first);
  size_t dirs = a.direction == GRU_BIDIRECTIONAL ? 2 : 1;
  size_t n = (size_t)(argc - first), out = a.steps * a.batch * a.hidden * dirs;
  float *w = bench_values(a.hidden * (a.hidden + a.input), 1, 0.2f);
  float *x = bench_values(a.steps * a.batch * a.input, 2, 1.0f);
  float *y = malloc(out * sizeof *y), *y0 = malloc(out * sizeof *y0);
  build *b = calloc(n, sizeof *b);
  if (!y || !y0 || !b) fail("out of memory", NULL);
  for (size_t l = 0; l < n; l++) {
    b[l].path = argv[first + (int)l];
    load(&b[l]);
    set_up(&b[l], &a, w);
  }
  /* OpenBLAS, which each build links, polls for about 0.1 s after it
   * loads (docs/threading.md). */
  nanosleep(&(struct timespec){0, 200000000L}, NULL);
  for (size_t r = 0; r < WARM + a.reps; r++)
    for (size_t l = 0; l < n; l++) {
      if (a.gap_ms)
        nanosleep(&(struct timespec){(time_t)(a.gap_ms / 1000), (long)(a.gap_ms % 1000) * 1000000L},
                  NULL);
      double us = run(&b[l], &a, x, y);
      if (r >= WARM) b[l].us[r - WARM] = us;
      if (r == 0 && l == 0) memcpy(y0, y, out * sizeof *y);
      if (r == 0 && l > 0 && memcmp(y0, y, out * sizeof *y))
        printf("%s: outputs differ in their bits from %s's\n", b[l].path, b[0].path);
    }
  printf(
      "reset-%s I=%zu H=%zu B=%zu T=%zu, %zu thread(s): median (min-max) us/step, ratio to the "
      "first, of %zu interleaved rounds, %zu ms before each run",
      a.variant == GRU_RESET_AFTER ? "after" : "before", a.input, a.hidden, a.batch, a.steps,
      a.threads, a.reps, a.gap_ms);
  if (a.spin_us != SIZE_MAX) printf(", workers spinning %zu us after a call", a.spin_us);
  printf("\n");
  double base = bench_stats_of(b[0].us, a.reps).median;
  for (size_t l = 0; l < n; l++) {
    bench_stats st = bench_stats_of(b[l].us, a.reps);
    printf("  %8.1f (%.1f-%.1f)  %.3fx  %s\n", st.median, st.min, st.max, st.median / base,
           b[l].path);
  }
  return 0;
}
