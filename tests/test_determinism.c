/* Determinism: the same outputs, bit for bit, on every repetition and with
 * OpenBLAS on 1 or 2 threads. OPENBLAS_NUM_THREADS is read when OpenBLAS
 * loads, so the test re-runs itself as a subprocess (--digest) with each
 * value and compares what the runs print. The library never changes
 * OpenBLAS's thread count (docs/threading.md); only this test's children
 * are started with one. (AVX2 against AVX-512, bit for bit, and the scalar
 * path within docs/numerics.md's bounds: test_forward. libgru's own thread
 * counts: test_threads.)
 *
 * By default the layers use the packed path, which calls no BLAS: the
 * header promises its bits. With --blas they use GRU_PRODUCTS_BLAS, whose
 * bits are BLAS's, and the header says so: OpenBLAS 0.3.21 splits a small
 * sgemm between its threads with other bits (on its Prescott kernels for
 * most row counts below 40, on its Haswell kernels for nearly all; not on
 * SkylakeX), so the batch-1 configuration, whose hoisted input projection
 * is an sgemm of 6 rows, differs. Registered as the disabled ctest
 * test_determinism_blas and reported in docs/reliability.md. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "support.h"

static const char *self;
static gru_products products = GRU_PRODUCTS_PACKED; /* --blas: GRU_PRODUCTS_BLAS */

static const struct config {
  gru_variant variant;
  gru_direction direction;
  size_t layers, input, hidden, batch, steps;
} configs[] = {
    {GRU_RESET_AFTER, GRU_FORWARD, 1, 192, 192, 24, 12},      /* sgemm, split */
    {GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 2, 96, 160, 16, 8}, /* stack, both directions */
    {GRU_RESET_AFTER, GRU_FORWARD, 1, 384, 384, 1, 6},        /* one row: sgemv */
};
enum { CONFIGS = sizeof configs / sizeof configs[0] };

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ c[i]) * 0x100000001b3u;
  return h;
}

/* One digest of every output and final state of a whole run and of as
 * many single steps, per ISA this machine has. */
static uint64_t digest(const struct config *c) {
  test_model m;
  test_model_init(&m, c->variant, c->direction, c->layers, c->input, c->hidden, true, 99);
  size_t D = c->direction >= GRU_BIDIRECTIONAL ? 2 : 1;
  size_t out = c->direction == GRU_BIDIRECTIONAL ? 2 * c->hidden : c->hidden;
  size_t nx = c->steps * c->batch * c->input, ny = c->steps * c->batch * out;
  size_t nh = c->layers * D * c->batch * c->hidden;
  float *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *h = malloc(nh * sizeof *h);
  uint64_t seed = 1234, d = 0xcbf29ce484222325u;
  test_fill(x, nx, &seed, 1.0f);
  gru_isa isas[3];
  for (size_t i = 0, n = test_isas(isas); i < n; i++) {
    gru_layer *l = test_model_build_products(&m, isas[i], products);
    gru_sequence *s;
    assert_int_equal(gru_sequence_create(&s, l, c->batch, c->steps), GRU_OK);
    assert_int_equal(gru_sequence_run(s, c->steps, c->batch, x, 0, y, 0, NULL, 0), GRU_OK);
    d = fnv(d, y, ny * sizeof *y);
    for (size_t t = 0; D == 1 && t < c->steps; t++) {
      assert_int_equal(
          gru_sequence_step(s, c->batch, x + t * c->batch * c->input, 0, y, 0, NULL, NULL, 0),
          GRU_OK);
      d = fnv(d, y, c->batch * out * sizeof *y);
    }
    assert_int_equal(gru_sequence_get_state(s, c->batch, h, nh), GRU_OK);
    d = fnv(d, h, nh * sizeof *h);
    gru_sequence_destroy(s);
    gru_layer_destroy(l);
  }
  free(x);
  free(y);
  free(h);
  test_model_free(&m);
  return d;
}

/* Runs this program with --digest and OPENBLAS_NUM_THREADS=threads; reads
 * its digests and the BLAS it reported. */
static void digests_with(const char *threads, uint64_t out[CONFIGS], char *blas, size_t size) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=%s '%s' --digest", threads, self);
  if (products == GRU_PRODUCTS_BLAS) strncat(cmd, " --blas", sizeof cmd - strlen(cmd) - 1);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  for (int i = 0; i < CONFIGS; i++) {
    unsigned long long v;
    if (fscanf(p, "%llx", &v) != 1) fail_msg("%s: no digest %d", cmd, i);
    out[i] = v;
  }
  /* The BLAS's name: the rest of the output, after white space. */
  if (fscanf(p, " ") != 0 || !fgets(blas, (int)size, p)) blas[0] = '\0';
  blas[strcspn(blas, "\n")] = '\0';
  int status = pclose(p);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_repeated_runs(void **state) {
  (void)state;
  for (int i = 0; i < CONFIGS; i++) {
    uint64_t first = digest(&configs[i]);
    for (int r = 0; r < 2; r++)
      if (digest(&configs[i]) != first) fail_msg("config %d: run %d differs from the first", i, r);
  }
}

static void test_openblas_threads(void **state) {
  (void)state;
  uint64_t one[CONFIGS], two[CONFIGS];
  char blas1[512], blas2[512];
  digests_with("1", one, blas1, sizeof blas1);
  digests_with("2", two, blas2, sizeof blas2);
  print_message("1 thread:  %s\n2 threads: %s\n", blas1, blas2);
  for (int i = 0; i < CONFIGS; i++) {
    if (one[i] != two[i]) fail_msg("config %d: OpenBLAS on 1 and 2 threads differ", i);
  }
  print_message(
      "%d configurations x every ISA, %s path: the same bits with OpenBLAS on 1 and 2 "
      "threads\n",
      CONFIGS, products == GRU_PRODUCTS_BLAS ? "BLAS" : "packed");
}

int main(int argc, char **argv) {
  self = argv[0];
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--blas") == 0) products = GRU_PRODUCTS_BLAS;
  if (argc > 1 && strcmp(argv[1], "--digest") == 0) {
    for (int i = 0; i < CONFIGS; i++)
      printf("%016llx\n", (unsigned long long)digest(&configs[i]));
    char blas[256];
    gru_blas_info(blas, sizeof blas);
    printf("%s\n", blas);
    return 0;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_repeated_runs),
      cmocka_unit_test(test_openblas_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
