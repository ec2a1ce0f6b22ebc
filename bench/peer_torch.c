/* PyTorch (Debian's python3-torch) through bench/torch_peer.py, run as a
 * subprocess that stays up for the whole case: gru-bench writes the case to
 * a file, the script builds nn.GRU (nn.GRUCell for streaming), and each
 * "run" line on its stdin times one forward pass inside Python. So torch's
 * repetitions interleave with the other peers' like theirs do.
 *
 * Best settings: with two threads PyTorch's OpenMP pool and OpenBLAS's pool
 * oversubscribe the cores if both have two threads, so both splits (one
 * OpenMP thread with two OpenBLAS threads, and the reverse) are started,
 * timed three times each, and the faster kept. OPENBLAS_CORETYPE is
 * inherited, so torch's OpenBLAS runs the same kernels as libgru's. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#ifndef GRU_BENCH_DIR
#define GRU_BENCH_DIR "bench"
#endif
#define PYTHON "/usr/bin/python3"

extern char **environ;

typedef struct proc {
  pid_t pid;
  FILE *to, *from;
  int omp, blas;
} proc;

typedef struct ctx {
  proc p;
  char dir[64], case_path[96], out_path[96];
  bool have_y;
} ctx;

static void write_floats(FILE *f, const gru_layer *l, const char *name) {
  size_t n;
  float *t = bench_tensor(l, GRU_FORMAT_TORCH, name, &n);
  fwrite(t, sizeof *t, n, f);
  free(t);
}

static bool write_case(const bench_case *c, const char *path) {
  const bench_config *g = c->cfg;
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  int64_t head[5] = {(int64_t)g->input, (int64_t)g->hidden, (int64_t)g->batch, (int64_t)g->steps,
                     g->streaming};
  fwrite(head, sizeof head[0], 5, f);
  static const char *const names[] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};
  for (int i = 0; i < 4; i++)
    write_floats(f, c->layer, names[i]);
  fwrite(c->x, sizeof(float), g->steps * g->batch * g->input, f);
  return fclose(f) == 0;
}

/* The environment with OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set. */
static char **child_env(int omp, int blas, char vars[2][40]) {
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = calloc(n + 3, sizeof *env);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "OMP_NUM_THREADS=", 16) &&
        strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21))
      env[k++] = environ[i];
  snprintf(vars[0], 40, "OMP_NUM_THREADS=%d", omp);
  snprintf(vars[1], 40, "OPENBLAS_NUM_THREADS=%d", blas);
  env[k++] = vars[0];
  env[k++] = vars[1];
  return env;
}

static void stop(proc *p) {
  if (!p->pid) return;
  fputs("quit\n", p->to);
  fclose(p->to);
  fclose(p->from);
  waitpid(p->pid, NULL, 0);
  p->pid = 0;
}

/* Starts the script on the case and waits for its "ready". */
static bool start(proc *p, const ctx *x, int omp, int blas) {
  int in[2], out[2];
  if (pipe(in) || pipe(out)) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  char threads[16], vars[2][40];
  snprintf(threads, sizeof threads, "%d", omp);
  char *argv[] = {
      PYTHON, GRU_BENCH_DIR "/torch_peer.py", (char *)x->case_path, (char *)x->out_path, threads,
      NULL};
  char **env = child_env(omp, blas, vars);
  int rc = posix_spawn(&p->pid, PYTHON, &fa, NULL, argv, env);
  free(env);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  p->to = fdopen(in[1], "w");
  p->from = fdopen(out[0], "r");
  p->omp = omp;
  p->blas = blas;
  char line[64];
  if (rc == 0 && fgets(line, sizeof line, p->from) && strncmp(line, "ready", 5) == 0) return true;
  if (rc != 0) p->pid = 0;
  stop(p);
  return false;
}

static double timed(proc *p) {
  char line[64];
  fputs("run\n", p->to);
  fflush(p->to);
  if (!fgets(line, sizeof line, p->from)) {
    fprintf(stderr, "torch: the subprocess died\n");
    exit(1);
  }
  return atof(line);
}

/* Median of three runs. */
static double calibrate(proc *p) {
  double t[3];
  for (int i = 0; i < 3; i++)
    t[i] = timed(p);
  double lo = t[0] < t[1] ? t[0] : t[1], hi = t[0] < t[1] ? t[1] : t[0];
  return t[2] < lo ? lo : t[2] > hi ? hi : t[2];
}

static void *open_torch(const bench_case *c, size_t threads, char *note, size_t size) {
  if (c->variant != GRU_RESET_AFTER) {
    snprintf(note, size, "nn.GRU is reset-after only");
    return NULL;
  }
  ctx *x = calloc(1, sizeof *x);
  snprintf(x->dir, sizeof x->dir, "/tmp/gru-bench-XXXXXX");
  if (!mkdtemp(x->dir)) {
    free(x);
    snprintf(note, size, "no temporary directory");
    return NULL;
  }
  snprintf(x->case_path, sizeof x->case_path, "%s/case", x->dir);
  snprintf(x->out_path, sizeof x->out_path, "%s/y", x->dir);
  bool ok = write_case(c, x->case_path);
  /* The splits of the threads between OpenMP and OpenBLAS to try. */
  int splits[2][2] = {{1, (int)threads}, {(int)threads, 1}};
  int n_splits = threads > 1 ? 2 : 1;
  double best = 0;
  for (int i = 0; ok && i < n_splits; i++) {
    proc p;
    if (!start(&p, x, splits[i][0], splits[i][1])) continue;
    double t = calibrate(&p);
    if (!x->p.pid || t < best) {
      stop(&x->p);
      x->p = p;
      best = t;
    } else {
      stop(&p);
    }
  }
  if (!x->p.pid) {
    snprintf(note, size, "%s could not run bench/torch_peer.py (is python3-torch installed?)",
             PYTHON);
    remove(x->case_path);
    rmdir(x->dir);
    free(x);
    return NULL;
  }
  snprintf(note, size,
           "PyTorch %s, inference_mode, torch.set_num_threads(%d), OPENBLAS_NUM_THREADS=%d%s",
           c->cfg->streaming ? "nn.GRUCell, one call per step" : "nn.GRU", x->p.omp, x->p.blas,
           threads > 1 ? " (the faster split of OpenMP/OpenBLAS threads)" : "");
  return x;
}

static double run_torch(void *p, const bench_case *c, float *y) {
  ctx *x = p;
  double t = timed(&x->p);
  if (!x->have_y) {
    FILE *f = fopen(x->out_path, "rb");
    size_t n = bench_out_floats(c);
    if (!f || fread(y, sizeof *y, n, f) != n) {
      fprintf(stderr, "torch: cannot read its outputs\n");
      exit(1);
    }
    fclose(f);
    x->have_y = true;
  }
  return t;
}

static void close_torch(void *p) {
  ctx *x = p;
  stop(&x->p);
  remove(x->case_path);
  remove(x->out_path);
  rmdir(x->dir);
  free(x);
}

static size_t no_bytes(void *p) {
  (void)p;
  return 0;
}

const bench_peer bench_torch = {"torch", open_torch, run_torch, close_torch, no_bytes, no_bytes};
