/* gru run: a model over one batch of sequences, shaped as torch.nn.GRU's
 * forward: input [T, B, I] ([B, T, I] with --batch-first), h0 and the
 * final state [L*D, B, H], lengths [B], output [T, B, D*H] ([B, T, D*H]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "npy.h"
#include "progress.h"

static const char help[] =
    "usage: gru run [MODEL] --input X.npy --output Y.npy [options]\n"
    "\n"
    "Runs the GRU of MODEL (default: the built-in model) over X, as PyTorch's\n"
    "nn.GRU would, and writes its output. Arrays are .npy files, float32\n"
    "little-endian ('<f4'), C order.\n"
    "\n"
    "  --input X.npy     input [T, B, I], or [B, T, I] with --batch-first\n"
    "  --output Y.npy    output [T, B, D*H], or [B, T, D*H] with --batch-first\n"
    "  --h0 H.npy        initial state [L*D, B, H] (default: zeros)\n"
    "  --state HN.npy    write the final state [L*D, B, H]\n"
    "  --lengths L.npy   each row's length, int32 or int64 [B], each <= T: outputs\n"
    "                    past it are zero and the state is the row's own last\n"
    "                    (PyTorch's packed sequences)\n"
    "  --batch-first     X and Y are batch-major, as nn.GRU(batch_first=True)\n"
    "  --prefix P        the GRU's tensors are those named P... (default: the\n"
    "                    file's libgru.prefix, or none)\n"
    "\n"
    "A progress bar appears on stderr when a run takes more than a second and\n"
    "stderr is a terminal. Exit status: 0 done, 1 a bad or mismatched input\n"
    "file, 2 a bad command line, 3 an output not written.\n";

typedef struct run_args {
  const char *input, *output, *h0, *lengths, *state, *prefix;
  bool batch_first;
} run_args;

typedef struct run_data {
  npy_array x, h0, len;
  size_t T, B, I, out, state; /* state: floats per batch row */
  size_t *lengths;            /* [B], or NULL */
  float *y, *hn;
} run_data;

static int read_array(const char *opt, const char *path, unsigned types, npy_array *a) {
  char error[256];
  if (npy_read(path, types, a, error, sizeof error)) return CLI_OK;
  return cli_fail("run", CLI_INPUT, "--%s %s: %s", opt, path, error);
}

static int read_inputs(const run_args *a, run_data *d) {
  int st = read_array("input", a->input, 1u << NPY_F4, &d->x);
  if (st == CLI_OK && a->h0) st = read_array("h0", a->h0, 1u << NPY_F4, &d->h0);
  if (st == CLI_OK && a->lengths)
    st = read_array("lengths", a->lengths, 1u << NPY_I4 | 1u << NPY_I8, &d->len);
  return st;
}

/* The lengths as size_t, each checked against T. */
static int take_lengths(const run_args *a, run_data *d) {
  if (d->len.ndim != 1 || d->len.shape[0] != d->B)
    return cli_fail("run", CLI_INPUT, "--lengths %s: must be 1-D with B = %zu entries", a->lengths,
                    d->B);
  d->lengths = calloc(d->B, sizeof *d->lengths);
  if (!d->lengths) return cli_fail("run", CLI_FAILURE, "out of memory");
  for (size_t b = 0; b < d->B; b++) {
    int64_t v = d->len.type == NPY_I8 ? ((int64_t *)d->len.data)[b] : ((int32_t *)d->len.data)[b];
    if (v < 0 || (uint64_t)v > d->T)
      return cli_fail("run", CLI_INPUT, "--lengths %s: entry %zu is %lld, outside 0 .. T = %zu",
                      a->lengths, b, (long long)v, d->T);
    d->lengths[b] = (size_t)v;
  }
  return CLI_OK;
}

static int check_shapes(const run_args *a, const gru_layer *l, run_data *d) {
  const npy_array *x = &d->x;
  d->I = cli_layer_get(l, GRU_INFO_INPUT_SIZE);
  d->out = cli_layer_get(l, GRU_INFO_OUTPUT_SIZE);
  d->state = cli_layer_get(l, GRU_INFO_STATE_SIZE);
  if (x->ndim != 3 || x->shape[2] != d->I || !x->shape[0] || !x->shape[1])
    return cli_fail("run", CLI_INPUT,
                    "--input %s: must be %s with I = %zu (the model's input size)", a->input,
                    a->batch_first ? "[B, T, I]" : "[T, B, I]", d->I);
  d->T = x->shape[a->batch_first ? 1 : 0];
  d->B = x->shape[a->batch_first ? 0 : 1];
  size_t ld = cli_layer_get(l, GRU_INFO_NUM_LAYERS) * cli_layer_get(l, GRU_INFO_NUM_DIRECTIONS);
  size_t H = cli_layer_get(l, GRU_INFO_HIDDEN_SIZE);
  if (a->h0 &&
      (d->h0.ndim != 3 || d->h0.shape[0] != ld || d->h0.shape[1] != d->B || d->h0.shape[2] != H))
    return cli_fail("run", CLI_INPUT, "--h0 %s: must be [L*D, B, H] = [%zu, %zu, %zu]", a->h0, ld,
                    d->B, H);
  return a->lengths ? take_lengths(a, d) : CLI_OK;
}

/* Steps per call: chunks of CHUNK when the model allows it (one
 * direction, and the input time-major or one row), so a long run can show
 * its progress. The chunks are the same whether or not a bar is drawn. */
enum { CHUNK = 256 };

static size_t chunk_steps(const gru_layer *l, const run_args *a, const run_data *d) {
  bool chunkable =
      cli_layer_get(l, GRU_INFO_DIRECTION) == GRU_FORWARD && (!a->batch_first || d->B == 1);
  return chunkable && d->T > CHUNK ? CHUNK : d->T;
}

static gru_status run_all(const run_args *a, run_data *d, gru_sequence *q, size_t chunk) {
  size_t *len = NULL;
  uint32_t flags = a->batch_first && d->B > 1 ? GRU_BATCH_MAJOR : 0;
  gru_status st = GRU_OK;
  if (d->lengths && chunk < d->T && !(len = calloc(d->B, sizeof *len))) return GRU_ERR_NOMEM;
  progress bar;
  progress_start(&bar, "gru run");
  for (size_t t0 = 0; st == GRU_OK && t0 < d->T; t0 += chunk) {
    size_t n = d->T - t0 < chunk ? d->T - t0 : chunk;
    for (size_t b = 0; len && b < d->B; b++)
      len[b] = d->lengths[b] <= t0 ? 0 : d->lengths[b] - t0 < n ? d->lengths[b] - t0 : n;
    st = gru_sequence_run(q, n, d->B, (float *)d->x.data + t0 * d->B * d->I, 0,
                          d->y + t0 * d->B * d->out, 0, len ? len : d->lengths, flags);
    progress_update(&bar, t0 + n, d->T);
  }
  progress_end(&bar);
  free(len);
  return st;
}

static int compute(const gru_layer *l, const run_args *a, run_data *d) {
  gru_sequence *q;
  size_t chunk = chunk_steps(l, a, d);
  gru_status st = gru_sequence_create(&q, l, d->B, chunk);
  if (st != GRU_OK) return cli_fail("run", CLI_FAILURE, "%s", gru_strerror(st));
  d->y = calloc(d->T * d->B * d->out, sizeof *d->y);
  d->hn = calloc(d->state * d->B, sizeof *d->hn);
  st = d->y && d->hn ? GRU_OK : GRU_ERR_NOMEM;
  if (st == GRU_OK) st = gru_sequence_reset(q, d->B, d->h0.data, d->h0.count);
  if (st == GRU_OK) st = run_all(a, d, q, chunk);
  if (st == GRU_OK) st = gru_sequence_get_state(q, d->B, d->hn, d->state * d->B);
  int status = st == GRU_OK ? CLI_OK : cli_fail("run", CLI_FAILURE, "%s", gru_sequence_error(q));
  gru_sequence_destroy(q);
  return status;
}

static int write_outputs(const gru_layer *l, const run_args *a, const run_data *d) {
  char error[256];
  size_t H = cli_layer_get(l, GRU_INFO_HIDDEN_SIZE);
  size_t y_shape[3] = {a->batch_first ? d->B : d->T, a->batch_first ? d->T : d->B, d->out};
  size_t h_shape[3] = {d->state / H, d->B, H};
  if (!npy_write_f4(a->output, d->y, 3, y_shape, error, sizeof error))
    return cli_fail("run", CLI_FAILURE, "--output %s: %s", a->output, error);
  if (a->state && !npy_write_f4(a->state, d->hn, 3, h_shape, error, sizeof error))
    return cli_fail("run", CLI_FAILURE, "--state %s: %s", a->state, error);
  return CLI_OK;
}

static void free_data(run_data *d) {
  npy_free(&d->x);
  npy_free(&d->h0);
  npy_free(&d->len);
  free(d->lengths);
  free(d->y);
  free(d->hn);
}

int cli_run(int argc, char **argv) {
  run_args a = {0};
  cli_opt opts[] = {
      {"input", OPT_STRING, &a.input, false},     {"output", OPT_STRING, &a.output, false},
      {"h0", OPT_STRING, &a.h0, false},           {"state", OPT_STRING, &a.state, false},
      {"lengths", OPT_STRING, &a.lengths, false}, {"batch-first", OPT_FLAG, &a.batch_first, false},
      {"prefix", OPT_STRING, &a.prefix, false},   {NULL, OPT_FLAG, NULL, false}};
  const char *model = NULL;
  int st = cli_parse(argc, argv, opts, help, &model);
  if (st != CLI_OK) return st == CLI_HELP ? CLI_OK : st;
  if (!a.input || !a.output)
    return cli_fail("run", CLI_USAGE, "--input and --output are required (see gru run --help)");
  cli_model m;
  if ((st = cli_model_open(&m, "run", model, a.prefix)) != CLI_OK) return st;
  run_data d = {0};
  st = read_inputs(&a, &d);
  if (st == CLI_OK) st = check_shapes(&a, m.layer, &d);
  if (st == CLI_OK) st = compute(m.layer, &a, &d);
  if (st == CLI_OK) st = write_outputs(m.layer, &a, &d);
  free_data(&d);
  cli_model_close(&m);
  return st;
}
