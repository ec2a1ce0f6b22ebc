/* vec_avx512.h -- the vector vocabulary of kernels_impl.h on AVX-512F,
 * sixteen lanes. The same names and meanings as vec_scalar.h. Only
 * AVX-512F instructions are used (bit operations go through the integer
 * forms), though the dispatch also asks for DQ, BW and VL. */
#ifndef GRU_VEC_AVX512_H
#define GRU_VEC_AVX512_H

#if !defined(__AVX512F__)
#error "vec_avx512.h needs -mavx512f (only kernels_avx512.c includes it)"
#endif

#include <immintrin.h>
#include <stddef.h>

typedef __m512 VF;
typedef __mmask16 VM;
#define VW 16

static inline VF vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, VF v) { _mm512_storeu_ps(p, v); }

/* Lanes 0 .. n-1 set, for the tail (n < 16). Masked-off lanes are neither
 * read nor written (no fault past the row). */
static inline __mmask16 vf_tail_mask(size_t n) { return (__mmask16)((1u << n) - 1u); }

static inline VF vf_load_n(const float *p, size_t n) {
  return _mm512_maskz_loadu_ps(vf_tail_mask(n), p);
}

static inline void vf_store_n(float *p, VF v, size_t n) {
  _mm512_mask_storeu_ps(p, vf_tail_mask(n), v);
}

static inline VF vf_set1(float x) { return _mm512_set1_ps(x); }
static inline VF vf_add(VF a, VF b) { return _mm512_add_ps(a, b); }
static inline VF vf_sub(VF a, VF b) { return _mm512_sub_ps(a, b); }
static inline VF vf_mul(VF a, VF b) { return _mm512_mul_ps(a, b); }
static inline VF vf_div(VF a, VF b) { return _mm512_div_ps(a, b); }
static inline VF vf_fma(VF a, VF b, VF c) { return _mm512_fmadd_ps(a, b, c); }

/* vmaxps/vminps return the second operand when either is NaN. */
static inline VF vf_max(VF a, VF b) { return _mm512_max_ps(a, b); }
static inline VF vf_min(VF a, VF b) { return _mm512_min_ps(a, b); }

static inline VM vf_lt(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }

static inline VF vf_select(VM m, VF if_true, VF if_false) {
  return _mm512_mask_blend_ps(m, if_false, if_true);
}

static inline VF vf_floor(VF a) {
  return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}

static inline __m512i vf_as_int(VF a) { return _mm512_castps_si512(a); }
static inline VF vf_as_float(__m512i a) { return _mm512_castsi512_ps(a); }

static inline VF vf_abs(VF a) {
  return vf_as_float(_mm512_and_si512(vf_as_int(a), _mm512_set1_epi32(0x7fffffff)));
}

static inline VF vf_neg(VF a) {
  return vf_as_float(_mm512_xor_si512(vf_as_int(a), _mm512_set1_epi32((int)0x80000000u)));
}

/* |a| with the sign bit of s: one ternary-logic op, bitwise
 * (mask ? s : a) with the mask holding only the sign bit. */
static inline VF vf_copysign(VF a, VF s) {
  return vf_as_float(_mm512_ternarylogic_epi32(_mm512_set1_epi32((int)0x80000000u), vf_as_int(s),
                                               vf_as_int(a), 0xca));
}

/* 2^n for an integral n in [-127, 128], as in vec_scalar.h. */
static inline VF vf_pow2i(VF n) {
  __m512i e = vf_as_int(_mm512_add_ps(n, _mm512_set1_ps(8388735.0f)));
  return vf_as_float(_mm512_slli_epi32(e, 23));
}

#endif
