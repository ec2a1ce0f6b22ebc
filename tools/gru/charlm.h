/* charlm.h -- a character-level language model in a model file: its GRU
 * reads one-hot characters of a vocabulary (metadata "charlm.vocab": the
 * V characters in index order, UTF-8) and a linear decoder
 * (decoder.weight [V, H], decoder.bias [V]) turns its output into the
 * next character's logits. models/train_charlm.py writes one;
 * docs/models.md lists the keys. */
#ifndef GRU_TOOL_CHARLM_H
#define GRU_TOOL_CHARLM_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

typedef struct charlm {
  size_t V, H;
  char (*tokens)[5]; /* [V] UTF-8 characters, NUL-terminated */
  float *w, *b;      /* decoder [V, H] and [V] */
} charlm;

/* Reads the vocabulary and decoder of m, checking them against its GRU
 * (one direction, input size V). Returns CLI_OK or prints why. */
int charlm_open(charlm *lm, const cli_model *m, const char *cmd);
void charlm_close(charlm *lm);

/* The index of the character text starts with (its byte length in *len),
 * or V if the vocabulary lacks it. */
size_t charlm_find(const charlm *lm, const char *text, size_t *len);

/* logits = W.h + b, summed in double. */
void charlm_logits(const charlm *lm, const float *h, double *logits);

/* The next character: the first largest logit if temperature is 0,
 * otherwise a draw from softmax(logits / temperature) with rng. */
size_t charlm_pick(const double *logits, size_t V, double temperature, uint64_t *rng);

#endif
