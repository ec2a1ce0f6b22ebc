/* gru info: what a model file holds: the GRU's shape and conventions, as
 * libgru loaded it, then every tensor and metadata key of the file. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: gru info [MODEL] [--prefix P]\n"
    "\n"
    "Prints the GRU in MODEL (default: the built-in model): where its shape came\n"
    "from, variant, direction, layers, sizes, the shapes of its inputs, outputs\n"
    "and state, then every tensor of the file (dtype, shape) and its metadata.\n"
    "\n"
    "  --prefix P    the GRU's tensors are those named P... (default: the file's\n"
    "                libgru.prefix, or none)\n"
    "\n"
    "Exit status: 0 done, 1 a missing or malformed model, 2 a bad command line.\n";

static const char *meta(const gru_file *f, const char *key) {
  const char *v = NULL;
  gru_file_metadata(f, key, &v);
  return v;
}

static void print_gru(const cli_model *m) {
  const gru_layer *l = m->layer;
  static const char *const directions[] = {"forward", "reverse", "bidirectional (concatenated)",
                                           "bidirectional (summed)"};
  size_t ld = cli_layer_get(l, GRU_INFO_NUM_LAYERS) * cli_layer_get(l, GRU_INFO_NUM_DIRECTIONS);
  size_t H = cli_layer_get(l, GRU_INFO_HIDDEN_SIZE), out = cli_layer_get(l, GRU_INFO_OUTPUT_SIZE);
  const char *version = meta(m->file, "libgru.version");
  printf("model      %s\n", m->name);
  if (version)
    printf("file       libgru file version %s, tensors in format '%s' (gate order %s, z: %s)\n",
           version, meta(m->file, "libgru.format"), meta(m->file, "libgru.gate_order"),
           meta(m->file, "libgru.z"));
  else
    printf("file       PyTorch state_dict (shape inferred from the names and shapes)\n");
  printf("variant    %s\n", cli_layer_get(l, GRU_INFO_VARIANT) == GRU_RESET_AFTER
                                ? "reset-after (PyTorch's nn.GRU)"
                                : "reset-before");
  printf("direction  %s\n", directions[cli_layer_get(l, GRU_INFO_DIRECTION)]);
  printf("layers     %zu\n", cli_layer_get(l, GRU_INFO_NUM_LAYERS));
  printf("sizes      input %zu, hidden %zu, output %zu\n", cli_layer_get(l, GRU_INFO_INPUT_SIZE), H,
         out);
  printf("run        input [T, B, %zu], output [T, B, %zu], h0 and state [%zu, B, %zu]\n",
         cli_layer_get(l, GRU_INFO_INPUT_SIZE), out, ld, H);
  printf("memory     %zu bytes in the layer; %s kernels\n", cli_layer_get(l, GRU_INFO_BYTES),
         gru_isa_name((gru_isa)cli_layer_get(l, GRU_INFO_ISA)));
}

static void print_tensors(const gru_file *f) {
  size_t count;
  gru_file_tensor_count(f, &count);
  printf("tensors    %zu\n", count);
  for (size_t i = 0; i < count; i++) {
    const char *name, *dtype;
    size_t ndim, shape[GRU_FILE_MAX_DIMS];
    gru_file_tensor_name(f, i, &name);
    gru_file_tensor_info(f, name, &dtype, &ndim, shape);
    printf("  %-32s %-5s [", name, dtype);
    for (size_t d = 0; d < ndim; d++)
      printf("%s%zu", d ? ", " : "", shape[d]);
    printf("]\n");
  }
}

/* A metadata value on one line: escapes for control characters, and at
 * most 60 bytes of it. */
static void print_value(const char *v) {
  size_t n = 0;
  for (; *v && n < 60; v++, n++)
    if (*v == '\n')
      fputs("\\n", stdout);
    else if (iscntrl((unsigned char)*v))
      printf("\\x%02x", (unsigned char)*v);
    else
      putchar(*v);
  puts(*v ? "..." : "");
}

/* Every metadata key and value, in byte order of the keys. */
static void print_metadata(const gru_file *f) {
  size_t n = 0;
  gru_file_metadata_count(f, &n);
  printf("metadata\n");
  for (size_t i = 0; i < n; i++) {
    const char *key = NULL;
    gru_file_metadata_key(f, i, &key); /* i < n: it cannot fail */
    printf("  %-20s ", key);
    print_value(meta(f, key));
  }
}

int cli_info(int argc, char **argv) {
  const char *prefix = NULL, *model = NULL;
  cli_opt opts[] = {{"prefix", OPT_STRING, &prefix, false}, {NULL, OPT_FLAG, NULL, false}};
  int st = cli_parse(argc, argv, opts, help, &model);
  if (st != CLI_OK) return st == CLI_HELP ? CLI_OK : st;
  cli_model m;
  if ((st = cli_model_open(&m, "info", model, prefix)) != CLI_OK) return st;
  print_gru(&m);
  print_tensors(m.file);
  print_metadata(m.file);
  cli_model_close(&m);
  return CLI_OK;
}
