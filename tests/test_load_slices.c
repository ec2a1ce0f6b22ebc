/* Loading in slices (src/load.c): a tensor larger than the loader's slice
 * (256 KiB of floats) goes in several, tensors in the order of their bytes
 * in the file, and from a file each slice's pages are dropped once copied.
 * Every format, variant and direction with tensors of several slices
 * (ONNX's crossing from one direction to the other inside a slice) loads
 * back bit for bit, from memory and from a file; F16, BF16 and misaligned
 * F32 tensors of several slices load as the floats they hold; a file
 * whose data is in another order than its names, with another tensor
 * between the GRU's, loads the same and leaves that tensor readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safetensors_support.h"
#include "support.h"

/* H = 160: weight_hh [480, 160] is 76800 floats, two slices of 409 rows;
 * ONNX's R [2, 480, 160] three, the second crossing into direction 1. */
enum { HIDDEN = 160, INPUT = 40 };

static size_t elems(size_t ndim, const size_t *shape) {
  size_t n = 1;
  for (size_t d = 0; d < ndim; d++)
    n *= shape[d];
  return n;
}

static void assert_same_tensors(const gru_layer *a, const gru_layer *b, gru_format format) {
  size_t count;
  assert_int_equal(gru_layer_tensor_count(a, format, &count), GRU_OK);
  for (size_t i = 0; i < count; i++) {
    char name[GRU_MAX_NAME];
    size_t ndim, shape[GRU_MAX_DIMS];
    assert_int_equal(gru_layer_tensor_info(a, format, i, name, sizeof name, &ndim, shape), GRU_OK);
    size_t n = elems(ndim, shape);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_int_equal(gru_layer_get_tensor(a, format, name, x, n), GRU_OK);
    assert_int_equal(gru_layer_get_tensor(b, format, name, y, n), GRU_OK);
    if (memcmp(x, y, n * sizeof *x)) fail_msg("%s differs", name);
    free(x);
    free(y);
  }
}

static gru_layer *build(gru_builder *b, gru_status loaded) {
  gru_layer *l = NULL;
  if (loaded == GRU_OK) loaded = gru_builder_build(b, &l);
  if (loaded != GRU_OK) fail_msg("%s", gru_builder_error(b));
  gru_builder_destroy(b);
  return l;
}

static gru_layer *load_bytes(const void *data, size_t size, const char *prefix) {
  gru_builder *b;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  return build(b, gru_builder_load_safetensors(b, data, size, prefix));
}

static gru_layer *load_path(const char *path, const char *prefix) {
  gru_builder *b;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  return build(b, gru_builder_load_file(b, path, prefix));
}

static void test_every_format(void **state) {
  (void)state;
  static const gru_format formats[] = {GRU_FORMAT_CONCAT, GRU_FORMAT_TORCH, GRU_FORMAT_ONNX,
                                       GRU_FORMAT_KERAS};
  const char *path = st_tmp_path("slices.safetensors");
  for (int v = 0; v < 2; v++)
    for (int d = 0; d < 4; d++) {
      test_model m;
      test_model_init(&m, (gru_variant)v, (gru_direction)d, 2, INPUT, HIDDEN, true,
                      (uint64_t)(v * 4 + d + 1));
      gru_layer *l = test_model_build(&m, test_isa_max());
      for (size_t f = 0; f < 4; f++) {
        if (formats[f] == GRU_FORMAT_TORCH && v == GRU_RESET_BEFORE) continue;
        size_t size;
        assert_int_equal(gru_layer_save_safetensors(l, formats[f], NULL, 0, &size), GRU_OK);
        unsigned char *buf = malloc(size);
        assert_int_equal(gru_layer_save_safetensors(l, formats[f], buf, size, &size), GRU_OK);
        gru_layer *back = load_bytes(buf, size, NULL);
        assert_same_tensors(l, back, formats[f]);
        assert_same_tensors(l, back, GRU_FORMAT_CONCAT);
        assert_int_equal(st_write(path, buf, size), 0);
        gru_layer *again = load_path(path, NULL);
        assert_same_tensors(l, again, formats[f]);
        assert_same_tensors(l, again, GRU_FORMAT_CONCAT);
        gru_layer_destroy(again);
        gru_layer_destroy(back);
        free(buf);
      }
      gru_layer_destroy(l);
      test_model_free(&m);
    }
}

/* A PyTorch GRU's tensors, forward, one layer, without biases, in the
 * order given, their data as the bytes fill() writes for a dtype. */
typedef struct part {
  const char *name;
  size_t rows, cols;
} part;

static const part ih = {"rnn.weight_ih_l0", 3 * HIDDEN, INPUT};
static const part hh = {"rnn.weight_hh_l0", 3 * HIDDEN, HIDDEN};

/* Element i's bits in each dtype: a half pattern running through zeros,
 * subnormals and normals of both signs (no infinity or NaN), and the
 * float it is; BF16 takes the same 16 bits as a float's top half. */
static uint16_t pattern(size_t i) {
  return (uint16_t)((i * 2654435761u >> 7) % 0x7c00u | (i % 2 ? 0x8000u : 0u));
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    float v = (float)mant * 0x1p-24f;
    return sign ? -v : v;
  }
  bits = sign | (exp + 112) << 23 | mant << 13;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static float value(const char *dtype, size_t i) {
  if (!strcmp(dtype, "F16")) return half_to_float(pattern(i));
  uint32_t bits = (uint32_t)pattern(i) << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* A file of the parts in that order, in dtype, after `skip` bytes of a U8
 * tensor "rnn_skip" (0: none) and with an F32 tensor "decoder" of
 * `between` floats after the first part; the header padded so the data
 * starts 8-byte aligned. */
static unsigned char *make_file(const part *parts, size_t nparts, const char *dtype, size_t skip,
                                size_t between, size_t *size) {
  size_t esize = strcmp(dtype, "F32") ? 2 : 4, at = 0, data_size = skip;
  for (size_t p = 0; p < nparts; p++)
    data_size += parts[p].rows * parts[p].cols * esize;
  data_size += between * 4;
  char header[1024];
  int n = snprintf(header, sizeof header, "{");
  if (skip) {
    n += snprintf(header + n, sizeof header - (size_t)n,
                  "'rnn_skip':{'dtype':'U8','shape':[%zu],'data_offsets':[0,%zu]},", skip, skip);
    at = skip;
  }
  unsigned char *data = calloc(1, data_size);
  for (size_t p = 0; p < nparts; p++) {
    size_t count = parts[p].rows * parts[p].cols;
    n += snprintf(header + n, sizeof header - (size_t)n,
                  "%s'%s':{'dtype':'%s','shape':[%zu,%zu],'data_offsets':[%zu,%zu]}", p ? "," : "",
                  parts[p].name, dtype, parts[p].rows, parts[p].cols, at, at + count * esize);
    for (size_t i = 0; i < count; i++) {
      uint32_t bits = pattern(i);
      if (esize == 4) {
        float f = value("F16", i);
        memcpy(&bits, &f, 4);
      }
      for (size_t k = 0; k < esize; k++)
        data[at + i * esize + k] = (unsigned char)(bits >> (8 * k));
    }
    at += count * esize;
    if (p == 0 && between) {
      n += snprintf(header + n, sizeof header - (size_t)n,
                    ",'decoder':{'dtype':'F32','shape':[%zu],'data_offsets':[%zu,%zu]}", between,
                    at, at + 4 * between);
      for (size_t i = 0; i < between; i++) {
        float f = (float)i;
        memcpy(data + at + 4 * i, &f, 4);
      }
      at += 4 * between;
    }
  }
  n += snprintf(header + n, sizeof header - (size_t)n, "}");
  while (n % 8)
    header[n++] = ' ';
  header[n] = '\0';
  unsigned char *file = st_file(header, data, data_size, UINT64_MAX, size);
  free(data);
  return file;
}

/* The layer holds what make_file wrote for the two parts. */
static void assert_parts(const gru_layer *l, const char *dtype) {
  const part *parts[] = {&ih, &hh};
  for (int p = 0; p < 2; p++) {
    size_t count = parts[p]->rows * parts[p]->cols;
    float *got = malloc(count * sizeof *got);
    assert_int_equal(gru_layer_get_tensor(l, GRU_FORMAT_TORCH, parts[p]->name + 4, got, count),
                     GRU_OK);
    for (size_t i = 0; i < count; i++) {
      float want = value(strcmp(dtype, "BF16") ? "F16" : "BF16", i);
      if (memcmp(&got[i], &want, sizeof want))
        fail_msg("%s %s element %zu: %a, not %a", dtype, parts[p]->name, i, got[i], want);
    }
    free(got);
  }
}

static void test_dtypes(void **state) {
  (void)state;
  const part parts[] = {hh, ih};
  static const struct {
    const char *dtype;
    size_t skip;
  } cases[] = {{"F32", 0}, {"F32", 1}, {"F16", 0}, {"F16", 1}, {"BF16", 0}, {"BF16", 1}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t size;
    unsigned char *file = make_file(parts, 2, cases[c].dtype, cases[c].skip, 0, &size);
    gru_layer *l = load_bytes(file, size, "rnn.");
    assert_parts(l, cases[c].dtype);
    gru_layer_destroy(l);
    const char *path = st_tmp_path("dtypes.safetensors");
    assert_int_equal(st_write(path, file, size), 0);
    l = load_path(path, "rnn.");
    assert_parts(l, cases[c].dtype);
    gru_layer_destroy(l);
    free(file);
  }
}

/* weight_ih before weight_hh in the file (the other way round by name), a
 * decoder of 1025 floats (not a whole number of pages) between them:
 * loaded through a gru_file, whose decoder reads back afterwards. */
static void test_file_order(void **state) {
  (void)state;
  const part parts[] = {ih, hh};
  enum { BETWEEN = 1025 };
  size_t size;
  unsigned char *bytes = make_file(parts, 2, "F32", 0, BETWEEN, &size);
  const char *path = st_tmp_path("order.safetensors");
  assert_int_equal(st_write(path, bytes, size), 0);
  gru_file *f;
  gru_builder *b;
  assert_int_equal(gru_file_create(&f), GRU_OK);
  assert_int_equal(gru_file_open(f, path), GRU_OK);
  float *decoder = malloc(BETWEEN * sizeof *decoder);
  assert_int_equal(gru_file_read_tensor(f, "decoder", decoder, BETWEEN), GRU_OK);
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  gru_layer *l = build(b, gru_builder_load(b, f, "rnn."));
  assert_parts(l, "F32");
  memset(decoder, 0, BETWEEN * sizeof *decoder);
  assert_int_equal(gru_file_read_tensor(f, "decoder", decoder, BETWEEN), GRU_OK);
  for (size_t i = 0; i < BETWEEN; i++)
    assert_true(decoder[i] == (float)i);
  gru_layer_destroy(l);
  gru_file_destroy(f);
  free(decoder);
  free(bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_format),
      cmocka_unit_test(test_dtypes),
      cmocka_unit_test(test_file_order),
  };
  return cmocka_run_group_tests(tests, NULL, st_tmpdir_teardown);
}
