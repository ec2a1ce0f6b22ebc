/* vec_pair.h -- two vectors of a vec_*.h at a time, for kernels_impl.h.
 *
 * An activation is a chain of about twenty dependent operations (an exp,
 * then a division), and a core keeps too few of them in flight for one
 * chain to hide another's latencies. Each vp_* operation issues its vf_*
 * operation for both vectors of a pair before the kernel's next one
 * starts, so the core has two independent chains in the same window.
 * Every lane still sees the same operations in the same order. Include
 * after one vec_*.h. */
#ifndef GRU_VEC_PAIR_H
#define GRU_VEC_PAIR_H

#include <stddef.h>

typedef struct VP {
  VF a, b;
} VP;
typedef struct MP {
  VM a, b;
} MP;
#define PW (2 * VW) /* lanes in a pair */

#define VP_1(f, x) ((VP){f((x).a), f((x).b)})
#define VP_2(f, x, y) ((VP){f((x).a, (y).a), f((x).b, (y).b)})
static inline VP vp_set1(float c) { return (VP){vf_set1(c), vf_set1(c)}; }
static inline VP vp_add(VP x, VP y) { return VP_2(vf_add, x, y); }
static inline VP vp_sub(VP x, VP y) { return VP_2(vf_sub, x, y); }
static inline VP vp_mul(VP x, VP y) { return VP_2(vf_mul, x, y); }
static inline VP vp_div(VP x, VP y) { return VP_2(vf_div, x, y); }
static inline VP vp_min(VP x, VP y) { return VP_2(vf_min, x, y); }
static inline VP vp_max(VP x, VP y) { return VP_2(vf_max, x, y); }
static inline VP vp_copysign(VP x, VP y) { return VP_2(vf_copysign, x, y); }
static inline VP vp_fma(VP x, VP y, VP z) {
  return (VP){vf_fma(x.a, y.a, z.a), vf_fma(x.b, y.b, z.b)};
}
static inline VP vp_floor(VP x) { return VP_1(vf_floor, x); }
static inline VP vp_abs(VP x) { return VP_1(vf_abs, x); }
static inline VP vp_neg(VP x) { return VP_1(vf_neg, x); }
static inline VP vp_pow2i(VP x) { return VP_1(vf_pow2i, x); }
static inline MP vp_lt(VP x, VP y) { return (MP){vf_lt(x.a, y.a), vf_lt(x.b, y.b)}; }
static inline VP vp_select(MP m, VP x, VP y) {
  return (VP){vf_select(m.a, x.a, y.a), vf_select(m.b, x.b, y.b)};
}

static inline VP vp_load(const float *p) { return (VP){vf_load(p), vf_load(p + VW)}; }
static inline void vp_store(float *p, VP v) {
  vf_store(p, v.a);
  vf_store(p + VW, v.b);
}

/* The first n < PW lanes: a vector wholly past n is neither read nor
 * written. */
static inline VP vp_load_n(const float *p, size_t n) {
  if (n <= VW) return (VP){vf_load_n(p, n), vf_set1(0.0f)};
  return (VP){vf_load(p), vf_load_n(p + VW, n - VW)};
}

static inline void vp_store_n(float *p, VP v, size_t n) {
  if (n <= VW) {
    vf_store_n(p, v.a, n);
    return;
  }
  vf_store(p, v.a);
  vf_store_n(p + VW, v.b, n - VW);
}

#endif
