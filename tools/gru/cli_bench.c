/* gru bench: how long a model takes to load, to run whole sequences, and
 * to step, on this machine as it is (OPENBLAS_CORETYPE and GRU_ISA
 * apply). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "cli.h"

static const char help[] =
    "usage: gru bench [MODEL] [--batch B] [--steps T] [--seconds S] [--prefix P]\n"
    "\n"
    "Times MODEL (default: the built-in model): loading it (and how much the\n"
    "process's peak memory grew meanwhile), gru_sequence_run over T steps of B\n"
    "rows, and gru_sequence_step on B rows (one-direction models).\n"
    "\n"
    "  --batch B      rows per call (default 1)\n"
    "  --steps T      steps per gru_sequence_run (default 100)\n"
    "  --seconds S    time spent on each measurement (default 1)\n"
    "  --prefix P     the GRU's tensors are those named P...\n"
    "\n"
    "Exit status: 0 done, 1 a missing or malformed model, 2 a bad command line,\n"
    "3 a failure while running.\n";

static double peak_mib(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0; /* KiB on Linux */
}

/* Multiply-adds of one step of one row, as 2 * flops. */
static double flops_per_step(const gru_layer *l) {
  double H = (double)cli_layer_get(l, GRU_INFO_HIDDEN_SIZE);
  double I = (double)cli_layer_get(l, GRU_INFO_INPUT_SIZE);
  double out = (double)cli_layer_get(l, GRU_INFO_OUTPUT_SIZE);
  double L = (double)cli_layer_get(l, GRU_INFO_NUM_LAYERS);
  double D = (double)cli_layer_get(l, GRU_INFO_NUM_DIRECTIONS);
  return 2.0 * 3.0 * H * D * ((H + I) + (L - 1.0) * (H + out));
}

/* Calls run(q, x) until seconds have passed; returns seconds per call. */
static double time_calls(gru_sequence *q, const float *x, size_t T, size_t B, bool step,
                         double seconds, gru_status *st) {
  size_t calls = 0;
  double start = cli_now(), now = start;
  do {
    *st = step ? gru_sequence_step(q, B, x, 0, NULL, 0, NULL, NULL, 0)
               : gru_sequence_run(q, T, B, x, 0, NULL, 0, NULL, 0);
    calls++;
    now = cli_now();
  } while (*st == GRU_OK && now - start < seconds);
  return (now - start) / (double)calls;
}

static int bench(const gru_layer *l, size_t B, size_t T, double seconds) {
  size_t I = cli_layer_get(l, GRU_INFO_INPUT_SIZE);
  float *x = malloc(T * B * I * sizeof *x);
  gru_sequence *q = NULL;
  gru_status st = x ? gru_sequence_create(&q, l, B, T) : GRU_ERR_NOMEM;
  for (size_t i = 0; x && i < T * B * I; i++)
    x[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
  if (st == GRU_OK) time_calls(q, x, T, B, false, 0.0, &st); /* warm up */
  if (st == GRU_OK) {
    double s = time_calls(q, x, T, B, false, seconds, &st);
    printf("run        B %zu, T %zu: %.3f ms a call, %.0f row-steps/s, %.2f GFLOP/s\n", B, T,
           s * 1e3, (double)(T * B) / s, flops_per_step(l) * (double)(T * B) / s / 1e9);
  }
  if (st == GRU_OK && cli_layer_get(l, GRU_INFO_DIRECTION) == GRU_FORWARD) {
    double s = time_calls(q, x, 1, B, true, seconds, &st);
    printf("step       B %zu: %.2f us a step\n", B, s * 1e6);
  }
  int status = st == GRU_OK ? CLI_OK : cli_fail("bench", CLI_FAILURE, "%s", gru_strerror(st));
  gru_sequence_destroy(q);
  free(x);
  return status;
}

int cli_bench(int argc, char **argv) {
  const char *prefix = NULL, *model = NULL;
  size_t B = 1, T = 100;
  double seconds = 1.0;
  cli_opt opts[] = {{"batch", OPT_SIZE, &B, false},
                    {"steps", OPT_SIZE, &T, false},
                    {"seconds", OPT_DOUBLE, &seconds, false},
                    {"prefix", OPT_STRING, &prefix, false},
                    {NULL, OPT_FLAG, NULL, false}};
  int st = cli_parse(argc, argv, opts, help, &model);
  if (st != CLI_OK) return st == CLI_HELP ? CLI_OK : st;
  char blas[160];
  gru_blas_info(blas, sizeof blas);
  double before = peak_mib(), start = cli_now();
  cli_model m;
  if ((st = cli_model_open(&m, "bench", model, prefix)) != CLI_OK) return st;
  double took = cli_now() - start;
  printf("model      %s\n", m.name);
  printf("machine    %s kernels; %s\n", gru_isa_name((gru_isa)cli_layer_get(m.layer, GRU_INFO_ISA)),
         blas);
  printf("load       %.3f s; the layer holds %.2f MiB; peak memory grew %.2f MiB\n", took,
         (double)cli_layer_get(m.layer, GRU_INFO_BYTES) / 1048576.0, peak_mib() - before);
  st = bench(m.layer, B, T, seconds);
  cli_model_close(&m);
  return st;
}
