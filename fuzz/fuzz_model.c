/* Fuzz target: safetensors model files, the reader and the GRU loader
 * (gru_file_open_memory, gru_builder_load_safetensors). Each input is
 * opened as a gru_file, every tensor it lists is read, and it is offered
 * to a fresh builder under three prefixes.
 *
 * Invariants: every status is known; a refused input leaves a message and
 * the builder as it was (still without a shape); an opened file's tensors
 * read as floats exactly when their dtype is F32, F16 or BF16; a GRU that
 * loads builds, runs, and saved back (in libgru's own format) reloads to
 * the same tensors, bit for bit. Everything read feeds gru_fuzz_sink. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static void read_tensors(const gru_file *f) {
  size_t count;
  GRU_FUZZ_CHECK(gru_file_tensor_count(f, &count) == GRU_OK);
  for (size_t i = 0; i < count; i++) {
    const char *name, *dtype;
    size_t ndim, shape[GRU_FILE_MAX_DIMS], n = 1;
    GRU_FUZZ_CHECK(gru_file_tensor_name(f, i, &name) == GRU_OK);
    GRU_FUZZ_CHECK(gru_file_tensor_info(f, name, &dtype, &ndim, shape) == GRU_OK);
    for (size_t d = 0; d < ndim; d++)
      n *= shape[d]; /* the file holds them all: no overflow */
    float *out = malloc(n ? n * sizeof *out : 1);
    gru_status st = gru_file_read_tensor(f, name, out, n);
    bool is_float = !strcmp(dtype, "F32") || !strcmp(dtype, "F16") || !strcmp(dtype, "BF16");
    GRU_FUZZ_CHECK(st == (is_float ? GRU_OK : GRU_ERR_UNSUPPORTED));
    if (st == GRU_OK) gru_fuzz_use(out, n);
    free(out);
  }
  const char *v;
  GRU_FUZZ_CHECK(gru_file_metadata(f, "libgru.version", &v) == GRU_OK);
  if (v) gru_fuzz_sink += strlen(v);
}

/* The layer's tensors in CONCAT (every variant has it). */
static void same_tensors(const gru_layer *a, const gru_layer *b) {
  size_t count;
  GRU_FUZZ_CHECK(gru_layer_tensor_count(a, GRU_FORMAT_CONCAT, &count) == GRU_OK);
  for (size_t i = 0; i < count; i++) {
    char name[GRU_MAX_NAME];
    size_t ndim, shape[GRU_MAX_DIMS], n = 1;
    GRU_FUZZ_CHECK(
        gru_layer_tensor_info(a, GRU_FORMAT_CONCAT, i, name, sizeof name, &ndim, shape) == GRU_OK);
    for (size_t d = 0; d < ndim; d++)
      n *= shape[d];
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    GRU_FUZZ_CHECK(gru_layer_get_tensor(a, GRU_FORMAT_CONCAT, name, x, n) == GRU_OK);
    GRU_FUZZ_CHECK(gru_layer_get_tensor(b, GRU_FORMAT_CONCAT, name, y, n) == GRU_OK);
    GRU_FUZZ_CHECK(memcmp(x, y, n * sizeof *x) == 0);
    gru_fuzz_use(x, n);
    free(x);
    free(y);
  }
}

/* Runs two steps of zeros through a batch of one. */
static void run(const gru_layer *l) {
  size_t in, out;
  GRU_FUZZ_CHECK(gru_layer_get(l, GRU_INFO_INPUT_SIZE, &in) == GRU_OK);
  GRU_FUZZ_CHECK(gru_layer_get(l, GRU_INFO_OUTPUT_SIZE, &out) == GRU_OK);
  gru_sequence *q;
  GRU_FUZZ_CHECK(gru_sequence_create(&q, l, 1, 2) == GRU_OK);
  float *x = calloc(2 * in, sizeof *x), *y = malloc(2 * out * sizeof *y);
  GRU_FUZZ_CHECK(gru_sequence_run(q, 2, 1, x, 0, y, 0, NULL, 0) == GRU_OK);
  gru_fuzz_use(y, 2 * out);
  free(x);
  free(y);
  gru_sequence_destroy(q);
}

static void save_and_reload(const gru_layer *l) {
  size_t size, written;
  GRU_FUZZ_CHECK(gru_layer_save_safetensors(l, GRU_FORMAT_CONCAT, NULL, 0, &size) == GRU_OK);
  unsigned char *buf = malloc(size);
  GRU_FUZZ_CHECK(gru_layer_save_safetensors(l, GRU_FORMAT_CONCAT, buf, size, &written) == GRU_OK);
  gru_builder *b;
  gru_layer *again;
  GRU_FUZZ_CHECK(gru_builder_create(&b) == GRU_OK);
  GRU_FUZZ_CHECK(gru_builder_load_safetensors(b, buf, written, NULL) == GRU_OK);
  GRU_FUZZ_CHECK(gru_builder_build(b, &again) == GRU_OK);
  same_tensors(l, again);
  gru_layer_destroy(again);
  gru_builder_destroy(b);
  free(buf);
}

static void load(const uint8_t *data, size_t size, const char *prefix) {
  gru_builder *b;
  gru_layer *l = NULL;
  GRU_FUZZ_CHECK(gru_builder_create(&b) == GRU_OK);
  gru_status st = gru_builder_load_safetensors(b, data, size, prefix);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st != GRU_OK) {
    GRU_FUZZ_CHECK(*gru_builder_error(b) != '\0');
    GRU_FUZZ_CHECK(gru_builder_build(b, &l) == GRU_ERR_STATE); /* still no shape */
  } else {
    GRU_FUZZ_CHECK(gru_builder_build(b, &l) == GRU_OK);
    run(l);
    save_and_reload(l);
    gru_layer_destroy(l);
  }
  gru_builder_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gru_file *f;
  GRU_FUZZ_CHECK(gru_file_create(&f) == GRU_OK);
  gru_status st = gru_file_open_memory(f, data, size);
  GRU_FUZZ_CHECK(gru_fuzz_known_status(st));
  if (st == GRU_OK)
    read_tensors(f);
  else
    GRU_FUZZ_CHECK(*gru_file_error(f) != '\0');
  gru_file_destroy(f);
  static const char *const prefixes[] = {NULL, "", "rnn."};
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    load(data, size, prefixes[i]);
  return 0;
}
