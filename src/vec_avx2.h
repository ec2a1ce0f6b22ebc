/* vec_avx2.h -- the vector vocabulary of kernels_impl.h on AVX2 + FMA,
 * eight lanes. The same names and meanings as vec_scalar.h. */
#ifndef GRU_VEC_AVX2_H
#define GRU_VEC_AVX2_H

#if !defined(__AVX2__) || !defined(__FMA__)
#error "vec_avx2.h needs -mavx2 -mfma (only kernels_avx2.c includes it)"
#endif

#include <immintrin.h>
#include <stddef.h>

typedef __m256 VF;
typedef __m256 VM;
#define VW 8

static inline VF vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, VF v) { _mm256_storeu_ps(p, v); }

/* Lanes 0 .. n-1 set, for the tail (n < 8). Masked-off lanes are neither
 * read nor written, so the tail never touches memory past the row. */
static inline __m256i vf_tail_mask(size_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline VF vf_load_n(const float *p, size_t n) {
  return _mm256_maskload_ps(p, vf_tail_mask(n));
}

static inline void vf_store_n(float *p, VF v, size_t n) {
  _mm256_maskstore_ps(p, vf_tail_mask(n), v);
}

static inline VF vf_set1(float x) { return _mm256_set1_ps(x); }
static inline VF vf_add(VF a, VF b) { return _mm256_add_ps(a, b); }
static inline VF vf_sub(VF a, VF b) { return _mm256_sub_ps(a, b); }
static inline VF vf_mul(VF a, VF b) { return _mm256_mul_ps(a, b); }
static inline VF vf_div(VF a, VF b) { return _mm256_div_ps(a, b); }
static inline VF vf_fma(VF a, VF b, VF c) { return _mm256_fmadd_ps(a, b, c); }

/* maxps/minps return the second operand when either is NaN. */
static inline VF vf_max(VF a, VF b) { return _mm256_max_ps(a, b); }
static inline VF vf_min(VF a, VF b) { return _mm256_min_ps(a, b); }

static inline VM vf_lt(VF a, VF b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline VF vf_select(VM m, VF if_true, VF if_false) {
  return _mm256_blendv_ps(if_false, if_true, m);
}

static inline VF vf_floor(VF a) {
  return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}

static inline VF vf_abs(VF a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }

static inline VF vf_neg(VF a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }

static inline VF vf_copysign(VF a, VF s) {
  const VF sign = _mm256_set1_ps(-0.0f);
  return _mm256_or_ps(_mm256_andnot_ps(sign, a), _mm256_and_ps(sign, s));
}

/* 2^n for an integral n in [-127, 128], as in vec_scalar.h. */
static inline VF vf_pow2i(VF n) {
  __m256 biased = _mm256_add_ps(n, _mm256_set1_ps(8388735.0f));
  __m256i e = _mm256_castps_si256(biased);
  return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}

#endif
