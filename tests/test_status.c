/* Status messages, names and versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gru.h"

#define LIST_ENTRY(name, value, message) {name, #name, message},
static const struct {
  gru_status status;
  const char *name, *message;
} all[] = {GRU_STATUS_LIST(LIST_ENTRY)};

static void test_every_status_has_its_message(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    assert_string_equal(gru_strerror(all[i].status), all[i].message);
    assert_string_equal(gru_status_name(all[i].status), all[i].name);
    for (size_t j = 0; j < i; j++)
      assert_int_not_equal(all[i].status, all[j].status);
  }
  assert_int_equal(GRU_OK, 0);
}

static void test_unknown_status(void **state) {
  (void)state;
  assert_string_equal(gru_strerror((gru_status)-1), "unknown status");
  assert_string_equal(gru_strerror((gru_status)9999), "unknown status");
  assert_string_equal(gru_status_name((gru_status)9999), "GRU_UNKNOWN");
}

static void test_version(void **state) {
  (void)state;
  assert_int_equal(gru_version_number(), GRU_VERSION_NUMBER);
  assert_string_equal(gru_version_string(), GRU_VERSION_STRING);
  char built[32];
  snprintf(built, sizeof built, "%d.%d.%d", GRU_VERSION_MAJOR, GRU_VERSION_MINOR,
           GRU_VERSION_PATCH);
  assert_string_equal(built, GRU_VERSION_STRING);
}

static void test_isa_names(void **state) {
  (void)state;
  assert_string_equal(gru_isa_name(GRU_ISA_SCALAR), "scalar");
  assert_string_equal(gru_isa_name(GRU_ISA_AVX2), "avx2");
  assert_string_equal(gru_isa_name(GRU_ISA_AVX512), "avx512");
  assert_string_equal(gru_isa_name((gru_isa)7), "unknown");
  assert_true(gru_cpu_isa() <= GRU_ISA_AVX512);
}

static void test_blas_info(void **state) {
  (void)state;
  char buf[256], tiny[4];
  assert_int_equal(gru_blas_info(buf, sizeof buf), GRU_OK);
  assert_true(strlen(buf) > 0);
  assert_int_equal(gru_blas_info(tiny, sizeof tiny), GRU_ERR_BUFFER);
  assert_int_equal(strlen(tiny), sizeof tiny - 1);
  assert_int_equal(gru_blas_info(NULL, 8), GRU_ERR_NULL);
  assert_int_equal(gru_blas_info(buf, 0), GRU_ERR_SIZE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_status_has_its_message),
      cmocka_unit_test(test_unknown_status),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_isa_names),
      cmocka_unit_test(test_blas_info),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
