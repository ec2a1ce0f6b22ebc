/* Builders: shapes, options, tensors, building, and every way to misuse
 * them. A failed call leaves the builder as it was. */
#define _POSIX_C_SOURCE 200112L
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

enum { I = 5, H = 7 };

static float w_ih[3 * H * I], w_hh[3 * H * H], b3[3 * H];
static const size_t ih_shape[] = {3 * H, I}, hh_shape[] = {3 * H, H}, b_shape[] = {3 * H};

static int setup(void **state) {
  uint64_t seed = 1;
  test_fill(w_ih, sizeof w_ih / sizeof w_ih[0], &seed, 0.3f);
  test_fill(w_hh, sizeof w_hh / sizeof w_hh[0], &seed, 0.3f);
  test_fill(b3, sizeof b3 / sizeof b3[0], &seed, 0.3f);
  gru_builder *b;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H), GRU_OK);
  *state = b;
  return 0;
}

static int teardown(void **state) {
  gru_builder_destroy(*state);
  return 0;
}

static void set_torch(gru_builder *b) {
  assert_int_equal(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, ih_shape),
                   GRU_OK);
  assert_int_equal(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_hh", w_hh, 2, hh_shape),
                   GRU_OK);
}

/* Building succeeds: proof that the failures before it changed nothing. */
static void assert_builds(gru_builder *b) {
  gru_layer *l;
  set_torch(b);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  size_t v;
  assert_int_equal(gru_layer_get(l, GRU_INFO_HIDDEN_SIZE, &v), GRU_OK);
  assert_int_equal(v, H);
  gru_layer_destroy(l);
}

static void expect(gru_builder *b, gru_status got, gru_status want) {
  assert_int_equal(got, want);
  assert_true(strlen(gru_builder_error(b)) > 0);
}

static void test_create_and_destroy(void **state) {
  (void)state;
  test_alloc t = {0};
  gru_builder *b = (gru_builder *)&t;
  assert_int_equal(gru_builder_create(NULL), GRU_ERR_NULL);
  assert_int_equal(gru_builder_create_custom(&b, NULL, test_free_fn, &t), GRU_ERR_NULL);
  assert_null(b);
  assert_int_equal(gru_builder_create_custom(&b, test_alloc_fn, NULL, &t), GRU_ERR_NULL);
  assert_int_equal(gru_builder_create_custom(NULL, test_alloc_fn, test_free_fn, &t), GRU_ERR_NULL);
  assert_int_equal(gru_builder_create_custom(&b, test_alloc_fn, test_free_fn, &t), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, 2, 3, 4), GRU_OK);
  gru_builder_destroy(b);
  assert_int_equal(t.live, 0);
  gru_builder_destroy(NULL);
  assert_string_equal(gru_builder_error(NULL), "NULL builder");
}

static void test_bad_shapes(void **state) {
  gru_builder *b = *state;
  assert_int_equal(gru_builder_set_shape(NULL, GRU_RESET_AFTER, GRU_FORWARD, 1, 1, 1),
                   GRU_ERR_NULL);
  expect(b, gru_builder_set_shape(b, (gru_variant)2, GRU_FORWARD, 1, I, H), GRU_ERR_INVALID);
  expect(b, gru_builder_set_shape(b, (gru_variant)-1, GRU_FORWARD, 1, I, H), GRU_ERR_INVALID);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, (gru_direction)4, 1, I, H), GRU_ERR_INVALID);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 0, I, H), GRU_ERR_SIZE);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, 0, H), GRU_ERR_SIZE);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, 0), GRU_ERR_SIZE);
  /* Products that overflow size_t, and dimensions past a BLAS int. */
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, SIZE_MAX / 2),
         GRU_ERR_SIZE);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, SIZE_MAX, I, H), GRU_ERR_SIZE);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, SIZE_MAX - 3, H),
         GRU_ERR_SIZE);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, (size_t)1 << 31, 1),
         GRU_ERR_SIZE);
  expect(b, gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, 1, (size_t)1 << 29),
         GRU_ERR_SIZE);
  assert_builds(b);
}

static void test_options(void **state) {
  gru_builder *b = *state;
  assert_int_equal(gru_builder_set_option(NULL, GRU_OPT_ISA, 0), GRU_ERR_NULL);
  expect(b, gru_builder_set_option(b, (gru_option)99, 0), GRU_ERR_INVALID);
  expect(b, gru_builder_set_option(b, GRU_OPT_ISA, 3), GRU_ERR_INVALID);
  assert_int_equal(gru_builder_set_option(b, GRU_OPT_ISA, GRU_ISA_SCALAR), GRU_OK);
  gru_layer *l;
  set_torch(b);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  size_t isa;
  assert_int_equal(gru_layer_get(l, GRU_INFO_ISA, &isa), GRU_OK);
  assert_int_equal(isa, GRU_ISA_SCALAR);
  gru_layer_destroy(l);
}

static void test_bad_tensors(void **state) {
  gru_builder *b = *state;
  gru_builder *fresh;
  assert_int_equal(gru_builder_create(&fresh), GRU_OK);
  expect(fresh, gru_builder_set_tensor(fresh, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, ih_shape),
         GRU_ERR_STATE);
  gru_builder_destroy(fresh);
  assert_int_equal(
      gru_builder_set_tensor(NULL, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, ih_shape),
      GRU_ERR_NULL);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, NULL, w_ih, 2, ih_shape), GRU_ERR_NULL);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", NULL, 2, ih_shape),
         GRU_ERR_NULL);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, NULL),
         GRU_ERR_NULL);
  expect(b, gru_builder_set_tensor(b, (gru_format)9, "weight_ih_l0", w_ih, 2, ih_shape),
         GRU_ERR_INVALID);
  static const char *const bad_names[] = {"weight_ih_l1",
                                          "weight_ih_l0_reverse",
                                          "weight_ih_l01",
                                          "weight_ih_l",
                                          "weight_ih_",
                                          "weight_ih_l0x",
                                          "weight",
                                          "",
                                          "Weight_ih_l0",
                                          "weight_ih_l18446744073709551616",
                                          "weight_ih_l0_reverse_reverse",
                                          "b_hn_l0"};
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
    expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, bad_names[i], w_ih, 2, ih_shape),
           GRU_ERR_NAME);
  const size_t wrong[] = {3 * H, I + 1}, swapped[] = {I, 3 * H}, three[] = {1, 3 * H, I};
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, wrong),
         GRU_ERR_SHAPE);
  assert_non_null(strstr(gru_builder_error(b), "expected shape [21, 5], got [21, 6]"));
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, swapped),
         GRU_ERR_SHAPE);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 3, three),
         GRU_ERR_SHAPE);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 1, ih_shape),
         GRU_ERR_SHAPE);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "bias_ih_l0", b3, 0, b_shape),
         GRU_ERR_SHAPE);
  assert_builds(b);
}

static void test_variant_mismatch(void **state) {
  gru_builder *b = *state;
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_BEFORE, GRU_FORWARD, 1, I, H), GRU_OK);
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, ih_shape),
         GRU_ERR_UNSUPPORTED);
  const size_t hn_shape[] = {H};
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_CONCAT, "b_hn", b3, 1, hn_shape), GRU_ERR_NAME);
  /* Keras's bias shape follows the variant. */
  const size_t after_bias[] = {2, 3 * H};
  expect(b, gru_builder_set_tensor(b, GRU_FORMAT_KERAS, "bias", b3, 2, after_bias), GRU_ERR_SHAPE);
  assert_int_equal(gru_builder_set_tensor(b, GRU_FORMAT_KERAS, "bias", b3, 1, b_shape), GRU_OK);
}

static void test_missing_and_rebuild(void **state) {
  gru_builder *b = *state;
  gru_layer *l = (gru_layer *)b;
  gru_builder *empty;
  assert_int_equal(gru_builder_create(&empty), GRU_OK);
  expect(empty, gru_builder_build(empty, &l), GRU_ERR_STATE);
  assert_null(l);
  gru_builder_destroy(empty);
  assert_int_equal(gru_builder_build(NULL, &l), GRU_ERR_NULL);
  expect(b, gru_builder_build(b, NULL), GRU_ERR_NULL);
  assert_int_equal(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, ih_shape),
                   GRU_OK);
  expect(b, gru_builder_build(b, &l), GRU_ERR_MISSING);
  assert_non_null(strstr(gru_builder_error(b), "recurrent weights of gate r"));
  assert_int_equal(gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_hh_l0", w_hh, 2, hh_shape),
                   GRU_OK);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  gru_layer_destroy(l);
  /* The weights moved into the layer: the builder has none left. */
  expect(b, gru_builder_build(b, &l), GRU_ERR_MISSING);
  assert_builds(b);
}

static void test_env_isa(void **state) {
  gru_builder *b = *state;
  gru_layer *l;
  set_torch(b);
  setenv("GRU_ISA", "avx-512", 1);
  expect(b, gru_builder_build(b, &l), GRU_ERR_INVALID);
  setenv("GRU_ISA", "scalar", 1);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  size_t isa;
  gru_layer_get(l, GRU_INFO_ISA, &isa);
  assert_int_equal(isa, GRU_ISA_SCALAR);
  gru_layer_destroy(l);
  setenv("GRU_ISA", "", 1);
  set_torch(b);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  gru_layer_get(l, GRU_INFO_ISA, &isa);
  assert_int_equal(isa, gru_cpu_isa());
  gru_layer_destroy(l);
  unsetenv("GRU_ISA");
}

static void test_layer_queries(void **state) {
  gru_builder *b = *state;
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 3, I, H), GRU_OK);
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 3, I, H, true, 3);
  assert_int_equal(test_model_load(&m, b), GRU_OK);
  gru_layer *l;
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  const struct {
    gru_info key;
    size_t want;
  } facts[] = {{GRU_INFO_VARIANT, GRU_RESET_AFTER},
               {GRU_INFO_DIRECTION, GRU_BIDIRECTIONAL},
               {GRU_INFO_NUM_LAYERS, 3},
               {GRU_INFO_NUM_DIRECTIONS, 2},
               {GRU_INFO_INPUT_SIZE, I},
               {GRU_INFO_HIDDEN_SIZE, H},
               {GRU_INFO_OUTPUT_SIZE, 2 * H},
               {GRU_INFO_STATE_SIZE, 6 * H}};
  for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
    size_t v;
    assert_int_equal(gru_layer_get(l, facts[i].key, &v), GRU_OK);
    assert_int_equal(v, facts[i].want);
  }
  size_t bytes;
  assert_int_equal(gru_layer_get(l, GRU_INFO_BYTES, &bytes), GRU_OK);
  assert_true(bytes >= 6 * 3 * H * (H + 2 * H) * sizeof(float));
  size_t v = 12345;
  assert_int_equal(gru_layer_get(l, GRU_INFO_MAX_BATCH, &v), GRU_ERR_INVALID);
  assert_int_equal(gru_layer_get(l, (gru_info)99, &v), GRU_ERR_INVALID);
  assert_int_equal(v, 12345);
  assert_int_equal(gru_layer_get(NULL, GRU_INFO_ISA, &v), GRU_ERR_NULL);
  assert_int_equal(gru_layer_get(l, GRU_INFO_ISA, NULL), GRU_ERR_NULL);
  gru_layer_destroy(l);
  gru_layer_destroy(NULL);
  test_model_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_and_destroy),
      cmocka_unit_test_setup_teardown(test_bad_shapes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_options, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_tensors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_variant_mismatch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_and_rebuild, setup, teardown),
      cmocka_unit_test_setup_teardown(test_env_isa, setup, teardown),
      cmocka_unit_test_setup_teardown(test_layer_queries, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
