/* vec_scalar.h -- the vector vocabulary of kernels_impl.h, one lane wide.
 *
 * Each vec_*.h defines the same names: VF (a vector of floats), VM (a lane
 * mask), VW (lanes), and the vf_* operations. Every operation is IEEE
 * exact or correctly rounded, so the template computes the same thing on
 * every ISA; the one exception is vf_fma below. */
#ifndef GRU_VEC_SCALAR_H
#define GRU_VEC_SCALAR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef float VF;
typedef int VM;
#define VW 1

static inline VF vf_load(const float *p) { return *p; }
static inline void vf_store(float *p, VF v) { *p = v; }

/* The tail: with one lane there is none (n < VW means n == 0), but the
 * template is written for any width. */
static inline VF vf_load_n(const float *p, size_t n) { return n ? *p : 0.0f; }

static inline void vf_store_n(float *p, VF v, size_t n) {
  if (n) *p = v;
}

static inline VF vf_set1(float x) { return x; }
static inline VF vf_add(VF a, VF b) { return a + b; }
static inline VF vf_sub(VF a, VF b) { return a - b; }
static inline VF vf_mul(VF a, VF b) { return a * b; }
static inline VF vf_div(VF a, VF b) { return a / b; }

/* a*b + c. fmaf() only where it is an instruction: elsewhere it is a slow
 * software emulation, so without one the scalar path rounds twice (the
 * library is built with -ffp-contract=off, so this stays two roundings).
 * That is the one way scalar results may differ from the SIMD paths. */
static inline VF vf_fma(VF a, VF b, VF c) {
#ifdef FP_FAST_FMAF
  return fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

/* SSE semantics: when either is NaN the second operand is returned, so
 * vf_max(constant, x) lets a NaN x through. */
static inline VF vf_max(VF a, VF b) { return a > b ? a : b; }
static inline VF vf_min(VF a, VF b) { return a < b ? a : b; }

static inline VM vf_lt(VF a, VF b) { return a < b; }
static inline VF vf_select(VM m, VF if_true, VF if_false) { return m ? if_true : if_false; }

static inline VF vf_floor(VF a) { return floorf(a); }

static inline uint32_t vf_bits(VF a) {
  uint32_t u;
  memcpy(&u, &a, sizeof u);
  return u;
}

static inline VF vf_from_bits(uint32_t u) {
  VF a;
  memcpy(&a, &u, sizeof a);
  return a;
}

#define SIGN_BIT 0x80000000u

static inline VF vf_abs(VF a) { return vf_from_bits(vf_bits(a) & ~SIGN_BIT); }
static inline VF vf_neg(VF a) { return vf_from_bits(vf_bits(a) ^ SIGN_BIT); }

/* |a| with the sign bit of s: s's sign survives even for s = -0 or NaN. */
static inline VF vf_copysign(VF a, VF s) {
  return vf_from_bits((vf_bits(a) & ~SIGN_BIT) | (vf_bits(s) & SIGN_BIT));
}

/* 2^n for an integral n in [-127, 128]: 0 at -127, +inf at 128. Adding
 * 2^23 + 127 puts n + 127 in the low mantissa bits exactly (in any rounding
 * mode), and a shift moves them into the exponent field. No float-to-int
 * conversion: a NaN n (the caller's other factor is then NaN too) gives
 * some value, not undefined behaviour. */
static inline VF vf_pow2i(VF n) { return vf_from_bits(vf_bits(n + 8388735.0f) << 23); }

#endif
