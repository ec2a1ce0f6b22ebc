/* interop_support.c -- helpers of the interop tests (interop_support.h). */
#include "interop_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

const gru_isa interop_isas[3] = {GRU_ISA_SCALAR, GRU_ISA_AVX2, GRU_ISA_AVX512};

const char *interop_base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

void interop_skip_unless_cpu(const interop_case *c) {
  if (c->isa <= gru_cpu_isa()) return;
  print_message("  skipped %s: this CPU has %s at best\n", c->name, gru_isa_name(gru_cpu_isa()));
  skip();
}

void interop_require_isa(const interop_case *c, gru_isa got) {
  const char *env = getenv("GRU_ISA");
  if (got == c->isa) return;
  CHECK(got < c->isa, "asked for %s, got %s", gru_isa_name(c->isa), gru_isa_name(got));
  CHECK(env != NULL && env[0] != '\0',
        "asked for %s, got %s, though the CPU supports %s and GRU_ISA is "
        "unset",
        gru_isa_name(c->isa), gru_isa_name(got), gru_isa_name(gru_cpu_isa()));
  print_message("  skipped %s: GRU_ISA=%s caps the path at %s\n", c->name, env, gru_isa_name(got));
  skip();
}

int interop_run_golden(const char *group, const char *dir, size_t min_cases, bool blas_too,
                       const struct CMUnitTest *fixed, size_t num_fixed, void (*test)(void **state),
                       int (*setup)(void **state), int (*teardown)(void **state)) {
  char **paths = NULL, blas[256];
  size_t n = 0;
  if (golden_list(dir, ".txt", &paths, &n) != 0) {
    fprintf(stderr, "cannot list %s\n", dir);
    return 1;
  }
  if (n < min_cases) {
    fprintf(stderr, "%zu case files in %s, expected at least %zu\n", n, dir, min_cases);
    golden_list_free(paths, n);
    return 1;
  }
  if (gru_blas_info(blas, sizeof blas) != GRU_OK) blas[0] = '\0';
  printf("libgru %s, CPU path %s, %s; %zu cases in %s, tolerance %g\n", gru_version_string(),
         gru_isa_name(gru_cpu_isa()), blas, n, dir, INTEROP_TOLERANCE);
  size_t runs = INTEROP_NUM_ISAS * (blas_too ? 2 : 1), count = num_fixed + runs * n;
  struct CMUnitTest *tests = calloc(count, sizeof *tests);
  interop_case *cases = calloc(runs * n, sizeof *cases);
  if (tests == NULL || cases == NULL) {
    free(tests);
    free(cases);
    golden_list_free(paths, n);
    return 1;
  }
  for (size_t i = 0; i < num_fixed; i++)
    tests[i] = fixed[i];
  for (size_t i = 0; i < runs; i++)
    for (size_t j = 0; j < n; j++) {
      interop_case *c = &cases[i * n + j];
      c->path = paths[j];
      c->isa = interop_isas[i % INTEROP_NUM_ISAS];
      c->products = i < INTEROP_NUM_ISAS ? GRU_PRODUCTS_PACKED : GRU_PRODUCTS_BLAS;
      snprintf(c->name, sizeof c->name, "%s/%s%s", interop_base_name(paths[j]),
               gru_isa_name(c->isa), c->products == GRU_PRODUCTS_BLAS ? "/blas" : "");
      tests[num_fixed + i * n + j] = (struct CMUnitTest){c->name, test, setup, teardown, c};
    }
  int failed = _cmocka_run_group_tests(group, tests, count, NULL, NULL);
  free(tests);
  free(cases);
  golden_list_free(paths, n);
  return failed;
}

void interop_check_case_files(const char *dir, size_t min_cases) {
  char **paths;
  size_t n;
  CHECK(golden_list(dir, ".txt", &paths, &n) == 0, "cannot list %s", dir);
  for (size_t i = 0; i < n; i++) {
    golden *g = calloc(1, sizeof *g);
    int ok = g != NULL && golden_load(paths[i], g) == 0;
    if (!ok) print_error("%s\n", g ? g->error : "out of memory");
    if (g != NULL) golden_free(g);
    free(g);
    if (!ok) {
      golden_list_free(paths, n);
      fail_msg("a case file does not load");
    }
  }
  golden_list_free(paths, n);
  CHECK(n >= min_cases, "%zu case files in %s, expected %zu", n, dir, min_cases);
}

double interop_max_diff(const float *a, const float *b, size_t n, size_t *at) {
  double worst = 0.0;
  *at = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (isnan(d)) {
      *at = i;
      return INFINITY;
    }
    if (d > worst) {
      worst = d;
      *at = i;
    }
  }
  return worst;
}

void interop_describe_index(size_t ndim, const size_t *shape, size_t flat, char *buf, size_t size) {
  size_t idx[GOLDEN_MAX_DIMS] = {0}, used = 0;
  if (ndim > GOLDEN_MAX_DIMS) ndim = GOLDEN_MAX_DIMS;
  for (size_t i = ndim; i-- > 0;) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  buf[0] = '\0';
  for (size_t i = 0; i < 2 * ndim && used < size; i++) {
    size_t k = i % ndim, v = i < ndim ? idx[k] : shape[k];
    const char *pre = k ? "," : i ? "] of [" : "[";
    int w = snprintf(buf + used, size - used, "%s%zu", pre, v);
    if (w < 0) return;
    used += (size_t)w;
  }
  if (used < size) snprintf(buf + used, size - used, "]");
}

double interop_compare(const char *what, const float *got, const golden_tensor *want, double tol) {
  size_t at;
  char where[96];
  double err = interop_max_diff(got, want->data, want->count, &at);
  if (err <= tol) return err;
  interop_describe_index(want->ndim, want->shape, at, where, sizeof where);
  CHECK(err <= tol, "%s: %s%s is %.9g, expected %.9g: error %.3g > %g", what, want->name, where,
        (double)got[at], (double)want->data[at], err, tol);
  return err;
}

void interop_swap01(const float *src, float *dst, size_t n0, size_t n1, size_t inner) {
  for (size_t i = 0; i < n0; i++)
    for (size_t j = 0; j < n1; j++)
      memcpy(dst + (j * n0 + i) * inner, src + (i * n1 + j) * inner, inner * sizeof *dst);
}

size_t interop_meta_size(golden *g, const char *key, size_t max) {
  size_t v = 0;
  CHECK(golden_meta_size(g, key, &v) == 0, "%s", g->error);
  CHECK(v <= max, "meta %s = %zu, above %zu", key, v, max);
  return v;
}

const golden_tensor *interop_need(const golden *g, const char *name, size_t ndim,
                                  const size_t *shape) {
  const golden_tensor *t = golden_find(g, name);
  CHECK(t != NULL, "no tensor %s", name);
  CHECK(golden_shape_is(t, ndim, shape), "tensor %s has the wrong shape", name);
  return t;
}

void interop_fill_nan(float *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = NAN;
}

void *interop_alloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  CHECK(p != NULL, "out of memory (%zu bytes)", bytes);
  return p;
}
