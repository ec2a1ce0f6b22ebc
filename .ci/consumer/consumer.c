/* consumer.c -- a program that uses an installed libgru, built outside the
 * source tree by .ci/install.sh and .ci/deb.sh (through pkg-config, and
 * statically through find_package(gru)). A two-step GRU with I = H = 1
 * in PyTorch's layout, checked against the equations in double.
 * Prints "<label>: libgru <version>, ok" and exits 0, or says what failed. */
#include <gru.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

int main(int argc, char **argv) {
  const char *label = argc > 1 ? argv[1] : "consumer";
  /* rows r | z | n, as nn.GRU(1, 1) */
  const float w_ih[3] = {0.5f, -0.25f, 0.75f}, w_hh[3] = {-0.5f, 0.125f, 0.625f};
  const float x[2] = {1.0f, -2.0f};
  float y[2], h;
  if (gru_version_number() != GRU_VERSION_NUMBER ||
      strcmp(gru_version_string(), GRU_VERSION_STRING) != 0) {
    printf("%s: header %s but library %s\n", label, GRU_VERSION_STRING, gru_version_string());
    return 1;
  }
  gru_builder *b;
  gru_layer *layer = NULL;
  gru_sequence *seq = NULL;
  gru_status st = gru_builder_create(&b);
  if (st == GRU_OK) st = gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, 1, 1);
  const size_t shape[2] = {3, 1};
  if (st == GRU_OK)
    st = gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, shape);
  if (st == GRU_OK)
    st = gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_hh_l0", w_hh, 2, shape);
  if (st == GRU_OK) st = gru_builder_build(b, &layer);
  gru_builder_destroy(b);
  if (st == GRU_OK) st = gru_sequence_create(&seq, layer, 1, 2);
  if (st == GRU_OK) st = gru_sequence_run(seq, 2, 1, x, 0, y, 0, NULL, 0);
  if (st == GRU_OK) st = gru_sequence_get_state(seq, 1, &h, 1);
  gru_sequence_destroy(seq);
  gru_layer_destroy(layer);
  if (st != GRU_OK) {
    printf("%s: %s\n", label, gru_strerror(st));
    return 1;
  }
  double hd = 0.0; /* PyTorch's equations; its z weights the old state */
  for (int t = 0; t < 2; t++) {
    double r = sigmoid(w_ih[0] * x[t] + w_hh[0] * hd);
    double z = sigmoid(w_ih[1] * x[t] + w_hh[1] * hd);
    double n = tanh(w_ih[2] * x[t] + r * (w_hh[2] * hd));
    hd = (1.0 - z) * n + z * hd;
    if (fabs(y[t] - hd) > 1e-5) {
      printf("%s: y[%d] = %.7f, expected %.7f\n", label, t, y[t], hd);
      return 1;
    }
  }
  if (fabs(h - hd) > 1e-5) {
    printf("%s: h = %.7f, expected %.7f\n", label, h, hd);
    return 1;
  }
  printf("%s: libgru %s, ok\n", label, gru_version_string());
  return 0;
}
