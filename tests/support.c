#define _POSIX_C_SOURCE 200112L
#include "support.h"

#include <math.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

void test_fill(float *p, size_t n, uint64_t *seed, float scale) {
  for (size_t i = 0; i < n; i++)
    p[i] = scale * ((float)(next(seed) >> 40) / (float)(1u << 24) * 2.0f - 1.0f);
}

static float *random_array(size_t n, uint64_t *seed, float scale) {
  float *p = malloc(n * sizeof *p);
  assert_non_null(p);
  test_fill(p, n, seed, scale);
  return p;
}

void test_model_init(test_model *m, gru_variant variant, gru_direction dir, size_t layers,
                     size_t input, size_t hidden, bool bias, uint64_t seed) {
  memset(m, 0, sizeof *m);
  m->ref = (ref_weights){variant, dir, layers, input, hidden, NULL, NULL, NULL};
  size_t D = ref_dirs(&m->ref);
  m->cells = layers * D;
  m->w = calloc(3 * m->cells, sizeof *m->w);
  if (bias) m->b = calloc(3 * m->cells, sizeof *m->b);
  if (bias && variant == GRU_RESET_AFTER) m->bhn = calloc(m->cells, sizeof *m->bhn);
  uint64_t s = seed * 2654435761u + 1;
  /* Weights scaled like PyTorch's init, 1/sqrt(H), so activations stay in
   * their interesting range. */
  float scale = 1.0f / sqrtf((float)hidden);
  for (size_t c = 0; c < m->cells; c++) {
    size_t in = ref_layer_input(&m->ref, c / D);
    for (size_t g = 0; g < 3; g++) {
      m->w[3 * c + g] = random_array(hidden * (hidden + in), &s, scale);
      if (bias) m->b[3 * c + g] = random_array(hidden, &s, scale);
    }
    if (m->bhn) m->bhn[c] = random_array(hidden, &s, scale);
  }
  m->ref.w = (const float *const *)m->w;
  m->ref.b = (const float *const *)m->b;
  m->ref.bhn = (const float *const *)m->bhn;
}

void test_model_free(test_model *m) {
  for (size_t i = 0; i < 3 * m->cells; i++) {
    free(m->w[i]);
    if (m->b) free(m->b[i]);
  }
  for (size_t c = 0; m->bhn && c < m->cells; c++)
    free(m->bhn[c]);
  free(m->w);
  free(m->b);
  free(m->bhn);
}

static gru_status set(gru_builder *b, const char *base, size_t k, size_t d, const float *data,
                      size_t rows, size_t cols) {
  char name[64];
  snprintf(name, sizeof name, "%s_l%zu%s", base, k, d ? "_reverse" : "");
  size_t shape[2] = {rows, cols};
  return gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, name, data, cols ? 2 : 1, shape);
}

gru_status test_model_load(const test_model *m, gru_builder *b) {
  static const char *const wn[] = {"W_r", "W_z", "W_h"}, *const bn[] = {"b_r", "b_z", "b_h"};
  size_t D = ref_dirs(&m->ref), H = m->ref.hidden;
  gru_status st = GRU_OK;
  for (size_t c = 0; c < m->cells && st == GRU_OK; c++) {
    size_t k = c / D, d = c % D, in = ref_layer_input(&m->ref, k);
    for (size_t g = 0; g < 3 && st == GRU_OK; g++) {
      st = set(b, wn[g], k, d, m->w[3 * c + g], H, H + in);
      if (st == GRU_OK && m->b) st = set(b, bn[g], k, d, m->b[3 * c + g], H, 0);
    }
    if (st == GRU_OK && m->bhn) st = set(b, "b_hn", k, d, m->bhn[c], H, 0);
  }
  return st;
}

gru_layer *test_model_build(const test_model *m, gru_isa isa) {
  return test_model_build_products(m, isa, GRU_PRODUCTS_PACKED);
}

gru_layer *test_model_build_products(const test_model *m, gru_isa isa, gru_products products) {
  gru_builder *b;
  gru_layer *layer = NULL;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, m->ref.variant, m->ref.direction, m->ref.layers,
                                         m->ref.input, m->ref.hidden),
                   GRU_OK);
  assert_int_equal(gru_builder_set_option(b, GRU_OPT_ISA, isa), GRU_OK);
  assert_int_equal(gru_builder_set_option(b, GRU_OPT_PRODUCTS, products), GRU_OK);
  assert_int_equal(test_model_load(m, b), GRU_OK);
  assert_int_equal(gru_builder_build(b, &layer), GRU_OK);
  gru_builder_destroy(b);
  size_t got;
  assert_int_equal(gru_layer_get(layer, GRU_INFO_ISA, &got), GRU_OK);
  assert_int_equal(got, isa < test_isa_max() ? isa : test_isa_max());
  assert_int_equal(gru_layer_get(layer, GRU_INFO_PRODUCTS, &got), GRU_OK);
  assert_int_equal(got, products);
  return layer;
}

gru_isa test_isa_max(void) {
  gru_isa max = gru_cpu_isa();
  const char *env = getenv("GRU_ISA");
  for (int i = GRU_ISA_SCALAR; env && *env && i < (int)max; i++)
    if (strcmp(env, gru_isa_name((gru_isa)i)) == 0) max = (gru_isa)i;
  return max;
}

size_t test_isas(gru_isa isas[3]) {
  size_t n = 0;
  for (int i = GRU_ISA_SCALAR; i <= (int)test_isa_max(); i++)
    isas[n++] = (gru_isa)i;
  return n;
}

double test_max_diff(const float *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (!(d <= m)) m = d; /* NaN wins */
  }
  return m;
}

double test_max_diff_f(const float *a, const float *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!(d <= m)) m = d;
  }
  return m;
}

void *test_alloc_fn(void *ctx, size_t size, size_t alignment) {
  test_alloc *t = ctx;
  t->calls++;
  if (t->fail_at && t->calls == t->fail_at) return NULL;
  void *p = NULL;
  if (posix_memalign(&p, alignment, size) != 0) return NULL;
  t->live++;
  t->live_bytes += size;
  return p;
}

void test_free_fn(void *ctx, void *ptr, size_t size) {
  test_alloc *t = ctx;
  t->live--;
  t->live_bytes -= size;
  free(ptr);
}
