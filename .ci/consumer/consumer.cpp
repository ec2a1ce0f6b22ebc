// consumer.cpp -- a C++ program that uses an installed libgru through
// find_package(gru) (.ci/install.sh). The same check as consumer.c, with
// the handles held by std::unique_ptr.
#include <gru.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace {
struct builder_free {
  void operator()(gru_builder *b) const { gru_builder_destroy(b); }
};
struct layer_free {
  void operator()(gru_layer *l) const { gru_layer_destroy(l); }
};
struct sequence_free {
  void operator()(gru_sequence *s) const { gru_sequence_destroy(s); }
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

int fail(const char *label, const char *what, gru_status st) {
  std::printf("%s: %s: %s\n", label, what, gru_strerror(st));
  return 1;
}
}  // namespace

int main(int argc, char **argv) {
  const char *label = argc > 1 ? argv[1] : "consumer";
  const std::vector<float> w_ih{0.5f, -0.25f, 0.75f}, w_hh{-0.5f, 0.125f, 0.625f};
  const std::vector<float> x{1.0f, -2.0f};
  const size_t shape[2] = {3, 1};
  if (gru_version_number() != GRU_VERSION_NUMBER) {
    std::printf("%s: header %s but library %s\n", label, GRU_VERSION_STRING, gru_version_string());
    return 1;
  }

  gru_builder *raw_b = nullptr;
  gru_status st = gru_builder_create(&raw_b);
  if (st != GRU_OK) return fail(label, "gru_builder_create", st);
  std::unique_ptr<gru_builder, builder_free> b(raw_b);
  st = gru_builder_set_shape(b.get(), GRU_RESET_AFTER, GRU_FORWARD, 1, 1, 1);
  if (st == GRU_OK)
    st = gru_builder_set_tensor(b.get(), GRU_FORMAT_TORCH, "weight_ih_l0", w_ih.data(), 2, shape);
  if (st == GRU_OK)
    st = gru_builder_set_tensor(b.get(), GRU_FORMAT_TORCH, "weight_hh_l0", w_hh.data(), 2, shape);
  gru_layer *raw_l = nullptr;
  if (st == GRU_OK) st = gru_builder_build(b.get(), &raw_l);
  if (st != GRU_OK) return fail(label, gru_builder_error(b.get()), st);
  std::unique_ptr<gru_layer, layer_free> layer(raw_l);

  gru_sequence *raw_s = nullptr;
  st = gru_sequence_create(&raw_s, layer.get(), 1, 2);
  if (st != GRU_OK) return fail(label, "gru_sequence_create", st);
  std::unique_ptr<gru_sequence, sequence_free> seq(raw_s);
  std::vector<float> y(2);
  float h = 0.0f;
  st = gru_sequence_run(seq.get(), 2, 1, x.data(), 0, y.data(), 0, nullptr, 0);
  if (st == GRU_OK) st = gru_sequence_get_state(seq.get(), 1, &h, 1);
  if (st != GRU_OK) return fail(label, "gru_sequence_run", st);

  double hd = 0.0;
  for (int t = 0; t < 2; t++) {
    double r = sigmoid(w_ih[0] * x[t] + w_hh[0] * hd);
    double z = sigmoid(w_ih[1] * x[t] + w_hh[1] * hd);
    double n = std::tanh(w_ih[2] * x[t] + r * (w_hh[2] * hd));
    hd = (1.0 - z) * n + z * hd;
    if (std::fabs(y[t] - hd) > 1e-5) {
      std::printf("%s: y[%d] = %.7f, expected %.7f\n", label, t, y[t], hd);
      return 1;
    }
  }
  if (std::fabs(h - hd) > 1e-5) {
    std::printf("%s: h = %.7f, expected %.7f\n", label, h, hd);
    return 1;
  }
  std::printf("%s: libgru %s, ok\n", label, gru_version_string());
  return 0;
}
