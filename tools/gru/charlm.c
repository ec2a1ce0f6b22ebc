#include "charlm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 character at s (valid: the model reader checked). */
static size_t utf8_len(const char *s) {
  unsigned char c = (unsigned char)*s;
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static int read_vocab(charlm *lm, const char *vocab, const char *cmd, const char *name) {
  size_t V = 0;
  for (const char *p = vocab; *p; p += utf8_len(p))
    V++;
  lm->tokens = calloc(V ? V : 1, sizeof *lm->tokens);
  if (!lm->tokens) return cli_fail(cmd, CLI_FAILURE, "out of memory");
  for (const char *p = vocab; *p; p += utf8_len(p)) {
    size_t len;
    if (charlm_find(lm, p, &len) < lm->V)
      return cli_fail(cmd, CLI_INPUT, "%s: charlm.vocab holds '%.*s' twice", name, (int)len, p);
    memcpy(lm->tokens[lm->V++], p, len);
  }
  if (lm->V < 2)
    return cli_fail(cmd, CLI_INPUT, "%s: charlm.vocab has fewer than 2 characters", name);
  return CLI_OK;
}

/* Reads a float tensor of the given shape (ndim 1 or 2) into *out. */
static int read_tensor(const cli_model *m, const char *cmd, const char *tensor, size_t ndim,
                       size_t d0, size_t d1, float **out) {
  size_t n, shape[GRU_FILE_MAX_DIMS], count = ndim == 2 ? d0 * d1 : d0;
  char want[48];
  if (ndim == 2)
    snprintf(want, sizeof want, "[%zu, %zu]", d0, d1);
  else
    snprintf(want, sizeof want, "[%zu]", d0);
  if (gru_file_tensor_info(m->file, tensor, NULL, &n, shape) != GRU_OK || n != ndim ||
      shape[0] != d0 || (ndim == 2 && shape[1] != d1))
    return cli_fail(cmd, CLI_INPUT, "%s: a character model needs %s of shape %s", m->name, tensor,
                    want);
  *out = malloc(count * sizeof **out);
  if (!*out) return cli_fail(cmd, CLI_FAILURE, "out of memory");
  if (gru_file_read_tensor(m->file, tensor, *out, count) != GRU_OK)
    return cli_fail(cmd, CLI_INPUT, "%s: %s is not F32, F16 or BF16", m->name, tensor);
  return CLI_OK;
}

int charlm_open(charlm *lm, const cli_model *m, const char *cmd) {
  *lm = (charlm){0};
  const char *vocab = NULL;
  gru_file_metadata(m->file, "charlm.vocab", &vocab);
  if (!vocab)
    return cli_fail(cmd, CLI_INPUT, "%s: no charlm.vocab in its metadata: not a character model",
                    m->name);
  int st = read_vocab(lm, vocab, cmd, m->name);
  lm->H = cli_layer_get(m->layer, GRU_INFO_HIDDEN_SIZE);
  if (st == CLI_OK && cli_layer_get(m->layer, GRU_INFO_DIRECTION) != GRU_FORWARD)
    st = cli_fail(cmd, CLI_INPUT, "%s: a character model's GRU runs forward only", m->name);
  if (st == CLI_OK && cli_layer_get(m->layer, GRU_INFO_INPUT_SIZE) != lm->V)
    st = cli_fail(cmd, CLI_INPUT, "%s: the GRU's input size is not the vocabulary's %zu", m->name,
                  lm->V);
  if (st == CLI_OK) st = read_tensor(m, cmd, "decoder.weight", 2, lm->V, lm->H, &lm->w);
  if (st == CLI_OK) st = read_tensor(m, cmd, "decoder.bias", 1, lm->V, 0, &lm->b);
  if (st != CLI_OK) charlm_close(lm);
  return st;
}

void charlm_close(charlm *lm) {
  free(lm->tokens);
  free(lm->w);
  free(lm->b);
  *lm = (charlm){0};
}

size_t charlm_find(const charlm *lm, const char *text, size_t *len) {
  *len = utf8_len(text);
  for (size_t v = 0; v < lm->V; v++)
    if (strlen(lm->tokens[v]) == *len && memcmp(lm->tokens[v], text, *len) == 0) return v;
  return lm->V;
}

void charlm_logits(const charlm *lm, const float *h, double *logits) {
  for (size_t v = 0; v < lm->V; v++) {
    double s = lm->b[v];
    for (size_t j = 0; j < lm->H; j++)
      s += (double)lm->w[v * lm->H + j] * h[j];
    logits[v] = s;
  }
}

/* xorshift64*: uniform in [0, 1). */
static double uniform(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) * 0x1p-53;
}

size_t charlm_pick(const double *logits, size_t V, double temperature, uint64_t *rng) {
  size_t best = 0;
  for (size_t v = 1; v < V; v++)
    if (logits[v] > logits[best]) best = v;
  if (temperature == 0.0) return best;
  double total = 0.0;
  for (size_t v = 0; v < V; v++)
    total += exp((logits[v] - logits[best]) / temperature);
  double u = uniform(rng) * total;
  for (size_t v = 0; v < V; v++) {
    u -= exp((logits[v] - logits[best]) / temperature);
    if (u < 0.0) return v;
  }
  return best; /* rounding left u at 0 */
}
