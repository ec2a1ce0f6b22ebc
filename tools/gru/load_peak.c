/* gru-load-peak: the memory a model load really takes. Loads MODEL into a
 * builder with gru_builder_load_file and prints the process's peak
 * resident set (getrusage's ru_maxrss) before and after, beside the size
 * of the weights as floats and of the largest tensor, and how long the
 * load took: the figures docs/models.md quotes. Not installed; built with
 * the gru tool.
 *
 *   gru-load-peak [--slack MIB] MODEL [PREFIX]
 *       with --slack, fails (exit 1) if the peak grew by more than the
 *       weights and MIB (.ci/models.sh)
 *   gru-load-peak --write PATH LAYERS INPUT HIDDEN
 *       writes a PyTorch-named nn.GRU of that shape, deterministic
 *       weights, to measure without Python */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gru.h>

static double peak_mib(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The process's CPU time, user and system: on a busy machine steadier
 * than the wall clock. */
static double cpu_ms(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

/* MiB of the GRU's tensors (those under prefix) as floats, and of the
 * largest. */
static int sizes(const char *path, const char *prefix, double *weights, double *largest) {
  gru_file *f;
  size_t count;
  if (gru_file_create(&f) != GRU_OK || gru_file_open(f, path) != GRU_OK) return 1;
  gru_file_tensor_count(f, &count);
  *weights = *largest = 0.0;
  for (size_t i = 0; i < count; i++) {
    const char *name;
    size_t ndim, shape[GRU_FILE_MAX_DIMS];
    double mib = 4.0 / 1048576.0;
    gru_file_tensor_name(f, i, &name);
    if (strncmp(name, prefix, strlen(prefix)) != 0) continue;
    gru_file_tensor_info(f, name, NULL, &ndim, shape);
    for (size_t d = 0; d < ndim; d++)
      mib *= (double)shape[d];
    *weights += mib;
    if (mib > *largest) *largest = mib;
  }
  gru_file_destroy(f);
  return 0;
}

/* A reset-after GRU in PyTorch's names, saved as a libgru file. */
static int write_model(const char *path, size_t layers, size_t input, size_t hidden) {
  gru_builder *b;
  gru_layer *l = NULL;
  size_t rows = 3 * hidden, widest = input > hidden ? input : hidden;
  float *data = malloc(rows * widest * sizeof *data);
  if (!data || gru_builder_create(&b) != GRU_OK) return 3;
  for (size_t i = 0; i < rows * widest; i++)
    data[i] = (float)(i % 97) / 97.0f - 0.5f;
  gru_status st = gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, layers, input, hidden);
  for (size_t k = 0; st == GRU_OK && k < layers; k++) {
    char name[64];
    size_t ih[2] = {rows, k ? hidden : input}, hh[2] = {rows, hidden};
    snprintf(name, sizeof name, "weight_ih_l%zu", k);
    st = gru_builder_set_tensor(b, GRU_FORMAT_TORCH, name, data, 2, ih);
    snprintf(name, sizeof name, "weight_hh_l%zu", k);
    if (st == GRU_OK) st = gru_builder_set_tensor(b, GRU_FORMAT_TORCH, name, data, 2, hh);
  }
  if (st == GRU_OK) st = gru_builder_build(b, &l);
  if (st == GRU_OK) st = gru_layer_save_file(l, GRU_FORMAT_TORCH, path);
  if (st != GRU_OK) fprintf(stderr, "gru-load-peak: %s\n", gru_strerror(st));
  gru_layer_destroy(l);
  gru_builder_destroy(b);
  free(data);
  return st == GRU_OK ? 0 : 1;
}

static int measure(const char *path, const char *prefix, double slack) {
  gru_builder *b;
  if (gru_builder_create(&b) != GRU_OK) return 3;
  double before = peak_mib(), start = now_ms(), start_cpu = cpu_ms();
  gru_status st = gru_builder_load_file(b, path, prefix);
  double ms = now_ms() - start, cpu = cpu_ms() - start_cpu, after = peak_mib(), weights, largest;
  if (st != GRU_OK) fprintf(stderr, "gru-load-peak: %s: %s\n", path, gru_builder_error(b));
  gru_builder_destroy(b);
  if (st != GRU_OK || sizes(path, prefix ? prefix : "", &weights, &largest) != 0) return 1;
  double excess = after - before - weights;
  printf("weights %.1f MiB as floats, largest tensor %.1f MiB\n", weights, largest);
  printf("peak RSS %.1f MiB before loading, %.1f MiB after: grew %.1f MiB = weights + %.1f MiB\n",
         before, after, after - before, excess);
  printf("loaded in %.1f ms, %.1f ms of CPU\n", ms, cpu);
  if (slack >= 0 && excess > slack) {
    fprintf(stderr, "gru-load-peak: more than weights + %.1f MiB\n", slack);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && !strcmp(argv[1], "--write"))
    return write_model(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
                       strtoul(argv[5], NULL, 10));
  double slack = -1.0;
  if (argc > 2 && !strcmp(argv[1], "--slack")) {
    slack = atof(argv[2]);
    argc -= 2;
    argv += 2;
  }
  if (argc < 2 || argc > 3) {
    fprintf(stderr,
            "usage: gru-load-peak [--slack MIB] MODEL [PREFIX]\n"
            "       gru-load-peak --write PATH LAYERS INPUT HIDDEN\n");
    return 2;
  }
  return measure(argv[1], argc == 3 ? argv[2] : NULL, slack);
}
