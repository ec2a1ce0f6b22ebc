/* gru generate: text from a character model, one character at a time:
 * each is fed to gru_sequence_step, the decoder turns the GRU's output
 * into logits, and the next character is the most likely one (--greedy)
 * or drawn at a temperature. Output streams as it is made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charlm.h"
#include "cli.h"

static const char help[] =
    "usage: gru generate [MODEL] [--prompt TEXT] [--length N] [--temperature T]\n"
    "                    [--seed S] [--greedy]\n"
    "\n"
    "Writes TEXT and N more characters sampled from a character-level language\n"
    "model (default: the built-in one, trained on the King James Bible by\n"
    "models/train_charlm.py). Every character goes through gru_sequence_step.\n"
    "\n"
    "  --prompt TEXT      the start (default: the model's charlm.prompt)\n"
    "  --length N         characters to generate (default 300)\n"
    "  --temperature T    > 0: sample from softmax(logits / T) (default 0.8);\n"
    "                     0: the most likely character, as --greedy\n"
    "  --seed S           the sampler's seed, an integer (default 1)\n"
    "  --greedy           the most likely character each step: the same text as\n"
    "                     the model in PyTorch gives\n"
    "  --prefix P         the GRU's tensors are those named P...\n"
    "\n"
    "Exit status: 0 done, 1 not a character model or a prompt character it does\n"
    "not know, 2 a bad command line, 3 a failure while running.\n";

typedef struct gen_args {
  const char *prompt, *prefix;
  uint64_t length, seed;
  double temperature;
  bool greedy;
} gen_args;

/* Steps the sequence over character v; its output lands in h. */
static gru_status feed(gru_sequence *q, const charlm *lm, float *x, size_t v, float *h) {
  memset(x, 0, lm->V * sizeof *x);
  x[v] = 1.0f;
  return gru_sequence_step(q, 1, x, 0, h, 0, NULL, NULL, 0);
}

static int generate(const charlm *lm, const gru_layer *layer, const gen_args *a) {
  gru_sequence *q;
  if (gru_sequence_create(&q, layer, 1, 1) != GRU_OK)
    return cli_fail("generate", CLI_FAILURE, "out of memory");
  float *x = malloc(lm->V * sizeof *x), *h = malloc(lm->H * sizeof *h);
  double *logits = malloc(lm->V * sizeof *logits);
  uint64_t rng = a->seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL; /* never 0 */
  gru_status st = x && h && logits ? GRU_OK : GRU_ERR_NOMEM;
  for (const char *p = a->prompt; st == GRU_OK && *p;) {
    size_t len, v = charlm_find(lm, p, &len);
    fwrite(p, 1, len, stdout);
    st = feed(q, lm, x, v, h);
    p += len;
  }
  double temperature = a->greedy ? 0.0 : a->temperature;
  for (uint64_t i = 0; st == GRU_OK && i < a->length; i++) {
    charlm_logits(lm, h, logits);
    size_t v = charlm_pick(logits, lm->V, temperature, &rng);
    fputs(lm->tokens[v], stdout);
    fflush(stdout);
    st = feed(q, lm, x, v, h);
  }
  if (st == GRU_OK && a->length) fputc('\n', stdout);
  int status = st == GRU_OK ? CLI_OK : cli_fail("generate", CLI_FAILURE, "%s", gru_strerror(st));
  free(x);
  free(h);
  free(logits);
  gru_sequence_destroy(q);
  return status;
}

/* Every character of the prompt must be in the vocabulary. */
static int check_prompt(const charlm *lm, const char *prompt) {
  for (const char *p = prompt; *p;) {
    size_t len;
    if (charlm_find(lm, p, &len) == lm->V)
      return cli_fail("generate", CLI_INPUT, "the prompt's '%.*s' is not in the model's vocabulary",
                      (int)len, p);
    p += len;
  }
  return *prompt ? CLI_OK : cli_fail("generate", CLI_USAGE, "--prompt must not be empty");
}

int cli_generate(int argc, char **argv) {
  gen_args a = {.length = 300, .seed = 1, .temperature = 0.8};
  cli_opt opts[] = {{"prompt", OPT_STRING, &a.prompt, false},
                    {"length", OPT_U64, &a.length, false},
                    {"temperature", OPT_DOUBLE, &a.temperature, false},
                    {"seed", OPT_U64, &a.seed, false},
                    {"greedy", OPT_FLAG, &a.greedy, false},
                    {"prefix", OPT_STRING, &a.prefix, false},
                    {NULL, OPT_FLAG, NULL, false}};
  const char *model = NULL;
  int st = cli_parse(argc, argv, opts, help, &model);
  if (st != CLI_OK) return st == CLI_HELP ? CLI_OK : st;
  cli_model m;
  charlm lm;
  if ((st = cli_model_open(&m, "generate", model, a.prefix)) != CLI_OK) return st;
  st = charlm_open(&lm, &m, "generate");
  if (st == CLI_OK) {
    if (!a.prompt) gru_file_metadata(m.file, "charlm.prompt", &a.prompt);
    if (!a.prompt) a.prompt = "\n";
    st = check_prompt(&lm, a.prompt);
    if (st == CLI_OK) st = generate(&lm, m.layer, &a);
    charlm_close(&lm);
  }
  cli_model_close(&m);
  return st;
}
