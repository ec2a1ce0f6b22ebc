/* hello.c -- a GRU in a few calls: PyTorch-layout weights in, a sequence
 * through, the final state out. Build: see README.md. */
#include <gru.h>
#include <stdio.h>

enum { I = 4, H = 3, T = 5 };

static int check(gru_status st, const char *what) {
  if (st != GRU_OK) fprintf(stderr, "%s: %s\n", what, gru_strerror(st));
  return st != GRU_OK;
}

int main(void) {
  float w_ih[3 * H * I], w_hh[3 * H * H], x[T * I], y[T * H], h[H];
  for (int i = 0; i < 3 * H * I; i++)
    w_ih[i] = 0.1f * (float)(i % 7) - 0.3f;
  for (int i = 0; i < 3 * H * H; i++)
    w_hh[i] = 0.05f * (float)(i % 5) - 0.1f;
  for (int i = 0; i < T * I; i++)
    x[i] = (float)(i % 3) - 1.0f;

  gru_builder *b;
  gru_layer *layer;
  gru_sequence *seq;
  if (check(gru_builder_create(&b), "create")) return 1;
  gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H);
  gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2, (size_t[]){3 * H, I});
  gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_hh_l0", w_hh, 2, (size_t[]){3 * H, H});
  gru_status st = gru_builder_build(b, &layer);
  if (st != GRU_OK) fprintf(stderr, "build: %s\n", gru_builder_error(b));
  gru_builder_destroy(b);
  if (st != GRU_OK) return 1;
  if (check(gru_sequence_create(&seq, layer, 1, T), "sequence")) return 1;
  if (check(gru_sequence_run(seq, T, 1, x, 0, y, 0, NULL, 0), "run")) return 1;
  gru_sequence_get_state(seq, 1, h, H);
  printf("libgru %s, %s kernels: h_T = [%.6f, %.6f, %.6f]\n", gru_version_string(),
         gru_isa_name(gru_cpu_isa()), h[0], h[1], h[2]);
  gru_sequence_destroy(seq);
  gru_layer_destroy(layer);
  return 0;
}
