// gru.hpp -- a small C++17 RAII wrapper over libgru's C API, for C++
// programs that want destructors and exceptions. Header-only and not part
// of libgru's ABI: it calls only the functions of <gru.h>, so copy it into
// your project and change it as you like.
//
// The C threading contract, as C++ types:
//   gru::layer     immutable weights; copies share them (a shared_ptr), and
//                  any number of threads may use one at once;
//   gru::builder,  one thread at a time; movable, not copyable (clone a
//   gru::sequence  sequence with clone()). A sequence holds its layer, so
//                  the layer is destroyed after every sequence made from it.
// Every failing call throws gru::error with the library's own message.
#ifndef GRU_HPP
#define GRU_HPP

#include <gru.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gru {

// A failed libgru call: what() is "GRU_ERR_SHAPE: <the library's message>".
class error : public std::runtime_error {
 public:
  error(gru_status status, const char *message)
      : std::runtime_error(std::string(gru_status_name(status)) + ": " +
                           (message && *message ? message : gru_strerror(status))),
        status_(status) {}
  gru_status status() const noexcept { return status_; }

 private:
  gru_status status_;
};

inline void check(gru_status st, const char *message = nullptr) {
  if (st != GRU_OK) throw error(st, message);
}

class sequence;

class layer {
 public:
  explicit layer(gru_layer *raw) : p_(raw, gru_layer_destroy) {}
  const gru_layer *get() const noexcept { return p_.get(); }

  std::size_t info(gru_info key) const {
    std::size_t v = 0;
    check(gru_layer_get(p_.get(), key, &v));
    return v;
  }
  std::size_t input_size() const { return info(GRU_INFO_INPUT_SIZE); }
  std::size_t hidden_size() const { return info(GRU_INFO_HIDDEN_SIZE); }
  std::size_t output_size() const { return info(GRU_INFO_OUTPUT_SIZE); }
  std::size_t state_size() const { return info(GRU_INFO_STATE_SIZE); }

  inline sequence make_sequence(std::size_t max_batch, std::size_t max_steps) const;

 private:
  std::shared_ptr<gru_layer> p_;
};

class builder {
 public:
  builder(gru_variant variant, gru_direction direction, std::size_t num_layers,
          std::size_t input_size, std::size_t hidden_size) {
    gru_builder *raw = nullptr;
    check(gru_builder_create(&raw));
    p_.reset(raw);
    check(gru_builder_set_shape(raw, variant, direction, num_layers, input_size, hidden_size),
          gru_builder_error(raw));
  }

  // Copies one tensor; data must hold the product of shape floats.
  builder &tensor(gru_format format, const char *name, const std::vector<float> &data,
                  std::initializer_list<std::size_t> shape) {
    std::size_t count = 1;
    for (std::size_t d : shape) count *= d;
    if (count != data.size())
      throw error(GRU_ERR_SIZE, (std::string(name) + ": data size differs from the shape").c_str());
    check(gru_builder_set_tensor(p_.get(), format, name, data.data(), shape.size(), shape.begin()),
          gru_builder_error(p_.get()));
    return *this;
  }

  builder &option(gru_option option, std::size_t value) {
    check(gru_builder_set_option(p_.get(), option, value), gru_builder_error(p_.get()));
    return *this;
  }

  layer build() {
    gru_layer *raw = nullptr;
    check(gru_builder_build(p_.get(), &raw), gru_builder_error(p_.get()));
    return layer(raw);
  }

 private:
  struct destroy {
    void operator()(gru_builder *b) const noexcept { gru_builder_destroy(b); }
  };
  std::unique_ptr<gru_builder, destroy> p_;
};

class sequence {
 public:
  sequence(layer l, gru_sequence *raw) : layer_(std::move(l)), p_(raw) {}

  const gru::layer &get_layer() const noexcept { return layer_; }

  // Rows 0..batch-1 to h0 ([L*D, batch, H]) or zeros.
  void reset(std::size_t batch, const std::vector<float> *h0 = nullptr) {
    check(gru_sequence_reset(p_.get(), batch, h0 ? h0->data() : nullptr, h0 ? h0->size() : 0),
          gru_sequence_error(p_.get()));
  }

  // x [steps, batch, I] (or [batch, steps, I] with GRU_BATCH_MAJOR) ->
  // y [steps, batch, output_size()]; sizes are checked before the call.
  void run(std::size_t steps, std::size_t batch, const std::vector<float> &x,
           std::vector<float> *y, const std::vector<std::size_t> *lengths = nullptr,
           std::uint32_t flags = 0) {
    if (x.size() != steps * batch * layer_.input_size() ||
        (y && y->size() != steps * batch * layer_.output_size()) ||
        (lengths && lengths->size() != batch))
      throw error(GRU_ERR_SIZE, "run: x, y or lengths does not match steps and batch");
    check(gru_sequence_run(p_.get(), steps, batch, x.data(), 0, y ? y->data() : nullptr, 0,
                           lengths ? lengths->data() : nullptr, flags),
          gru_sequence_error(p_.get()));
  }

  // One step: x [batch, I] -> y [batch, H]; reset (batch flags) restarts rows.
  void step(std::size_t batch, const std::vector<float> &x, std::vector<float> &y,
            const std::vector<unsigned char> *reset = nullptr) {
    if (x.size() != batch * layer_.input_size() || y.size() != batch * layer_.output_size() ||
        (reset && reset->size() != batch))
      throw error(GRU_ERR_SIZE, "step: x, y or reset does not match the batch");
    check(gru_sequence_step(p_.get(), batch, x.data(), 0, y.data(), 0,
                            reset ? reset->data() : nullptr, nullptr, 0),
          gru_sequence_error(p_.get()));
  }

  // The state of rows 0..batch-1, [L*D, batch, H] (PyTorch's h_n).
  std::vector<float> state(std::size_t batch) const {
    std::vector<float> h(layer_.state_size() * batch);
    check(gru_sequence_get_state(p_.get(), batch, h.data(), h.size()),
          gru_sequence_error(p_.get()));
    return h;
  }

  std::vector<unsigned char> save(std::size_t batch) const {
    std::size_t n = 0, written = 0;
    check(gru_sequence_state_bytes(p_.get(), batch, &n), gru_sequence_error(p_.get()));
    std::vector<unsigned char> buf(n);
    check(gru_sequence_save_state(p_.get(), batch, buf.data(), buf.size(), &written),
          gru_sequence_error(p_.get()));
    buf.resize(written);
    return buf;
  }

  void load(const std::vector<unsigned char> &saved) {
    check(gru_sequence_load_state(p_.get(), saved.data(), saved.size()),
          gru_sequence_error(p_.get()));
  }

  sequence clone() const {
    gru_sequence *raw = nullptr;
    check(gru_sequence_clone(&raw, p_.get()));
    return sequence(layer_, raw);
  }

 private:
  struct destroy {
    void operator()(gru_sequence *s) const noexcept { gru_sequence_destroy(s); }
  };
  gru::layer layer_;  // declared first: destroyed after the sequence
  std::unique_ptr<gru_sequence, destroy> p_;
};

inline sequence layer::make_sequence(std::size_t max_batch, std::size_t max_steps) const {
  gru_sequence *raw = nullptr;
  check(gru_sequence_create(&raw, p_.get(), max_batch, max_steps));
  return sequence(*this, raw);
}

}  // namespace gru

#endif
