/* interop_support.h -- what the interop tests (test_torch_golden.c,
 * test_onnx_golden.c, test_keras.c, test_interop.c) share: checks that fail with a message,
 * running one golden case per CPU path with visible skips, comparisons
 * that say where they failed, and axis swaps between the ecosystems'
 * layouts. Built into each of those tests (tests/CMakeLists.txt). */
#ifndef GRU_TEST_INTEROP_SUPPORT_H
#define GRU_TEST_INTEROP_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "golden.h"
#include "gru.h"

struct CMUnitTest; /* <cmocka.h>, which every user includes first */

/* The golden comparisons' tolerance: float32 against a float64 reference
 * over up to 50 steps (tests/data/README.md). */
#define INTEROP_TOLERANCE 1e-5

/* Fails the test with a printf-style message when cond is false. */
#define CHECK(cond, ...)        \
  do {                          \
    if (!(cond)) {              \
      print_error(__VA_ARGS__); \
      print_error("\n");        \
      fail_msg("%s", #cond);    \
    }                           \
  } while (0)

/* Fails the test unless a gru_* call returns GRU_OK; msg is the handle's
 * own message (gru_builder_error(), gru_sequence_error()). */
#define CHECK_GRU(call, msg)                                                                \
  do {                                                                                      \
    gru_status status_ = (call);                                                            \
    if (status_ != GRU_OK)                                                                  \
      fail_msg("%s -> %s (%s): %s", #call, gru_status_name(status_), gru_strerror(status_), \
               (msg));                                                                      \
  } while (0)

/* The CPU paths every golden case runs on, scalar first. */
extern const gru_isa interop_isas[3];
#define INTEROP_NUM_ISAS 3

/* One CMocka test: a golden file run on one path (ISA, and products:
 * the BLAS path is how another BLAS is tested, .ci/blas.sh). */
typedef struct interop_case {
  const char *path;
  gru_isa isa;
  char name[160];
  gru_products products;
} interop_case;

/* The file name of a path ("dir/x.txt" -> "x.txt"). */
const char *interop_base_name(const char *path);

/* Skips the test (visibly, with a message) if this CPU lacks isa. */
void interop_skip_unless_cpu(const interop_case *c);

/* After building a layer capped at c->isa that got path got: returns if
 * got is c->isa; skips if the GRU_ISA environment variable capped it;
 * fails otherwise. */
void interop_require_isa(const interop_case *c, gru_isa got);

/* Runs every golden file of dir (*.txt) once per path in interop_isas,
 * with the packed products and, if blas_too, again with BLAS's, through
 * test (its state is the interop_case; setup and teardown may replace it
 * with their own and must put it back), after the fixed tests. Prints a
 * header line; returns the number of failed tests, or 1 if dir cannot be
 * listed or holds fewer than min_cases files. */
int interop_run_golden(const char *group, const char *dir, size_t min_cases, bool blas_too,
                       const struct CMUnitTest *fixed, size_t num_fixed, void (*test)(void **state),
                       int (*setup)(void **state), int (*teardown)(void **state));

/* Fails the test unless every golden file of dir loads and there are at
 * least min_cases of them. */
void interop_check_case_files(const char *dir, size_t min_cases);

/* Largest |a - b| over n floats, its index in *at; infinite if either
 * holds a NaN there. */
double interop_max_diff(const float *a, const float *b, size_t n, size_t *at);

/* "[2,0,5] of [9,3,7]": flat index as coordinates of shape. */
void interop_describe_index(size_t ndim, const size_t *shape, size_t flat, char *buf, size_t size);

/* Compares got with the golden tensor want (same count) within tol;
 * returns the largest error; fails the test, naming the element, if it is
 * above tol. what names the comparison in the message. */
double interop_compare(const char *what, const float *got, const golden_tensor *want, double tol);

/* dst[j][i][k] = src[i][j][k] for src [n0, n1, inner]: swaps the first two
 * axes (PyTorch h_n [L*D, B, H] <-> ONNX layout=1 Y_h [B, D, H], ...). */
void interop_swap01(const float *src, float *dst, size_t n0, size_t n1, size_t inner);

/* Reads meta key as an integer in 0 .. max, failing the test otherwise. */
size_t interop_meta_size(golden *g, const char *key, size_t max);

/* The tensor called name, which must exist with the given shape. */
const golden_tensor *interop_need(const golden *g, const char *name, size_t ndim,
                                  const size_t *shape);

/* Fills n floats with NaN, so anything left unwritten fails a compare. */
void interop_fill_nan(float *p, size_t n);

/* malloc that fails the test instead of returning NULL. */
void *interop_alloc(size_t bytes);

#endif
