/* gru-bench -- times libgru's hot loop: whole sequences (hoisted input
 * projections, then the recurrence) and one step per call (streaming).
 * Prints the median and min-max of repeated runs after a warm-up. */
#define _POSIX_C_SOURCE 200809L
#include <gru.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { REPS = 7 };

typedef struct config {
  const char *name;
  size_t input, hidden, batch, steps;
} config;

static const config configs[] = {
    {"a", 256, 256, 1, 200},
    {"b", 512, 512, 1, 200},
    {"e", 256, 256, 64, 50},
};

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void fill(float *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = ((float)(seed >> 8 & 0xffff) / 32768.0f - 1.0f) * 0.05f;
  }
}

static gru_layer *make_layer(gru_variant v, size_t I, size_t H) {
  static const char *const names[] = {"W_r", "W_z", "W_h"};
  gru_builder *b;
  gru_layer *l = NULL;
  float *w = malloc(H * (H + I) * sizeof *w);
  if (!w || gru_builder_create(&b) != GRU_OK) exit(1);
  gru_builder_set_shape(b, v, GRU_FORWARD, 1, I, H);
  for (unsigned g = 0; g < 3; g++) {
    fill(w, H * (H + I), g + 1);
    gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, names[g], w, 2, (size_t[]){H, H + I});
  }
  if (gru_builder_build(b, &l) != GRU_OK) {
    fprintf(stderr, "build: %s\n", gru_builder_error(b));
    exit(1);
  }
  gru_builder_destroy(b);
  free(w);
  return l;
}

/* Microseconds per step of one repetition: a whole run, or steps calls. */
static double time_once(gru_sequence *s, const config *c, const float *x, float *y, int streaming) {
  gru_sequence_reset(s, c->batch, NULL, 0);
  double t0 = now_us();
  if (streaming) {
    for (size_t t = 0; t < c->steps; t++)
      gru_sequence_step(s, c->batch, x + t * c->batch * c->input, 0, y + t * c->batch * c->hidden,
                        0, NULL, NULL, 0);
  } else {
    gru_sequence_run(s, c->steps, c->batch, x, 0, y, 0, NULL, 0);
  }
  return (now_us() - t0) / (double)c->steps;
}

static void bench(const config *c, gru_variant v, int streaming) {
  gru_layer *l = make_layer(v, c->input, c->hidden);
  gru_sequence *s;
  if (gru_sequence_create(&s, l, c->batch, c->steps) != GRU_OK) exit(1);
  float *x = malloc(c->steps * c->batch * c->input * sizeof *x);
  float *y = malloc(c->steps * c->batch * c->hidden * sizeof *y);
  fill(x, c->steps * c->batch * c->input, 7);
  double us[REPS];
  time_once(s, c, x, y, streaming); /* warm-up */
  for (int r = 0; r < REPS; r++)
    us[r] = time_once(s, c, x, y, streaming);
  qsort(us, REPS, sizeof us[0], cmp);
  printf("%-2s %-12s %-9s I=%-5zu H=%-5zu B=%-4zu T=%-4zu  %9.2f us/step  (min %.2f, max %.2f)\n",
         c->name, v == GRU_RESET_AFTER ? "reset-after" : "reset-before",
         streaming ? "step" : "sequence", c->input, c->hidden, c->batch, c->steps, us[REPS / 2],
         us[0], us[REPS - 1]);
  free(x);
  free(y);
  gru_sequence_destroy(s);
  gru_layer_destroy(l);
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  char blas[256];
  gru_blas_info(blas, sizeof blas);
  printf("libgru %s, kernels %s, BLAS: %s\n", gru_version_string(), gru_isa_name(gru_cpu_isa()),
         blas);
  printf("median of %d repetitions after one warm-up\n", REPS);
  size_t n = quick ? 1 : sizeof configs / sizeof configs[0];
  for (size_t i = 0; i < n; i++)
    for (int v = 0; v < 2; v++)
      for (int streaming = 0; streaming < 2; streaming++)
        bench(&configs[i], (gru_variant)v, streaming);
  return 0;
}
