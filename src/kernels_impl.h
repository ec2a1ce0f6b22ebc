/* kernels_impl.h -- the elementwise kernels, written once for every ISA.
 *
 * Include it after one vec_*.h, with GRU_KERNELS_TABLE (the name of the
 * table to define) and GRU_KERNELS_ISA (its gru_isa) defined. Each ISA's
 * file is one translation unit with its own compiler flags.
 *
 * The same sequence of IEEE operations runs on every ISA, so AVX2 and
 * AVX-512 agree bit for bit, and the scalar path differs only where it has
 * no fused multiply-add. docs/numerics.md has the algorithms and errors. */
#if !defined(VW) || !defined(GRU_KERNELS_TABLE) || !defined(GRU_KERNELS_ISA)
#error "include a vec_*.h and define GRU_KERNELS_TABLE and GRU_KERNELS_ISA"
#endif

#include <stddef.h>

#include "inline.h"
#include "kernels.h"
#include "vec_pair.h"

/* exp's argument range. Below EXP_LO, exp(y) < 1.2e-38 only ever adds to 1
 * (sigmoid of x > 87) and clamping keeps 2^n normal (n >= -126). Above
 * EXP_HI's 88.38, n = 128 and 2^n = +inf, so sigmoid(-inf) = 0 and
 * tanh(+-inf) = +-1 fall out of the arithmetic; the clamp keeps n <= 128,
 * which the exponent field can hold. */
#define EXP_LO (-87.33f)
#define EXP_HI 88.5f
#define LOG2E 1.44269504088896341f
/* Cody-Waite: ln 2 = LN2_HI + LN2_LO, with LN2_HI short (9 bits) so that
 * n * LN2_HI is exact and y - n * LN2_HI is exact, with or without FMA. */
#define LN2_HI 0.693359375f
#define LN2_LO (-2.12194440e-4f)
/* tanh below this |x| is an odd polynomial; above, from exp. */
#define TANH_SMALL 0.625f

/* 1 + e^y, by Cephes expf: e^y = 2^n * e^r, |r| <= ln2 / 2, e^r by a
 * degree-7 polynomial 1 + r + r^2 * P(r). Both activations want 1 + e^y,
 * so the last multiply and the add are one fma: one rounding fewer, one
 * operation fewer. A NaN y passes the clamps (constants first) and
 * poisons r, so NaN comes out. */
static inline VP act_one_plus_exp(VP y) {
  y = vp_min(vp_set1(EXP_HI), vp_max(vp_set1(EXP_LO), y));
  VP n = vp_floor(vp_fma(y, vp_set1(LOG2E), vp_set1(0.5f)));
  VP r = vp_fma(n, vp_set1(-LN2_HI), y);
  r = vp_fma(n, vp_set1(-LN2_LO), r);
  VP p = vp_set1(1.9875691500e-4f);
  p = vp_fma(p, r, vp_set1(1.3981999507e-3f));
  p = vp_fma(p, r, vp_set1(8.3334519073e-3f));
  p = vp_fma(p, r, vp_set1(4.1665795894e-2f));
  p = vp_fma(p, r, vp_set1(1.6666665459e-1f));
  p = vp_fma(p, r, vp_set1(5.0000001201e-1f));
  VP one = vp_set1(1.0f);
  p = vp_add(vp_fma(p, vp_mul(r, r), r), one);
  return vp_fma(p, vp_pow2i(n), one);
}

/* 1 / (1 + e^-x), with a true division: no reciprocal estimate. */
static inline VP act_sigmoid(VP x) { return vp_div(vp_set1(1.0f), act_one_plus_exp(vp_neg(x))); }

/* tanh of a = |x|, then x's sign put back as a bit, so tanh(-0) = -0 and
 * tanh(NaN) is NaN. Both branches are computed and one is kept per lane:
 * Cephes tanhf's odd polynomial below 0.625, where 1 - 2/(e^2a + 1) would
 * cancel, and that formula above (e^2a = +inf gives exactly 1). */
static inline VP act_tanh(VP x) {
  VP a = vp_abs(x);
  VP z = vp_mul(a, a);
  VP p = vp_set1(-5.70498872745e-3f);
  p = vp_fma(p, z, vp_set1(2.06390887954e-2f));
  p = vp_fma(p, z, vp_set1(-5.37397155531e-2f));
  p = vp_fma(p, z, vp_set1(1.33314422036e-1f));
  p = vp_fma(p, z, vp_set1(-3.33332819422e-1f));
  VP small = vp_fma(vp_mul(p, z), a, a);
  VP large = vp_sub(vp_set1(1.0f), vp_div(vp_set1(2.0f), act_one_plus_exp(vp_add(a, a))));
  return vp_copysign(vp_select(vp_lt(a, vp_set1(TANH_SMALL)), small, large), x);
}

/* Every kernel is op(lane values of up to MAX_IN input rows) stored to one
 * output row, and to a second (copy) when it is not NULL. map2() owns the
 * loop: full pairs, then one masked pair for the n mod PW tail, which
 * runs the same op so no result depends on where an element falls. Once
 * it is inlined, op is a constant and is inlined too. */
#define MAX_IN 7

typedef VP (*elementwise_op)(const VP *in);

static GRU__ALWAYS_INLINE void map2(size_t n, size_t n_in, const float *const *in, float *out,
                                    float *copy, elementwise_op op) {
  VP v[MAX_IN];
  size_t i = 0;
  for (; i + PW <= n; i += PW) {
    GRU__UNROLL for (size_t k = 0; k < n_in; k++) v[k] = vp_load(in[k] + i);
    VP y = op(v);
    vp_store(out + i, y);
    if (copy) vp_store(copy + i, y);
  }
  if (i < n) {
    GRU__UNROLL for (size_t k = 0; k < n_in; k++) v[k] = vp_load_n(in[k] + i, n - i);
    VP y = op(v);
    vp_store_n(out + i, y, n - i);
    if (copy) vp_store_n(copy + i, y, n - i);
  }
}

static GRU__ALWAYS_INLINE void map(size_t n, size_t n_in, const float *const *in, float *out,
                                   elementwise_op op) {
  map2(n, n_in, in, out, NULL, op);
}

/* The ops, in the order of gru__kernels. Sums are formed left to right as
 * kernels.h writes them, so a reference can repeat them. */
static inline VP op_gates(const VP *v) { return act_sigmoid(vp_add(vp_add(v[0], v[1]), v[2])); }

static inline VP op_reset(const VP *v) { return vp_mul(v[0], v[1]); }

/* v = gx, gh, b, h. */
static inline VP op_reset_gate(const VP *v) { return op_reset((VP[]){op_gates(v), v[3]}); }

static inline VP op_candidate_before(const VP *v) {
  return act_tanh(vp_add(vp_add(v[0], v[1]), v[2]));
}

/* v = gx, b, r, gh, bhn: tanh((gx + b) + r * (gh + bhn)), one fma. */
static inline VP op_candidate_after(const VP *v) {
  return act_tanh(vp_fma(v[2], vp_add(v[3], v[4]), vp_add(v[0], v[1])));
}

/* v = z, c, h: h + z * (c - h), one fma. */
/* cppcheck-suppress ctuArrayIndex ; it takes op_update_before's VP bl[3] for uninitialised */
static inline VP op_blend(const VP *v) { return vp_fma(v[0], vp_sub(v[1], v[2]), v[2]); }

/* The fused updates: the ops above in the same order, so their results
 * are those of the separate kernels bit for bit, with no row of the
 * candidate stored and read back in between. v = gx_n, gh_n, b_n, z, h. */
static inline VP op_update_before(const VP *v) {
  VP c = op_candidate_before(v);
  VP bl[] = {v[3], c, v[4]};
  return op_blend(bl);
}

/* v = r, z, gx_n, b_n, gh_n, bhn, h: r and z come from k_gates (below). */
static inline VP op_update_after(const VP *v) {
  VP c = op_candidate_after((VP[]){v[2], v[3], v[0], v[4], v[5]});
  return op_blend((VP[]){v[1], c, v[6]});
}

static inline VP op_sigmoid(const VP *v) { return act_sigmoid(v[0]); }
static inline VP op_tanh(const VP *v) { return act_tanh(v[0]); }

static void k_gates(size_t n, const float *gx, const float *gh, const float *b, float *out) {
  const float *in[] = {gx, gh, b};
  map(n, 3, in, out, op_gates);
}

static void k_reset(size_t n, const float *r, const float *h, float *out) {
  const float *in[] = {r, h};
  map(n, 2, in, out, op_reset);
}

static void k_reset_gate(size_t n, const float *gx, const float *gh, const float *b, const float *h,
                         float *out) {
  const float *in[] = {gx, gh, b, h};
  map(n, 4, in, out, op_reset_gate);
}

static void k_candidate_before(size_t n, const float *gx, const float *gh, const float *b,
                               float *out) {
  const float *in[] = {gx, gh, b};
  map(n, 3, in, out, op_candidate_before);
}

static void k_candidate_after(size_t n, const float *gx, const float *b, const float *r,
                              const float *gh, const float *bhn, float *out) {
  const float *in[] = {gx, b, r, gh, bhn};
  map(n, 5, in, out, op_candidate_after);
}

static void k_blend(size_t n, const float *z, const float *c, float *h) {
  const float *in[] = {z, c, h};
  map(n, 3, in, h, op_blend);
}

static void k_update_before(size_t n, const float *gx, const float *gh, const float *b,
                            const float *z, const float *h, float *out, float *copy) {
  const float *in[] = {gx, gh, b, z, h};
  map2(n, 5, in, out, copy, op_update_before);
}

/* r and z of a block go through buffers on the stack (L1) before the
 * candidate and the blend: the same operations as one pass over all
 * three gates, but two chains of about half the length, which the core
 * overlaps better (docs/performance-zen3.md). */
#define UPDATE_BLOCK 128

static void k_update_after(size_t n, size_t gs, const float *gx, const float *gh, const float *b,
                           const float *bhn, const float *h, float *out, float *copy) {
  float r[UPDATE_BLOCK], z[UPDATE_BLOCK];
  for (size_t i = 0; i < n; i += UPDATE_BLOCK) {
    size_t m = n - i < UPDATE_BLOCK ? n - i : UPDATE_BLOCK;
    k_gates(m, gx + i, gh + i, b + i, r);
    k_gates(m, gx + gs + i, gh + gs + i, b + gs + i, z);
    const float *in[] = {r, z, gx + 2 * gs + i, b + 2 * gs + i, gh + 2 * gs + i, bhn + i, h + i};
    map2(m, 7, in, out + i, copy ? copy + i : NULL, op_update_after);
  }
}

static void k_sigmoid(size_t n, const float *x, float *y) {
  const float *in[] = {x};
  map(n, 1, in, y, op_sigmoid);
}

static void k_tanh(size_t n, const float *x, float *y) {
  const float *in[] = {x};
  map(n, 1, in, y, op_tanh);
}

const gru__kernels GRU_KERNELS_TABLE = {
    .isa = GRU_KERNELS_ISA,
    .gates = k_gates,
    .reset = k_reset,
    .reset_gate = k_reset_gate,
    .candidate_before = k_candidate_before,
    .candidate_after = k_candidate_after,
    .blend = k_blend,
    .update_before = k_update_before,
    .update_after = k_update_after,
    .sigmoid = k_sigmoid,
    .tanh = k_tanh,
};
