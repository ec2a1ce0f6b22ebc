// hello.cpp -- libgru from C++ through the RAII wrapper in gru.hpp: a
// two-layer PyTorch-layout GRU, a batch run with per-row lengths, a stream
// stepped, saved and resumed in a clone, and an error caught.
#include "gru.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

namespace {

constexpr std::size_t I = 4, H = 3, T = 5, B = 2;

std::vector<float> weights(std::size_t n, float scale) {
  std::vector<float> w(n);
  for (std::size_t i = 0; i < n; i++) w[i] = scale * (static_cast<float>(i % 7) - 3.0f);
  return w;
}

}  // namespace

int main() {
  try {
    gru::layer layer = gru::builder(GRU_RESET_AFTER, GRU_FORWARD, 2, I, H)  // nn.GRU(4, 3, 2)
                           .tensor(GRU_FORMAT_TORCH, "weight_ih_l0", weights(3 * H * I, 0.1f),
                                   {3 * H, I})
                           .tensor(GRU_FORMAT_TORCH, "weight_hh_l0", weights(3 * H * H, 0.05f),
                                   {3 * H, H})
                           .tensor(GRU_FORMAT_TORCH, "weight_ih_l1", weights(3 * H * H, 0.1f),
                                   {3 * H, H})
                           .tensor(GRU_FORMAT_TORCH, "weight_hh_l1", weights(3 * H * H, 0.05f),
                                   {3 * H, H})
                           .build();

    std::vector<float> x(T * B * I);
    for (std::size_t i = 0; i < x.size(); i++) x[i] = std::sin(0.3f * static_cast<float>(i));
    std::vector<float> y(T * B * H);
    std::vector<std::size_t> lengths{T, 2};
    gru::sequence seq = layer.make_sequence(B, T);
    seq.run(T, B, x, &y, &lengths);
    std::vector<float> h = seq.state(B);  // [L, B, H]
    std::printf("libgru %s from C++: top layer h_n row 0 = [%.6f, %.6f, %.6f]\n",
                gru_version_string(), h[B * H], h[B * H + 1], h[B * H + 2]);

    // A stream: three steps, saved, continued in a clone and in a restored copy.
    gru::sequence stream = layer.make_sequence(1, 1);
    std::vector<float> x_t(x.begin(), x.begin() + I), y_t(H), y_clone(H), y_loaded(H);
    for (int s = 0; s < 3; s++) stream.step(1, x_t, y_t);
    std::vector<unsigned char> saved = stream.save(1);
    gru::sequence twin = stream.clone();
    gru::sequence loaded = layer.make_sequence(1, 1);
    loaded.load(saved);
    stream.step(1, x_t, y_t);
    twin.step(1, x_t, y_clone);
    loaded.step(1, x_t, y_loaded);
    bool same = y_t == y_clone && y_t == y_loaded;
    std::printf("stream: %zu bytes of state; clone and restored copy agree: %s\n", saved.size(),
                same ? "yes" : "NO");

    try {  // a wrong shape: the exception carries the library's message
      gru::builder(GRU_RESET_AFTER, GRU_FORWARD, 1, I, H)
          .tensor(GRU_FORMAT_TORCH, "weight_ih_l0", weights(3 * H * (I + 1), 0.1f),
                  {3 * H, I + 1});
    } catch (const gru::error &e) {
      std::printf("caught: %s\n", e.what());
    }
    return same ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
