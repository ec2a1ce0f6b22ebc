/* gru-bench's output (report.h). Every figure printed is computed here from
 * the timed rounds: nothing is typed in. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef bench_stats stats; /* microseconds per step */

static stats summarize(const double *seconds, int reps, size_t steps) {
  double *s = malloc((size_t)reps * sizeof *s);
  for (int i = 0; i < reps; i++)
    s[i] = seconds[i] * 1e6 / (double)steps;
  stats r = bench_stats_of(s, (size_t)reps);
  free(s);
  return r;
}

static char blas_core[64] = "unknown";
static double sgemm_peak;

/* One JSON line of the sgemm 2048^3 yardstick, with one more field. */
static void peak_line(double gflops, const char *key, const char *value) {
  printf(
      "{\"impl\": \"sgemm\", \"config\": \"peak\", \"M\": 2048, \"N\": 2048, \"K\": 2048, "
      "\"gflops\": %.1f, \"blas_core\": \"%s\", \"%s\": \"%s\"}\n",
      gflops, blas_core, key, value);
}

void report_start(bool json, int reps, bool peak) {
  char info[512];
  gru_blas_info(info, sizeof info);
  const char *core = strstr(info, "core=");
  if (core) sscanf(core + 5, "%63[^,; ]", blas_core);
  const char *env = getenv("OPENBLAS_CORETYPE");
  if (peak) sgemm_peak = bench_sgemm_peak();
  if (json && peak) peak_line(sgemm_peak, "settings", info);
  if (json) return;
  printf("libgru %s, CPU: %s; BLAS: %s\n", gru_version_string(), gru_isa_name(gru_cpu_isa()), info);
  printf("OPENBLAS_CORETYPE=%s%s\n", env ? env : "(unset: OpenBLAS's own detection)",
         env ? " (set for this run)" : "");
  printf(
      "each figure: median (min-max) of %d interleaved rounds after a checked warm-up run, "
      "microseconds per step\n",
      reps);
  if (peak)
    printf("sgemm 2048^3 on OpenBLAS's own threads: %.1f GFLOP/s (the large-batch yardstick)\n",
           sgemm_peak);
}

void report_sgemm(bool json, const char *name, size_t m, size_t n, size_t k, double gflops) {
  if (json)
    printf(
        "{\"impl\": \"sgemm\", \"config\": \"%s\", \"M\": %zu, \"N\": %zu, \"K\": %zu, "
        "\"gflops\": %.1f, \"blas_core\": \"%s\"}\n",
        name, m, n, k, gflops, blas_core);
  else
    printf("sgemm of %s's hoisted input projection (M=%zu N=%zu K=%zu): %.1f GFLOP/s\n", name, m, n,
           k, gflops);
}

void report_read(bool json, const char *name, size_t bytes, size_t threads, double gbps) {
  if (json)
    printf(
        "{\"impl\": \"read\", \"config\": \"%s\", \"bytes\": %zu, \"threads\": %zu, "
        "\"gbps\": %.1f}\n",
        name, bytes, threads, gbps);
  else
    printf("reading %s's weights (%zu bytes) on %zu thread(s): %.1f GB/s\n", name, bytes, threads,
           gbps);
}

static const char *variant_name(gru_variant v) {
  return v == GRU_RESET_BEFORE ? "reset-before" : "reset-after";
}

/* libgru's median per variant and thread count on configuration a, for
 * the denormal configuration's ratio. */
static double a_median[2][8];

static void json_row(const bench_case *c, size_t threads, const bench_entry *e, const stats *s,
                     double vs, double gflops, double of_rounds) {
  const bench_config *g = c->cfg;
  printf(
      "{\"impl\": \"%s\", \"variant\": \"%s\", \"config\": \"%s\", \"I\": %zu, \"H\": %zu, "
      "\"B\": %zu, \"T\": %zu, \"threads\": %zu, \"streaming\": %s, \"denormal\": %s, ",
      e->peer->impl, variant_name(c->variant), g->name, g->input, g->hidden, g->batch, g->steps,
      threads, g->streaming ? "true" : "false", g->denormal ? "true" : "false");
  if (!s) {
    printf("\"status\": \"%s\", \"settings\": \"%s\"}\n", e->ctx ? "mismatch" : "unavailable",
           e->note);
    return;
  }
  printf(
      "\"status\": \"ok\", \"us_per_step_median\": %.3f, \"us_per_step_min\": %.3f, "
      "\"us_per_step_max\": %.3f, \"gflops\": %.2f, \"blas_core\": \"%s\", ",
      s->median, s->min, s->max, gflops, blas_core);
  if (vs > 0) printf("\"vs_libgru\": %.3f, ", vs);
  if (sgemm_peak > 0) printf("\"of_sgemm_peak\": %.3f, ", gflops / sgemm_peak);
  if (of_rounds > 0) printf("\"of_sgemm_rounds\": %.3f, ", of_rounds);
  size_t lb = e->peer->layer_bytes(e->ctx), sb = e->peer->sequence_bytes(e->ctx);
  if (lb) printf("\"layer_bytes\": %zu, ", lb);
  if (sb) printf("\"sequence_bytes\": %zu, ", sb);
  printf("\"settings\": \"%s\"}\n", e->note);
}

static void text_row(const bench_entry *e, const stats *s, double vs, double gflops) {
  if (!s) {
    printf("  %-12s %s\n", e->peer->impl, e->note);
    return;
  }
  printf("  %-12s %10.2f (%.2f-%.2f) %9.1f  %6.2fx  %s\n", e->peer->impl, s->median, s->min, s->max,
         gflops, vs, e->note);
  size_t lb = e->peer->layer_bytes(e->ctx), sb = e->peer->sequence_bytes(e->ctx);
  if (lb || sb) printf("  %-12s holds: layer %zu bytes, sequence %zu bytes\n", "", lb, sb);
}

/* The yardstick's samples of a case: a JSON line, or a line under its
 * table with libgru's share of it (GFLOP/s) or its bound (read). */
static void yard_rows(bool json, const bench_case *c, size_t threads, const bench_yard *y,
                      const stats *s, double lib_gflops) {
  const bench_config *g = c->cfg;
  bool sgemm = y->kind == BENCH_YARD_SGEMM;
  if (json) {
    printf(
        "{\"impl\": \"%s\", \"when\": \"rounds\", \"variant\": \"%s\", \"config\": \"%s\", "
        "\"threads\": %zu, ",
        sgemm ? "sgemm" : "read", variant_name(c->variant), g->name, threads);
    if (sgemm)
      printf("\"M\": 2048, \"N\": 2048, \"K\": 2048, \"gflops\": %.1f, ", s->median);
    else
      printf("\"bytes\": %zu, \"gbps\": %.1f, ", y->bytes, s->median);
    printf("\"min\": %.1f, \"max\": %.1f, \"blas_core\": \"%s\"}\n", s->min, s->max, blas_core);
  } else if (sgemm) {
    printf(
        "  sgemm 2048^3 in the same rounds: %.1f (%.1f-%.1f) GFLOP/s; libgru's median is %.0f%%\n",
        s->median, s->min, s->max, 100.0 * lib_gflops / s->median);
  } else {
    printf(
        "  reading the weights a step reads (%zu bytes) in the same rounds: %.1f (%.1f-%.1f) "
        "GB/s\n",
        y->bytes, s->median, s->min, s->max);
  }
}

/* The floor's samples of a batch-1 case (bench_floor_sample()). */
static void floor_rows(bool json, const bench_case *c, size_t threads, const bench_yard *y,
                       const stats *s) {
  if (json) {
    printf(
        "{\"impl\": \"floor\", \"when\": \"rounds\", \"variant\": \"%s\", \"config\": \"%s\", "
        "\"threads\": %zu, \"bytes\": %zu, \"meetings\": %d, \"us_per_step_median\": %.2f, "
        "\"us_per_step_min\": %.2f, \"us_per_step_max\": %.2f}\n",
        variant_name(c->variant), c->cfg->name, threads, y->bytes, y->two_meetings ? 2 : 1,
        s->median, s->min, s->max);
  } else {
    printf(
        "  floor in the same rounds, those reads split and met as a step's (%d meeting(s)): "
        "%.2f (%.2f-%.2f) us/step\n",
        y->two_meetings ? 2 : 1, s->median, s->min, s->max);
  }
}

void report_group(bool json, const bench_case *c, size_t threads, const bench_entry *e, size_t n,
                  const bench_yard *y, int reps) {
  const bench_config *g = c->cfg;
  double flops = 2.0 * (double)(g->batch * 3 * g->hidden * (g->input + g->hidden));
  stats s[8], ys = {0, 0, 0};
  double base = 0;
  for (size_t k = 0; k < n; k++)
    if (e[k].ctx && e[k].valid) {
      s[k] = summarize(e[k].seconds, reps, g->steps);
      if (e[k].peer == &bench_libgru) base = s[k].median;
    }
  if (y->kind != BENCH_YARD_NONE) ys = bench_stats_of(y->rates, (size_t)reps); /* sorts them */
  double lib_gflops = base > 0 ? flops / base / 1e3 : 0;
  if (!json)
    printf("\n== %s: I=%zu H=%zu B=%zu T=%zu%s (%s), %s, %zu thread(s)\n  %-12s %s\n", g->name,
           g->input, g->hidden, g->batch, g->steps, g->streaming ? " calls" : "", g->note,
           variant_name(c->variant), threads, "impl",
           "us/step median (min-max)  GFLOP/s  vs libgru  settings");
  for (size_t k = 0; k < n; k++) {
    bool ok = e[k].ctx && e[k].valid;
    double vs = ok && base > 0 ? s[k].median / base : 0,
           gflops = ok ? flops / s[k].median / 1e3 : 0;
    double of_rounds =
        y->kind == BENCH_YARD_SGEMM && e[k].peer == &bench_libgru ? gflops / ys.median : 0;
    if (json)
      json_row(c, threads, &e[k], ok ? &s[k] : NULL, vs, gflops, ok ? of_rounds : 0);
    else
      text_row(&e[k], ok ? &s[k] : NULL, vs, gflops);
  }
  if (y->kind != BENCH_YARD_NONE) yard_rows(json, c, threads, y, &ys, lib_gflops);
  if (y->floor_us) {
    stats fs = bench_stats_of(y->floor_us, (size_t)reps);
    floor_rows(json, c, threads, y, &fs);
  }
  if (threads < 8 && !strcmp(g->name, "a")) a_median[c->variant][threads] = base;
  double a = threads < 8 ? a_median[c->variant][threads] : 0;
  if (!json && g->denormal && a > 0 && base > 0)
    printf("  denormal inputs: libgru %.2fx the time of configuration a (same run)\n", base / a);
}

void report_end(bool json) {
  /* The machine is shared and its speed drifts over a run: the yardstick
   * is measured again at the end, and the report uses the larger. */
  if (sgemm_peak > 0) {
    double again = bench_sgemm_peak();
    if (json)
      peak_line(again, "when", "end");
    else
      printf("\nsgemm 2048^3 again at the end: %.1f GFLOP/s\n", again);
  }
  /* Only the bench's own peak: a child's ru_maxrss (PyTorch's process) is
   * not its own, as Linux carries the forking parent's high-water mark
   * across fork and exec into it. */
  struct rusage self;
  getrusage(RUSAGE_SELF, &self);
  if (json)
    printf("{\"impl\": \"bench\", \"peak_rss_kb\": %ld, \"blas_core\": \"%s\"}\n", self.ru_maxrss,
           blas_core);
  else
    printf("\npeak RSS: gru-bench %ld KiB (every peer but PyTorch)\n", self.ru_maxrss);
}
