/* The reference GRU: loops and doubles, nothing clever. */
#include "reference.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

size_t ref_dirs(const ref_weights *w) { return w->direction >= GRU_BIDIRECTIONAL ? 2 : 1; }

size_t ref_output(const ref_weights *w) {
  return w->direction == GRU_BIDIRECTIONAL ? 2 * w->hidden : w->hidden;
}

size_t ref_layer_input(const ref_weights *w, size_t layer) {
  return layer == 0 ? w->input : ref_output(w);
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

static double bias(const float *const *b, size_t i, size_t j) { return b && b[i] ? b[i][j] : 0.0; }

/* W . [h, x] for row j of matrix m (H x (H + I)), with h scaled by s (the
 * reset gate for reset-before, NULL for none); only the h part if xin is
 * NULL, only the x part if h is NULL. */
static double dot(const float *m, size_t hidden, size_t input, size_t j, const double *h,
                  const double *s, const double *xin) {
  const float *row = m + j * (hidden + input);
  double acc = 0;
  for (size_t i = 0; h && i < hidden; i++)
    acc += row[i] * h[i] * (s ? s[i] : 1.0);
  for (size_t i = 0; xin && i < input; i++)
    acc += row[hidden + i] * xin[i];
  return acc;
}

/* One step of one cell for one row: h <- h_t. */
static void cell_step(const ref_weights *w, size_t cell, size_t input, const double *xin,
                      double *h) {
  size_t H = w->hidden;
  const float *Wr = w->w[3 * cell], *Wz = w->w[3 * cell + 1], *Wh = w->w[3 * cell + 2];
  double *r = malloc(H * sizeof *r), *z = malloc(H * sizeof *z), *c = malloc(H * sizeof *c);
  for (size_t j = 0; j < H; j++) {
    r[j] = sigmoid(dot(Wr, H, input, j, h, NULL, xin) + bias(w->b, 3 * cell, j));
    z[j] = sigmoid(dot(Wz, H, input, j, h, NULL, xin) + bias(w->b, 3 * cell + 1, j));
  }
  for (size_t j = 0; j < H; j++) {
    double bh = bias(w->b, 3 * cell + 2, j);
    if (w->variant == GRU_RESET_BEFORE) {
      c[j] = tanh(dot(Wh, H, input, j, h, r, xin) + bh);
    } else {
      double inner = dot(Wh, H, input, j, h, NULL, NULL) + bias(w->bhn, cell, j);
      c[j] = tanh(dot(Wh, H, input, j, NULL, NULL, xin) + bh + r[j] * inner);
    }
  }
  for (size_t j = 0; j < H; j++)
    h[j] = (1 - z[j]) * h[j] + z[j] * c[j];
  free(r);
  free(z);
  free(c);
}

void ref_run(const ref_weights *w, size_t steps, size_t batch, const float *x, const float *h0,
             const size_t *lengths, double *y, double *hn) {
  size_t D = ref_dirs(w), H = w->hidden, out = ref_output(w);
  /* Layer input, as doubles, time-major. */
  size_t in_w = w->input;
  double *in = malloc(steps * batch * in_w * sizeof *in);
  for (size_t i = 0; i < steps * batch * in_w; i++)
    in[i] = x[i];
  double *layer_out = malloc(steps * batch * out * sizeof *layer_out);
  for (size_t k = 0; k < w->layers; k++) {
    memset(layer_out, 0, steps * batch * out * sizeof *layer_out);
    for (size_t d = 0; d < D; d++) {
      size_t cell = k * D + d;
      bool reverse = w->direction == GRU_REVERSE || d == 1;
      for (size_t b = 0; b < batch; b++) {
        double *h = hn + (cell * batch + b) * H;
        for (size_t j = 0; j < H; j++)
          h[j] = h0 ? h0[(cell * batch + b) * H + j] : 0.0;
        size_t len = lengths ? lengths[b] : steps;
        for (size_t i = 0; i < len; i++) {
          size_t t = reverse ? len - 1 - i : i;
          cell_step(w, cell, in_w, in + (t * batch + b) * in_w, h);
          double *o = layer_out + (t * batch + b) * out;
          for (size_t j = 0; j < H; j++) {
            if (w->direction == GRU_BIDIRECTIONAL)
              o[d * H + j] = h[j];
            else
              o[j] += h[j];
          }
        }
      }
    }
    free(in);
    in = malloc(steps * batch * out * sizeof *in);
    memcpy(in, layer_out, steps * batch * out * sizeof *in);
    in_w = out;
  }
  memcpy(y, layer_out, steps * batch * out * sizeof *y);
  free(in);
  free(layer_out);
}
