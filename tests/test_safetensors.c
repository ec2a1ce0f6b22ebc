/* Model files that load: PyTorch's own (golden data from
 * tests/data/make_model_golden.py: stacks, both directions, batch_first,
 * packed lengths, a GRU inside a model, F16, BF16, GRUCell names, no
 * biases, libgru's metadata), libgru's files in every format, variant and
 * direction saved and loaded back bit for bit, and the gru_file reader. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "npy.h"
#include "safetensors_support.h"
#include "support.h"

#define MODELS GRU_TEST_DATA_DIR "/models/"

static const char *case_path(const char *name, const char *suffix) {
  static char path[512];
  snprintf(path, sizeof path, MODELS "%s.%s", name, suffix);
  return path;
}

/* Reads <name>.<suffix>.npy if it exists; false if it does not. */
static bool golden_npy(const char *name, const char *suffix, unsigned types, npy_array *a) {
  char path[512], error[256];
  snprintf(path, sizeof path, MODELS "%s.%s.npy", name, suffix);
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  fclose(f);
  if (!npy_read(path, types, a, error, sizeof error)) fail_msg("%s: %s", path, error);
  return true;
}

static gru_layer *load_path(const char *path, const char *prefix) {
  gru_builder *b;
  gru_layer *layer = NULL;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  gru_status st = gru_builder_load_file(b, path, prefix);
  if (st == GRU_OK) st = gru_builder_build(b, &layer);
  if (st != GRU_OK) fail_msg("%s: %s", path, gru_builder_error(b));
  gru_builder_destroy(b);
  return layer;
}

static gru_layer *load_bytes(const void *data, size_t size, const char *prefix) {
  gru_builder *b;
  gru_layer *layer = NULL;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  gru_status st = gru_builder_load_safetensors(b, data, size, prefix);
  if (st == GRU_OK) st = gru_builder_build(b, &layer);
  if (st != GRU_OK) fail_msg("%s", gru_builder_error(b));
  gru_builder_destroy(b);
  return layer;
}

static size_t info(const gru_layer *l, gru_info key) {
  size_t v;
  assert_int_equal(gru_layer_get(l, key, &v), GRU_OK);
  return v;
}

/* Runs layer over x (with h0, lengths if given): y and h_n, malloc'd. */
static void run(const gru_layer *l, const npy_array *x, const npy_array *h0,
                const npy_array *lengths, bool batch_first, float **y, float **hn) {
  size_t T = x->shape[batch_first ? 1 : 0], B = x->shape[batch_first ? 0 : 1];
  size_t out = info(l, GRU_INFO_OUTPUT_SIZE), state = info(l, GRU_INFO_STATE_SIZE);
  size_t len[16];
  for (size_t i = 0; lengths && i < B; i++)
    len[i] = lengths->type == NPY_I8 ? (size_t)((int64_t *)lengths->data)[i]
                                     : (size_t)((int32_t *)lengths->data)[i];
  gru_sequence *q;
  assert_int_equal(gru_sequence_create(&q, l, B, T), GRU_OK);
  assert_int_equal(gru_sequence_reset(q, B, h0 ? h0->data : NULL, h0 ? h0->count : 0), GRU_OK);
  *y = calloc(T * B * out, sizeof(float));
  *hn = calloc(state * B, sizeof(float));
  assert_int_equal(gru_sequence_run(q, T, B, x->data, 0, *y, 0, lengths ? len : NULL,
                                    batch_first ? GRU_BATCH_MAJOR : 0),
                   GRU_OK);
  assert_int_equal(gru_sequence_get_state(q, B, *hn, state * B), GRU_OK);
  gru_sequence_destroy(q);
}

static const struct {
  const char *name, *prefix;
  size_t layers, dirs, input, hidden;
} golden[] = {
    {"l2_bidir", NULL, 2, 2, 5, 6},   {"batch_first", NULL, 1, 1, 4, 5},
    {"in_model", "rnn.", 2, 1, 3, 4}, {"f16", NULL, 1, 1, 4, 3},
    {"bf16", NULL, 2, 1, 4, 3},       {"meta", NULL, 1, 1, 3, 4},
    {"cell", NULL, 1, 1, 3, 4},       {"no_bias", NULL, 2, 1, 3, 4},
};

static void test_pytorch_files(void **state) {
  (void)state;
  for (size_t c = 0; c < sizeof golden / sizeof golden[0]; c++) {
    const char *name = golden[c].name;
    gru_layer *l = load_path(case_path(name, "safetensors"), golden[c].prefix);
    assert_int_equal(info(l, GRU_INFO_NUM_LAYERS), golden[c].layers);
    assert_int_equal(info(l, GRU_INFO_NUM_DIRECTIONS), golden[c].dirs);
    assert_int_equal(info(l, GRU_INFO_INPUT_SIZE), golden[c].input);
    assert_int_equal(info(l, GRU_INFO_HIDDEN_SIZE), golden[c].hidden);
    assert_int_equal(info(l, GRU_INFO_VARIANT), GRU_RESET_AFTER);
    npy_array x, h0, lengths, y, hn;
    bool has_h0 = golden_npy(name, "h0", 1u << NPY_F4, &h0);
    bool has_len = golden_npy(name, "lengths", 1u << NPY_I4 | 1u << NPY_I8, &lengths);
    assert_true(golden_npy(name, "x", 1u << NPY_F4, &x));
    assert_true(golden_npy(name, "y", 1u << NPY_F4, &y));
    assert_true(golden_npy(name, "hn", 1u << NPY_F4, &hn));
    float *got_y, *got_hn;
    run(l, &x, has_h0 ? &h0 : NULL, has_len ? &lengths : NULL, !strcmp(name, "batch_first"), &got_y,
        &got_hn);
    double dy = test_max_diff_f(got_y, y.data, y.count),
           dh = test_max_diff_f(got_hn, hn.data, hn.count);
    print_message("%-12s y %.2e  h_n %.2e\n", name, dy, dh);
    assert_true(dy <= 1e-5 && dh <= 1e-5);

    /* The same file from memory: the same layer, to the bit. */
    size_t size;
    unsigned char *bytes = st_read(case_path(name, "safetensors"), &size);
    gru_layer *m = load_bytes(bytes, size, golden[c].prefix);
    float *y2, *hn2;
    run(m, &x, has_h0 ? &h0 : NULL, has_len ? &lengths : NULL, !strcmp(name, "batch_first"), &y2,
        &hn2);
    assert_memory_equal(got_y, y2, y.count * sizeof(float));
    free(y2);
    free(hn2);
    free(bytes);
    gru_layer_destroy(m);
    free(got_y);
    free(got_hn);
    npy_free(&x);
    npy_free(&y);
    npy_free(&hn);
    if (has_h0) npy_free(&h0);
    if (has_len) npy_free(&lengths);
    gru_layer_destroy(l);
  }
}

/* Every tensor of format reads back the same bits from both layers. */
static void assert_same_tensors(const gru_layer *a, const gru_layer *b, gru_format format) {
  size_t count;
  assert_int_equal(gru_layer_tensor_count(a, format, &count), GRU_OK);
  for (size_t i = 0; i < count; i++) {
    char name[GRU_MAX_NAME];
    size_t ndim, shape[GRU_MAX_DIMS], n = 1;
    assert_int_equal(gru_layer_tensor_info(a, format, i, name, sizeof name, &ndim, shape), GRU_OK);
    for (size_t d = 0; d < ndim; d++)
      n *= shape[d];
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_int_equal(gru_layer_get_tensor(a, format, name, x, n), GRU_OK);
    assert_int_equal(gru_layer_get_tensor(b, format, name, y, n), GRU_OK);
    assert_memory_equal(x, y, n * sizeof *x);
    free(x);
    free(y);
  }
}

static void test_round_trips(void **state) {
  (void)state;
  static const gru_format formats[] = {GRU_FORMAT_CONCAT, GRU_FORMAT_TORCH, GRU_FORMAT_ONNX,
                                       GRU_FORMAT_KERAS};
  size_t trips = 0;
  for (int v = 0; v < 2; v++)
    for (int d = 0; d < 4; d++)
      for (size_t f = 0; f < 4; f++) {
        if (formats[f] == GRU_FORMAT_TORCH && v == GRU_RESET_BEFORE) continue;
        test_model m;
        test_model_init(&m, (gru_variant)v, (gru_direction)d, 2, 3, 4, true,
                        (uint64_t)(v * 16 + d));
        gru_layer *l = test_model_build(&m, gru_cpu_isa());
        size_t size, written;
        assert_int_equal(gru_layer_save_safetensors(l, formats[f], NULL, 0, &size), GRU_OK);
        unsigned char *buf = malloc(size);
        assert_int_equal(gru_layer_save_safetensors(l, formats[f], buf, size, &written), GRU_OK);
        assert_int_equal(written, size);
        gru_layer *back = load_bytes(buf, size, NULL);
        assert_int_equal(info(back, GRU_INFO_VARIANT), (size_t)v);
        assert_int_equal(info(back, GRU_INFO_DIRECTION), (size_t)d);
        assert_same_tensors(l, back, formats[f]);
        assert_same_tensors(l, back, GRU_FORMAT_CONCAT);

        /* Through a file: the same bytes, the same layer. */
        const char *path = st_tmp_path("trip.safetensors");
        assert_int_equal(gru_layer_save_file(l, formats[f], path), GRU_OK);
        size_t fsize;
        unsigned char *fbytes = st_read(path, &fsize);
        assert_int_equal(fsize, size);
        assert_memory_equal(fbytes, buf, size);
        gru_layer *again = load_path(path, NULL);
        assert_same_tensors(l, again, formats[f]);
        free(fbytes);
        free(buf);
        gru_layer_destroy(again);
        gru_layer_destroy(back);
        gru_layer_destroy(l);
        test_model_free(&m);
        trips++;
      }
  print_message("%zu round trips\n", trips);
}

/* A buffer at any byte offset gets the same bytes as an aligned one, and
 * nothing outside the file's length changes. */
static void test_save_unaligned(void **state) {
  (void)state;
  test_model m;
  test_model_init(&m, GRU_RESET_AFTER, GRU_BIDIRECTIONAL, 2, 3, 5, true, 9);
  gru_layer *l = test_model_build(&m, gru_cpu_isa());
  size_t need, size;
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, NULL, 0, &need), GRU_OK);
  unsigned char *aligned = malloc(need), *buf = malloc(need + 8);
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, aligned, need, &size), GRU_OK);
  for (size_t offset = 1; offset < 4; offset++) {
    memset(buf, 0xAB, need + 8);
    assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, buf + offset, need, &size),
                     GRU_OK);
    assert_int_equal(size, need);
    assert_memory_equal(buf + offset, aligned, need);
    for (size_t i = 0; i < offset; i++)
      assert_int_equal(buf[i], 0xAB);
    for (size_t i = offset + need; i < need + 8; i++)
      assert_int_equal(buf[i], 0xAB);
  }
  free(buf);
  free(aligned);
  gru_layer_destroy(l);
  test_model_free(&m);
}

static void test_save_errors(void **state) {
  (void)state;
  test_model m;
  test_model_init(&m, GRU_RESET_BEFORE, GRU_FORWARD, 1, 2, 3, true, 7);
  gru_layer *l = test_model_build(&m, gru_cpu_isa());
  size_t size;
  assert_int_equal(gru_layer_save_safetensors(NULL, GRU_FORMAT_ONNX, NULL, 0, &size), GRU_ERR_NULL);
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, NULL, 0, NULL), GRU_ERR_NULL);
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, NULL, 8, &size), GRU_ERR_NULL);
  assert_int_equal(gru_layer_save_safetensors(l, (gru_format)9, NULL, 0, &size), GRU_ERR_INVALID);
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_TORCH, NULL, 0, &size),
                   GRU_ERR_UNSUPPORTED);
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, NULL, 0, &size), GRU_OK);
  size_t need = size;
  unsigned char *buf = malloc(need + 4);
  memset(buf, 0xAB, need + 4);
  size = 7;
  assert_int_equal(gru_layer_save_safetensors(l, GRU_FORMAT_ONNX, buf, need - 1, &size),
                   GRU_ERR_BUFFER);
  assert_int_equal(size, 7); /* nothing written */
  assert_int_equal(buf[0], 0xAB);
  assert_int_equal(gru_layer_save_file(l, GRU_FORMAT_ONNX, NULL), GRU_ERR_NULL);
  assert_int_equal(gru_layer_save_file(l, GRU_FORMAT_TORCH, st_tmp_path("x")), GRU_ERR_UNSUPPORTED);
  assert_int_equal(gru_layer_save_file(l, GRU_FORMAT_ONNX, st_tmp_path("no-such-dir/m")),
                   GRU_ERR_IO);
  free(buf);
  gru_layer_destroy(l);
  test_model_free(&m);
}

static void test_gru_file(void **state) {
  (void)state;
  gru_file *f;
  assert_int_equal(gru_file_create(&f), GRU_OK);
  size_t count;
  const char *value, *dtype, *name;
  assert_int_equal(gru_file_tensor_count(f, &count), GRU_ERR_STATE);
  assert_int_equal(gru_file_open(f, case_path("in_model", "safetensors")), GRU_OK);
  assert_int_equal(gru_file_tensor_count(f, &count), GRU_OK);
  assert_int_equal(count, 13);
  assert_int_equal(gru_file_tensor_name(f, 0, &name), GRU_OK);
  assert_string_equal(name, "embed.bias"); /* in byte order of names */
  assert_int_equal(gru_file_tensor_name(f, 13, &name), GRU_ERR_INVALID);
  size_t ndim, shape[GRU_FILE_MAX_DIMS];
  assert_int_equal(gru_file_tensor_info(f, "steps", &dtype, &ndim, shape), GRU_OK);
  assert_string_equal(dtype, "I64");
  assert_int_equal(ndim, 1);
  assert_int_equal(shape[0], 1);
  float w[8];
  assert_int_equal(gru_file_read_tensor(f, "steps", w, 1), GRU_ERR_UNSUPPORTED);
  assert_int_equal(gru_file_read_tensor(f, "head.weight", w, 7), GRU_ERR_SIZE);
  assert_int_equal(gru_file_read_tensor(f, "head.weight", w, 8), GRU_OK);
  assert_int_equal(gru_file_read_tensor(f, "nope", w, 8), GRU_ERR_NAME);
  assert_int_equal(gru_file_tensor_info(f, "nope", NULL, NULL, NULL), GRU_ERR_NAME);
  assert_int_equal(gru_file_metadata(f, "libgru.version", &value), GRU_OK);
  assert_null(value);

  /* A GRU from the open file; the builder takes its prefix. */
  gru_builder *b;
  gru_layer *l;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_load(b, f, NULL), GRU_ERR_NAME);
  assert_non_null(strstr(gru_builder_error(b), "prefix"));
  assert_int_equal(gru_builder_load(b, f, "rnn."), GRU_OK);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  gru_layer_destroy(l);

  /* A failed open keeps what was open. */
  assert_int_equal(gru_file_open(f, MODELS "no-such.safetensors"), GRU_ERR_IO);
  assert_non_null(strstr(gru_file_error(f), "no-such.safetensors"));
  assert_int_equal(gru_file_open(f, GRU_TEST_DATA_DIR), GRU_ERR_IO); /* a directory */
  assert_int_equal(gru_file_tensor_count(f, &count), GRU_OK);
  assert_int_equal(count, 13);

  assert_int_equal(gru_file_metadata_count(f, &count), GRU_OK);
  assert_int_equal(count, 0);
  assert_int_equal(gru_file_metadata_key(f, 0, &name), GRU_ERR_INVALID);
  assert_int_equal(gru_file_open(f, case_path("meta", "safetensors")), GRU_OK);
  assert_int_equal(gru_file_metadata(f, "libgru.format", &value), GRU_OK);
  assert_string_equal(value, "torch");
  /* Its ten keys, in byte order. */
  assert_int_equal(gru_file_metadata_count(f, &count), GRU_OK);
  assert_int_equal(count, 10);
  assert_int_equal(gru_file_metadata_key(f, 0, &name), GRU_OK);
  assert_string_equal(name, "libgru.direction");
  assert_int_equal(gru_file_metadata_key(f, 9, &name), GRU_OK);
  assert_string_equal(name, "libgru.z");
  assert_int_equal(gru_file_metadata(f, name, &value), GRU_OK);
  assert_string_equal(value, "old_state");
  assert_int_equal(gru_file_metadata_key(f, 10, &name), GRU_ERR_INVALID);
  assert_int_equal(gru_file_metadata(f, NULL, &value), GRU_ERR_NULL);

  /* From memory; the caller's bytes are used in place. */
  size_t size;
  unsigned char *bytes = st_read(case_path("f16", "safetensors"), &size);
  assert_int_equal(gru_file_open_memory(f, bytes, size), GRU_OK);
  assert_int_equal(gru_file_tensor_info(f, "weight_hh_l0", &dtype, NULL, NULL), GRU_OK);
  assert_string_equal(dtype, "F16");
  assert_int_equal(gru_builder_load(b, f, NULL), GRU_OK);
  assert_int_equal(gru_file_open_memory(f, NULL, 0), GRU_ERR_NULL);
  gru_file_destroy(f);
  free(bytes);

  gru_file_destroy(NULL);
  assert_int_equal(gru_file_create(NULL), GRU_ERR_NULL);
  assert_string_equal(gru_file_error(NULL), "NULL gru_file");
  assert_int_equal(gru_builder_load(b, NULL, NULL), GRU_ERR_NULL);
  assert_int_equal(gru_file_create(&f), GRU_OK);
  assert_int_equal(gru_builder_load(b, f, NULL), GRU_ERR_STATE);
  gru_file_destroy(f);
  gru_builder_destroy(b);
}

/* F16 and BF16 convert exactly: zeros, subnormals, extremes, infinities,
 * NaN. */
static void test_half_conversions(void **state) {
  (void)state;
  static const uint16_t f16[] = {0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00,
                                 0xc000, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x3555};
  static const uint32_t f16_bits[] = {0x00000000, 0x80000000, 0x33800000, 0x387fc000,
                                      0x38800000, 0x3f800000, 0xc0000000, 0x477fe000,
                                      0x7f800000, 0xff800000, 0x7fc00000, 0x3eaaa000};
  static const uint16_t bf16[] = {0x0000, 0x8000, 0x0001, 0x3f80, 0x7f80, 0xff80, 0x7fc0, 0xc2f7};
  enum { NF = 12, NB = 8 };
  unsigned char data[2 * (NF + NB)];
  for (int i = 0; i < NF; i++) {
    data[2 * i] = (unsigned char)f16[i];
    data[2 * i + 1] = (unsigned char)(f16[i] >> 8);
  }
  for (int i = 0; i < NB; i++) {
    data[2 * (NF + i)] = (unsigned char)bf16[i];
    data[2 * (NF + i) + 1] = (unsigned char)(bf16[i] >> 8);
  }
  size_t size;
  unsigned char *file = st_file(
      "{'h':{'dtype':'F16','shape':[12],'data_offsets':[0,24]},"
      "'b':{'dtype':'BF16','shape':[8],'data_offsets':[24,40]}}",
      data, sizeof data, UINT64_MAX, &size);
  gru_file *f;
  assert_int_equal(gru_file_create(&f), GRU_OK);
  assert_int_equal(gru_file_open_memory(f, file, size), GRU_OK);
  float out[NF];
  assert_int_equal(gru_file_read_tensor(f, "h", out, NF), GRU_OK);
  for (int i = 0; i < NF; i++) {
    uint32_t bits;
    memcpy(&bits, &out[i], 4);
    assert_int_equal(bits, f16_bits[i]);
  }
  assert_int_equal(gru_file_read_tensor(f, "b", out, NB), GRU_OK);
  for (int i = 0; i < NB; i++) {
    uint32_t bits;
    memcpy(&bits, &out[i], 4);
    assert_int_equal(bits, (uint32_t)bf16[i] << 16);
  }
  gru_file_destroy(f);
  free(file);
}

#define T21(name, dtype, shape, a, b) \
  "'" name "':{'dtype':'" dtype "','shape':" shape ",'data_offsets':[" #a "," #b "]}"

/* F32 data at an odd offset is read through a copy, with the same result
 * as aligned data; other tensors beside the prefix are left alone. */
static void test_misaligned_and_prefix(void **state) {
  (void)state;
  size_t an, mn;
  unsigned char *aligned = st_simple("{" T21("g.weight_ih_l0", "F32", "[3,2]", 0, 24) "," T21(
                                         "g.weight_hh_l0", "F32", "[3,1]", 24, 36) "}",
                                     36, &an);
  /* The same floats after one byte of a U8 tensor. */
  unsigned char data[37];
  data[0] = 7;
  memcpy(data + 1, aligned + an - 36, 36);
  unsigned char *odd = st_file(
      "{" T21("skip", "U8", "[1]", 0, 1) "," T21("g.weight_ih_l0", "F32", "[3,2]", 1, 25) "," T21(
          "g.weight_hh_l0", "F32", "[3,1]", 25, 37) "}",
      data, sizeof data, UINT64_MAX, &mn);
  gru_layer *a = load_bytes(aligned, an, "g.");
  gru_layer *m = load_bytes(odd, mn, "g.");
  assert_same_tensors(a, m, GRU_FORMAT_TORCH);
  gru_layer_destroy(a);
  gru_layer_destroy(m);
  free(aligned);
  free(odd);
}

/* libgru.prefix in the metadata chooses the GRU when the caller passes
 * NULL; the builder's options still apply to what it loads. */
static void test_metadata_prefix_and_options(void **state) {
  (void)state;
  size_t n;
  unsigned char *file = st_simple(
      "{'__metadata__':{'libgru.version':'1','libgru.format':'torch','libgru.variant':"
      "'reset_after','libgru.direction':'forward','libgru.num_layers':'1','libgru.input_size':'2',"
      "'libgru.hidden_size':'1','libgru.gate_order':'r,z,n','libgru.z':'old_state',"
      "'libgru.prefix':'gru.','app.note':'anything'}," T21(
          "gru.weight_ih_l0", "F32", "[3,2]", 0,
          24) "," T21("gru.weight_hh_l0", "F32", "[3,1]", 24,
                      36) "," T21("gru.bias_ih_l0", "F32", "[3]", 36,
                                  48) "," T21("gru.bias_hh_l0", "F32", "[3]", 48,
                                              60) "," T21("decoder.weight", "F32", "[2,1]", 60,
                                                          68) "}",
      68, &n);
  gru_builder *b;
  gru_layer *l;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_set_option(b, GRU_OPT_ISA, GRU_ISA_SCALAR), GRU_OK);
  assert_int_equal(gru_builder_load_safetensors(b, file, n, NULL), GRU_OK);
  assert_int_equal(gru_builder_build(b, &l), GRU_OK);
  assert_int_equal(info(l, GRU_INFO_ISA), GRU_ISA_SCALAR);
  gru_layer_destroy(l);
  assert_int_equal(gru_builder_load_safetensors(b, file, n, ""), GRU_ERR_NAME);
  assert_non_null(strstr(gru_builder_error(b), "decoder.weight"));
  gru_builder_destroy(b);
  free(file);
}

int main(void) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pytorch_files),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_save_errors),
      cmocka_unit_test(test_gru_file),
      cmocka_unit_test(test_half_conversions),
      cmocka_unit_test(test_misaligned_and_prefix),
      cmocka_unit_test(test_save_unaligned),
      cmocka_unit_test(test_metadata_prefix_and_options),
  };
  /* clang-format on */
  return cmocka_run_group_tests(tests, NULL, st_tmpdir_teardown);
}
