/* kernels.h -- the elementwise stages of a GRU step, one table per ISA.
 *
 * Every kernel works on one batch row of n floats (n >= 1, any value: the
 * SIMD versions finish with a masked tail, never a scalar loop, so a
 * result does not depend on n mod the vector width). Pointers need no
 * alignment. Outputs may alias no input unless said.
 *
 * All three tables use one algorithm (kernels_impl.h): the AVX2 and
 * AVX-512 tables give bit-identical results; the scalar table differs from
 * them by at most the bounds in docs/numerics.md (it has no fused
 * multiply-add on a CPU without one). */
#ifndef GRU_KERNELS_H
#define GRU_KERNELS_H

#include <stddef.h>

#include "gru.h"

typedef struct gru__kernels {
  gru_isa isa;
  /* out = sigmoid(gx + gh + b): the r and z gates, n = 2H. */
  void (*gates)(size_t n, const float *gx, const float *gh, const float *b, float *out);
  /* out = r * h: the reset-before Hadamard product. */
  void (*reset)(size_t n, const float *r, const float *h, float *out);
  /* out = gates(gx, gh, b) * h, bit for bit reset of gates: reset-before's
   * r * h, r itself never stored. */
  void (*reset_gate)(size_t n, const float *gx, const float *gh, const float *b, const float *h,
                     float *out);
  /* out = tanh(gx + gh + b): the reset-before candidate. */
  void (*candidate_before)(size_t n, const float *gx, const float *gh, const float *b, float *out);
  /* out = tanh(gx + b + r * (gh + bhn)): the reset-after candidate. */
  void (*candidate_after)(size_t n, const float *gx, const float *b, const float *r,
                          const float *gh, const float *bhn, float *out);
  /* h = h + z * (c - h): the update, (1 - z) * h + z * c. h may not alias
   * z or c. */
  void (*blend)(size_t n, const float *z, const float *c, float *h);
  /* The last stages of a step fused, bit for bit what the separate
   * kernels above compute, with out = the new state (out may alias h), and
   * the same values stored to copy too unless it is NULL (the step's output
   * row, written while the values are in registers):
   * reset-before: out = blend of z, candidate_before(gx, gh, b) and h; */
  void (*update_before)(size_t n, const float *gx, const float *gh, const float *b, const float *z,
                        const float *h, float *out, float *copy);
  /* reset-after: r and z by gates, the candidate by candidate_after, then
   * the blend, with gx, gh and b holding the gates r, z, n gs floats
   * apart. */
  void (*update_after)(size_t n, size_t gs, const float *gx, const float *gh, const float *b,
                       const float *bhn, const float *h, float *out, float *copy);
  /* The activations alone (y may alias x), for tests and tools. */
  void (*sigmoid)(size_t n, const float *x, float *y);
  void (*tanh)(size_t n, const float *x, float *y);
} gru__kernels;

/* One table per ISA, defined by kernels_<isa>.c through kernels_impl.h;
 * the AVX tables exist only in x86-64 builds. */
extern const gru__kernels gru__kernels_scalar;
#ifdef GRU_HAVE_X86
extern const gru__kernels gru__kernels_avx2;
extern const gru__kernels gru__kernels_avx512;
#endif

/* The table for isa; the scalar table for an ISA this build lacks. */
const gru__kernels *gru__kernels_for(gru_isa isa);

#endif
