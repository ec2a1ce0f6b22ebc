/* test_kernels.c -- the elementwise kernels of every path this CPU runs,
 * and the choice of path (CPUID and the GRU_ISA cap).
 *
 *   test_kernels              run the tests (ctest does this)
 *   test_kernels --report     also print the measured maximum errors
 *   test_kernels --exhaustive as --report, over all 2^32 inputs (minutes)
 *
 * The bounds below come from `test_kernels --exhaustive` and are quoted
 * in docs/numerics.md; change both together. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kernels.h"

/* Maximum error of each activation on any path, against double libm, over
 * all 2^32 inputs: in absolute terms, and in ulps of the exact result
 * where that is at least FLT_MIN. Measured: sigmoid 8.93e-8 and 2.481 ulp
 * (x = -16.64), tanh 7.93e-8 and 1.330 ulp (x = 0.628). */
#define SIGMOID_MAX_ABS 9.0e-8
#define SIGMOID_MAX_ULP 2.5
#define TANH_MAX_ABS 8.0e-8
#define TANH_MAX_ULP 1.35
/* Most the scalar path without hardware FMA and the SIMD paths differ, in
 * ulps (floats apart), for the same argument. Measured: 4 and 2. */
#define SIGMOID_SCALAR_SIMD_ULP 4
#define TANH_SCALAR_SIMD_ULP 2

/* The sweep visits every SWEEP_STRIDE-th bit pattern. Odd, so that every
 * low mantissa bit pattern turns up; sized to keep the whole test near a
 * second on one core in an unoptimised build. */
#define SWEEP_STRIDE 4099u
#define CHUNK 4096
#define MAX_N 67

static bool report;                          /* --report: print measured maxima */
static uint64_t sweep_stride = SWEEP_STRIDE; /* --exhaustive: 1 */

/* ------------------------------------------------------------------ */
/* Bits, ulps and the paths to test                                    */

static float from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint32_t to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* Floats in order as integers, so that the difference counts the floats
 * between two values (+0 and -0 both map to 0). */
static int64_t ordinal(float f) {
  uint32_t u = to_bits(f);
  return (u & 0x80000000u) ? -(int64_t)(u & 0x7fffffffu) : (int64_t)u;
}

/* Floats between a and b; 0 if both are NaN, "infinite" if one is. */
static int64_t ulp_distance(float a, float b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : INT64_MAX;
  int64_t d = ordinal(a) - ordinal(b);
  return d < 0 ? -d : d;
}

/* The kernel tables this machine can run, scalar first. */
static size_t runnable_paths(const gru__kernels *paths[3]) {
  size_t count = 0;
  gru_isa best = gru__cpu_isa();
  for (int isa = GRU_ISA_SCALAR; isa <= (int)best; isa++) {
    const gru__kernels *k = gru__kernels_for((gru_isa)isa);
    if ((int)k->isa == isa) /* a path this build lacks maps to scalar */
      paths[count++] = k;
  }
  return count;
}

static const gru__kernels *runnable(gru_isa isa) {
  const gru__kernels *k = gru__kernels_for(isa);
  return gru__cpu_isa() >= isa && k->isa == isa ? k : NULL;
}

static const char *path_name(const gru__kernels *k) {
  static const char *const names[] = {"scalar", "avx2", "avx512"};
  return names[k->isa];
}

/* ------------------------------------------------------------------ */
/* The comparison helper                                               */

/* Errors of results against exact (double) values. */
typedef struct errors {
  double max_abs;   /* largest |got - exact| */
  double max_ulp;   /* largest in ulps of exact, where |exact| >= FLT_MIN */
  float worst_x;    /* the input that gave max_ulp, for the report */
  size_t nan_wrong; /* NaN where exact is not, or the other way round */
} errors;

static void errors_add(errors *e, float x, float got, double exact) {
  if (isnan(got) || isnan(exact)) {
    e->nan_wrong += !(isnan(got) && isnan(exact));
    return;
  }
  double abs_err = fabs((double)got - exact);
  if (abs_err > e->max_abs) e->max_abs = abs_err;
  if (fabs(exact) >= FLT_MIN) {
    double ulp = ldexp(1.0, ilogb(exact) - (FLT_MANT_DIG - 1));
    if (abs_err / ulp > e->max_ulp) {
      e->max_ulp = abs_err / ulp;
      e->worst_x = x;
    }
  }
}

static bool errors_within(const errors *e, double max_abs, double max_ulp) {
  return e->nan_wrong == 0 && e->max_abs <= max_abs && e->max_ulp <= max_ulp;
}

/* ------------------------------------------------------------------ */
/* Activations: references and bounds                                  */

static double exact_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double exact_tanh(double x) { return tanh(x); }

typedef void (*activation_fn)(size_t n, const float *x, float *y);

typedef struct activation {
  const char *name;
  activation_fn (*of)(const gru__kernels *k);
  double (*exact)(double x);
  double max_abs, max_ulp; /* against exact(), on any path */
  int64_t scalar_vs_simd;  /* floats apart, scalar and SIMD */
} activation;

static activation_fn sigmoid_of(const gru__kernels *k) { return k->sigmoid; }
static activation_fn tanh_of(const gru__kernels *k) { return k->tanh; }

static const activation sigmoid = {"sigmoid",       sigmoid_of,      exact_sigmoid,
                                   SIGMOID_MAX_ABS, SIGMOID_MAX_ULP, SIGMOID_SCALAR_SIMD_ULP};
static const activation tanh_act = {"tanh",       tanh_of,      exact_tanh,
                                    TANH_MAX_ABS, TANH_MAX_ULP, TANH_SCALAR_SIMD_ULP};

/* Inputs where something changes: zeros, NaN payloads, FLT_MIN,
 * denormals, FLT_MAX, infinities; 0.625 (tanh's branch); exp's clamps
 * (87.33, 88.5), its 2^n = inf edge (88.376), ln FLT_MIN and ln FLT_MAX,
 * and their halves (tanh takes exp(2|x|)); each with +-2 neighbours and
 * both signs. Returns the count written to x (fewer than CHUNK). */
static size_t special_inputs(float *x) {
  static const float centres[] = {
      0.0f,    FLT_MIN,  FLT_TRUE_MIN, 0x1.fffffcp-127f, 1e-4f,  0.5f,    0.625f,   1.0f,
      9.0109f, 17.0f,    43.665f,      44.188f,          44.25f, 87.33f,  87.3365f, 88.376f,
      88.5f,   88.7228f, 89.0f,        100.0f,           1e10f,  FLT_MAX, INFINITY};
  static const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u,
                                  0x7fbfffffu, 0x7fffffffu, 0xffffffffu, 0x7fc00001u};
  size_t count = 0;
  for (size_t i = 0; i < sizeof centres / sizeof centres[0]; i++) {
    for (int step = -2; step <= 2; step++) {
      float v = centres[i];
      for (int s = 0; s < abs(step); s++)
        v = nextafterf(v, step < 0 ? 0.0f : INFINITY);
      x[count++] = v;
      x[count++] = -v;
    }
  }
  for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++)
    x[count++] = from_bits(nans[i]);
  return count;
}

/* ------------------------------------------------------------------ */
/* (1) Accuracy of the activations over the whole float range          */

typedef struct sweep_result {
  errors err[3];          /* per path, against libm */
  int64_t scalar_vs_simd; /* largest ulp distance scalar - SIMD */
  float scalar_worst_x;   /* where it is */
  size_t simd_differ;     /* AVX2 and AVX-512 results not bit-identical */
} sweep_result;

/* Runs every path over x[0 .. n-1] and folds the results into r. */
static void sweep_chunk(const activation *act, const gru__kernels **paths, size_t n_paths,
                        const float *x, size_t n, sweep_result *r) {
  static float y[3][CHUNK];
  for (size_t p = 0; p < n_paths; p++)
    act->of(paths[p])(n, x, y[p]);
  for (size_t i = 0; i < n; i++) {
    double exact = act->exact((double)x[i]);
    for (size_t p = 0; p < n_paths; p++)
      errors_add(&r->err[p], x[i], y[p][i], exact);
    for (size_t p = 1; p < n_paths; p++) {
      int64_t d = ulp_distance(y[0][i], y[p][i]);
      if (d > r->scalar_vs_simd) {
        r->scalar_vs_simd = d;
        r->scalar_worst_x = x[i];
      }
    }
    if (n_paths == 3 && to_bits(y[1][i]) != to_bits(y[2][i])) r->simd_differ++;
  }
}

static void sweep(const activation *act, const gru__kernels **paths, size_t n_paths,
                  sweep_result *r) {
  static float x[CHUNK];
  memset(r, 0, sizeof *r);
  sweep_chunk(act, paths, n_paths, x, special_inputs(x), r);
  uint64_t bits = 0;
  while (bits < (UINT64_C(1) << 32)) {
    size_t n = 0;
    for (; n < CHUNK && bits < (UINT64_C(1) << 32); bits += sweep_stride)
      x[n++] = from_bits((uint32_t)bits);
    sweep_chunk(act, paths, n_paths, x, n, r);
  }
}

static void report_sweep(const activation *act, const gru__kernels **paths, size_t n_paths,
                         const sweep_result *r) {
  for (size_t p = 0; p < n_paths; p++)
    printf("%-7s %-6s max abs %.4g  max ulp %.3f (x = %a)  NaN wrong %zu\n", act->name,
           path_name(paths[p]), r->err[p].max_abs, r->err[p].max_ulp, (double)r->err[p].worst_x,
           r->err[p].nan_wrong);
  printf("%-7s scalar vs SIMD %lld ulp (x = %a); AVX2 vs AVX-512 differ %zu\n", act->name,
         (long long)r->scalar_vs_simd, (double)r->scalar_worst_x, r->simd_differ);
}

static void check_accuracy(const activation *act) {
  const gru__kernels *paths[3];
  size_t n_paths = runnable_paths(paths);
  sweep_result r;
  sweep(act, paths, n_paths, &r);
  if (report) report_sweep(act, paths, n_paths, &r);
  for (size_t p = 0; p < n_paths; p++)
    assert_true(errors_within(&r.err[p], act->max_abs, act->max_ulp));
  assert_true(r.scalar_vs_simd <= act->scalar_vs_simd);
  assert_int_equal(r.simd_differ, 0);
}

static void test_sigmoid_accuracy(void **state) {
  (void)state;
  check_accuracy(&sigmoid);
}

static void test_tanh_accuracy(void **state) {
  (void)state;
  check_accuracy(&tanh_act);
}

/* The values docs/numerics.md promises exactly, at every lane position.
 * NaN rows expect NaN from both. */
static void test_special_values(void **state) {
  (void)state;
  static const struct {
    float x, sigmoid, tanh;
  } cases[] = {
      {0.0f, 0.5f, 0.0f},
      {-0.0f, 0.5f, -0.0f},
      {INFINITY, 1.0f, 1.0f},
      {-INFINITY, 0.0f, -1.0f},
      {FLT_TRUE_MIN, 0.5f, FLT_TRUE_MIN},
      {-0x1.fffffcp-127f, 0.5f, -0x1.fffffcp-127f},
      {NAN, NAN, NAN},
      {-NAN, NAN, NAN},
  };
  const gru__kernels *paths[3];
  size_t n_paths = runnable_paths(paths);
  for (size_t p = 0; p < n_paths; p++) {
    for (size_t lane = 0; lane < 17; lane++) {
      float x[17] = {0}, s[17], t[17];
      for (size_t v = 0; v < sizeof cases / sizeof cases[0]; v++) {
        x[lane] = cases[v].x;
        paths[p]->sigmoid(lane + 1, x, s);
        paths[p]->tanh(lane + 1, x, t);
        if (isnan(cases[v].x)) {
          assert_true(isnan(s[lane]) && isnan(t[lane]));
        } else {
          assert_int_equal(to_bits(s[lane]), to_bits(cases[v].sigmoid));
          assert_int_equal(to_bits(t[lane]), to_bits(cases[v].tanh));
        }
      }
    }
  }
}

/* ------------------------------------------------------------------ */
/* (2) Every kernel against its formula in double                      */

/* Deterministic: splitmix64. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. With quantum > 0, a multiple of it: the kernels'
 * sums and products of such values are exact in float, so a kernel's only
 * error is its activation's, and the bound can be that activation's. */
static float rng_float(uint64_t *s, float lo, float hi, float quantum) {
  double u = (double)(rng_next(s) >> 11) * 0x1p-53;
  double v = lo + u * (hi - lo);
  return quantum > 0 ? (float)(quantum * floor(v / quantum)) : (float)v;
}

#define QUANTUM 0x1p-8f

typedef struct range {
  float lo, hi;
} range;

/* One kernel: its inputs, a call through any table, its formula in double
 * (with the table's argument order), and the activation whose bounds it
 * has (its arguments being exact). */
typedef struct kernel_case {
  const char *name;
  size_t n_in;
  range in[5];
  void (*run)(const gru__kernels *k, size_t n, float *const *in, float *out);
  double (*exact)(const double *v);
  const activation *bounds;
} kernel_case;

/* The bounds of a kernel without an activation: exact on exact data. */
static const activation no_activation = {"none", NULL, NULL, 0, 0, 0};

static void run_gates(const gru__kernels *k, size_t n, float *const *in, float *out) {
  k->gates(n, in[0], in[1], in[2], out);
}

static void run_reset(const gru__kernels *k, size_t n, float *const *in, float *out) {
  k->reset(n, in[0], in[1], out);
}

static void run_candidate_before(const gru__kernels *k, size_t n, float *const *in, float *out) {
  k->candidate_before(n, in[0], in[1], in[2], out);
}

static void run_candidate_after(const gru__kernels *k, size_t n, float *const *in, float *out) {
  k->candidate_after(n, in[0], in[1], in[2], in[3], in[4], out);
}

/* blend updates h (in[2]) in place; out receives a copy of it. */
static void run_blend(const gru__kernels *k, size_t n, float *const *in, float *out) {
  memcpy(out, in[2], n * sizeof *out);
  k->blend(n, in[0], in[1], out);
}

/* The activations in place (y = x), which kernels.h allows. */
static void run_sigmoid(const gru__kernels *k, size_t n, float *const *in, float *out) {
  memcpy(out, in[0], n * sizeof *out);
  k->sigmoid(n, out, out);
}

static void run_tanh(const gru__kernels *k, size_t n, float *const *in, float *out) {
  memcpy(out, in[0], n * sizeof *out);
  k->tanh(n, out, out);
}

static double exact_gates(const double *v) { return exact_sigmoid(v[0] + v[1] + v[2]); }

static double exact_reset(const double *v) { return v[0] * v[1]; }

static double exact_candidate_before(const double *v) { return tanh(v[0] + v[1] + v[2]); }

static double exact_candidate_after(const double *v) {
  return tanh(v[0] + v[1] + v[2] * (v[3] + v[4]));
}

static double exact_blend(const double *v) { return v[2] + v[0] * (v[1] - v[2]); }

static double exact_sigmoid_v(const double *v) { return exact_sigmoid(v[0]); }
static double exact_tanh_v(const double *v) { return tanh(v[0]); }

#define PRE \
  { -4.0f, 4.0f } /* a pre-activation term */
#define GATE \
  { 0.0f, 1.0f } /* r or z */
#define STATE \
  { -1.0f, 1.0f } /* h or the candidate */
#define WIDE \
  { -30.0f, 30.0f }

static const kernel_case kernel_cases[] = {
    {"gates", 3, {PRE, PRE, PRE}, run_gates, exact_gates, &sigmoid},
    {"reset", 2, {GATE, STATE}, run_reset, exact_reset, &no_activation},
    {"candidate_before",
     3,
     {PRE, PRE, PRE},
     run_candidate_before,
     exact_candidate_before,
     &tanh_act},
    {"candidate_after",
     5,
     {PRE, PRE, GATE, PRE, PRE},
     run_candidate_after,
     exact_candidate_after,
     &tanh_act},
    {"blend", 3, {GATE, STATE, STATE}, run_blend, exact_blend, &no_activation},
    {"sigmoid", 1, {WIDE}, run_sigmoid, exact_sigmoid_v, &sigmoid},
    {"tanh", 1, {WIDE}, run_tanh, exact_tanh_v, &tanh_act},
};
#define N_CASES (sizeof kernel_cases / sizeof kernel_cases[0])

/* Inputs of one case, each row in its own exact-size allocation so that
 * the sanitizers see a read past n; out has a guard zone after n. */
typedef struct case_data {
  float *in[5];
  float out[MAX_N + 16];
} case_data;

#define GUARD 12345.0f

static void case_data_fill(case_data *d, const kernel_case *c, size_t n, uint64_t seed,
                           float quantum) {
  for (size_t k = 0; k < c->n_in; k++) {
    d->in[k] = malloc(n * sizeof(float));
    assert_non_null(d->in[k]);
    for (size_t i = 0; i < n; i++)
      d->in[k][i] = rng_float(&seed, c->in[k].lo, c->in[k].hi, quantum);
  }
  for (size_t i = 0; i < MAX_N + 16; i++)
    d->out[i] = GUARD;
}

static void case_data_free(case_data *d, const kernel_case *c) {
  for (size_t k = 0; k < c->n_in; k++)
    free(d->in[k]);
}

/* The comparison helper: true if out[0 .. n-1] is within the case's
 * bounds of its formula and nothing past n was written. */
static bool matches_formula(const kernel_case *c, size_t n, float *const *in, const float *out) {
  errors e = {0};
  for (size_t i = 0; i < n; i++) {
    double v[5];
    for (size_t k = 0; k < c->n_in; k++)
      v[k] = in[k][i];
    errors_add(&e, in[0][i], out[i], c->exact(v));
  }
  for (size_t i = n; i < MAX_N + 16; i++)
    if (to_bits(out[i]) != to_bits(GUARD)) return false;
  return errors_within(&e, c->bounds->max_abs, c->bounds->max_ulp);
}

static void test_kernels_match_formula(void **state) {
  (void)state;
  const gru__kernels *paths[3];
  size_t n_paths = runnable_paths(paths);
  for (size_t p = 0; p < n_paths; p++) {
    for (size_t ci = 0; ci < N_CASES; ci++) {
      const kernel_case *c = &kernel_cases[ci];
      for (size_t n = 1; n <= MAX_N; n++) {
        case_data d;
        case_data_fill(&d, c, n, n * 31 + ci, QUANTUM);
        c->run(paths[p], n, d.in, d.out);
        if (!matches_formula(c, n, d.in, d.out))
          fail_msg("%s %s n=%zu", path_name(paths[p]), c->name, n);
        case_data_free(&d, c);
      }
    }
  }
}

/* (5) The helper above catches a wrong result: one element, the last (in
 * the masked tail), pushed just past the bound; a NaN; a write past n. */
static void test_kernels_match_formula_fail(void **state) {
  (void)state;
  const gru__kernels *k = gru__kernels_for(gru__cpu_isa());
  for (size_t ci = 0; ci < N_CASES; ci++) {
    const kernel_case *c = &kernel_cases[ci];
    const size_t n = MAX_N;
    case_data d;
    case_data_fill(&d, c, n, ci, QUANTUM);
    c->run(k, n, d.in, d.out);
    assert_true(matches_formula(c, n, d.in, d.out));
    float good = d.out[n - 1];
    d.out[n - 1] = good + (float)(2.0 * c->bounds->max_abs) + 0x1p-20f;
    assert_false(matches_formula(c, n, d.in, d.out));
    d.out[n - 1] = NAN;
    assert_false(matches_formula(c, n, d.in, d.out));
    d.out[n - 1] = good;
    d.out[n] = 0.0f;
    assert_false(matches_formula(c, n, d.in, d.out));
    case_data_free(&d, c);
  }
}

/* reset_gate is reset of gates, bit for bit, on every path. */
static void test_reset_gate_is_gates_then_reset(void **state) {
  (void)state;
  const gru__kernels *paths[3];
  size_t n_paths = runnable_paths(paths);
  static const kernel_case inputs = {"reset_gate", 4, {PRE, PRE, PRE, STATE}, NULL, NULL, NULL};
  for (size_t p = 0; p < n_paths; p++)
    for (size_t n = 1; n <= MAX_N; n++) {
      case_data d;
      case_data_fill(&d, &inputs, n, n * 17, 0.0f);
      float r[MAX_N], separate[MAX_N];
      paths[p]->gates(n, d.in[0], d.in[1], d.in[2], r);
      paths[p]->reset(n, r, d.in[3], separate);
      paths[p]->reset_gate(n, d.in[0], d.in[1], d.in[2], d.in[3], d.out);
      if (memcmp(separate, d.out, n * sizeof(float)) != 0 || d.out[n] != GUARD)
        fail_msg("%s n=%zu: reset_gate is not reset of gates", path_name(paths[p]), n);
      case_data_free(&d, &inputs);
    }
}

/* A row of n floats in [lo, hi], every fifth from special_inputs(), in its
 * own allocation (so the sanitizers see a read past it) with room for a
 * guard after it. */
static float *update_row(size_t n, uint64_t *seed, float lo, float hi) {
  float specials[CHUNK];
  size_t n_specials = special_inputs(specials);
  float *p = malloc((n + 1) * sizeof *p);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++)
    p[i] = i % 5 == 4 ? specials[(*seed + i) % n_specials] : rng_float(seed, lo, hi, 0.0f);
  p[n] = GUARD;
  return p;
}

/* Equal bits, but for NaNs: the compiler may swap the operands of an
 * addition, and x86 returns the first one's payload. */
static bool same_bits(const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (to_bits(a[i]) != to_bits(b[i]) && !(isnan(a[i]) && isnan(b[i]))) return false;
  return true;
}

/* The fused updates are the separate kernels, bit for bit (any NaN for
 * any NaN): in place (out = h) with a copy, on every path, for rows
 * shorter and longer than update_after's blocks. gx, gh and b hold the
 * gates r, z, n, n floats apart. */
static void check_updates(const gru__kernels *k, size_t n, uint64_t seed) {
  float *gx = update_row(3 * n, &seed, -4, 4), *gh = update_row(3 * n, &seed, -4, 4),
        *b = update_row(3 * n, &seed, -4, 4), *bhn = update_row(n, &seed, -4, 4),
        *z = update_row(n, &seed, 0, 1), *h = update_row(n, &seed, -1, 1);
  float *sep = update_row(n, &seed, 0, 0), *fused = update_row(n, &seed, 0, 0),
        *copy = update_row(n, &seed, 0, 0), *r = update_row(n, &seed, 0, 0),
        *c = update_row(n, &seed, 0, 0);
  const float *xn = gx + 2 * n, *hn = gh + 2 * n, *bn = b + 2 * n;
  for (int after = 0; after < 2; after++) {
    memcpy(sep, h, n * sizeof *h);
    memcpy(fused, h, n * sizeof *h);
    if (after) {
      k->gates(n, gx, gh, b, r);
      k->gates(n, gx + n, gh + n, b + n, z);
      k->candidate_after(n, xn, bn, r, hn, bhn, c);
      k->update_after(n, n, gx, gh, b, bhn, fused, fused, copy);
    } else {
      k->candidate_before(n, xn, hn, bn, c);
      k->update_before(n, xn, hn, bn, z, fused, fused, copy);
    }
    k->blend(n, z, c, sep);
    if (!same_bits(sep, fused, n + 1) || !same_bits(sep, copy, n) ||
        to_bits(copy[n]) != to_bits(GUARD))
      fail_msg("%s n=%zu: update_%s is not the separate kernels", path_name(k), n,
               after ? "after" : "before");
  }
  float *all[] = {gx, gh, b, bhn, z, h, sep, fused, copy, r, c};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    free(all[i]);
}

static void test_updates_are_the_separate_kernels(void **state) {
  (void)state;
  const gru__kernels *paths[3];
  size_t n_paths = runnable_paths(paths);
  static const size_t long_rows[] = {127, 128, 129, 256, 300, 1000};
  for (size_t p = 0; p < n_paths; p++) {
    for (size_t n = 1; n <= MAX_N; n++)
      check_updates(paths[p], n, n * 19);
    for (size_t i = 0; i < sizeof long_rows / sizeof long_rows[0]; i++)
      check_updates(paths[p], long_rows[i], i);
  }
}

/* ------------------------------------------------------------------ */
/* (3) The paths against each other                                    */

/* Full-precision inputs with every fourth element from special_inputs():
 * AVX2 and AVX-512 must agree to the bit, NaN payloads included. */
static void test_avx2_equals_avx512(void **state) {
  (void)state;
  const gru__kernels *a = runnable(GRU_ISA_AVX2);
  const gru__kernels *b = runnable(GRU_ISA_AVX512);
  if (!a || !b) skip();
  float specials[CHUNK];
  size_t n_specials = special_inputs(specials);
  for (size_t ci = 0; ci < N_CASES; ci++) {
    const kernel_case *c = &kernel_cases[ci];
    for (size_t n = 1; n <= MAX_N; n++) {
      case_data d;
      case_data_fill(&d, c, n, n * 7 + ci, 0.0f);
      for (size_t i = 0; i < n; i += 4)
        d.in[i % c->n_in][i] = specials[(n * 13 + i) % n_specials];
      float out_a[MAX_N];
      c->run(a, n, d.in, out_a);
      c->run(b, n, d.in, d.out);
      if (memcmp(out_a, d.out, n * sizeof(float)) != 0)
        fail_msg("%s n=%zu: AVX2 and AVX-512 differ", c->name, n);
      case_data_free(&d, c);
    }
  }
}

/* With exact arguments (quantised inputs) scalar and SIMD differ only in
 * the activations, by at most their *_SCALAR_SIMD_ULP. */
static void test_scalar_near_simd(void **state) {
  (void)state;
  const gru__kernels *paths[3];
  size_t n_paths = runnable_paths(paths);
  if (n_paths < 2) skip();
  for (size_t ci = 0; ci < N_CASES; ci++) {
    const kernel_case *c = &kernel_cases[ci];
    for (size_t n = 1; n <= MAX_N; n++) {
      case_data d;
      case_data_fill(&d, c, n, n * 11 + ci, QUANTUM);
      float scalar[MAX_N];
      c->run(paths[0], n, d.in, scalar);
      for (size_t p = 1; p < n_paths; p++) {
        c->run(paths[p], n, d.in, d.out);
        for (size_t i = 0; i < n; i++)
          if (ulp_distance(scalar[i], d.out[i]) > c->bounds->scalar_vs_simd)
            fail_msg("%s %s n=%zu i=%zu", path_name(paths[p]), c->name, n, i);
      }
      case_data_free(&d, c);
    }
  }
}

/* ------------------------------------------------------------------ */
/* (4) Choosing the path                                               */

static int save_env(void **state) {
  const char *old = getenv("GRU_ISA");
  *state = old ? strdup(old) : NULL;
  return 0;
}

static int restore_env(void **state) {
  int rc = *state ? setenv("GRU_ISA", *state, 1) : unsetenv("GRU_ISA");
  free(*state);
  return rc;
}

static void expect_cap(const char *value, gru_status status, gru_isa isa) {
  if (value)
    assert_int_equal(setenv("GRU_ISA", value, 1), 0);
  else
    assert_int_equal(unsetenv("GRU_ISA"), 0);
  gru_isa cap = (gru_isa)99;
  assert_int_equal(gru__env_isa_cap(&cap), status);
  if (status == GRU_OK) assert_int_equal(cap, isa);
}

static void test_env_isa_cap(void **state) {
  (void)state;
  expect_cap(NULL, GRU_OK, GRU_ISA_AVX512);
  expect_cap("", GRU_OK, GRU_ISA_AVX512);
  expect_cap("scalar", GRU_OK, GRU_ISA_SCALAR);
  expect_cap("avx2", GRU_OK, GRU_ISA_AVX2);
  expect_cap("avx512", GRU_OK, GRU_ISA_AVX512);
  static const char *const invalid[] = {"AVX2",  "avx",     "sse", " avx2",
                                        "avx2 ", "avx512f", "2",   "none"};
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
    expect_cap(invalid[i], GRU_ERR_INVALID, GRU_ISA_SCALAR);
}

/* CPUID and XGETBV read by hand agree with the compiler's own detection,
 * and each runnable ISA has its own table. */
static void test_cpu_isa(void **state) {
  (void)state;
  gru_isa isa = gru__cpu_isa();
  assert_true(isa >= GRU_ISA_SCALAR && isa <= GRU_ISA_AVX512);
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  assert_int_equal(isa, avx512 && avx2 ? GRU_ISA_AVX512 : avx2 ? GRU_ISA_AVX2 : GRU_ISA_SCALAR);
#endif
  /* CMake builds the AVX files whenever it targets x86-64. */
#if defined(GRU_HAVE_X86)
  for (int i = GRU_ISA_SCALAR; i <= GRU_ISA_AVX512; i++)
    assert_int_equal(gru__kernels_for((gru_isa)i)->isa, i);
#else
  assert_int_equal(gru__kernels_for(GRU_ISA_AVX512)->isa, GRU_ISA_SCALAR);
#endif
  assert_int_equal(gru__kernels_for((gru_isa)99)->isa, GRU_ISA_SCALAR);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--report") == 0) {
      report = true;
    } else if (strcmp(argv[i], "--exhaustive") == 0) {
      report = true;
      sweep_stride = 1;
    } else {
      fprintf(stderr, "usage: %s [--report | --exhaustive]\n", argv[0]);
      return 2;
    }
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sigmoid_accuracy),
      cmocka_unit_test(test_tanh_accuracy),
      cmocka_unit_test(test_special_values),
      cmocka_unit_test(test_kernels_match_formula),
      cmocka_unit_test(test_kernels_match_formula_fail),
      cmocka_unit_test(test_reset_gate_is_gates_then_reset),
      cmocka_unit_test(test_updates_are_the_separate_kernels),
      cmocka_unit_test(test_avx2_equals_avx512),
      cmocka_unit_test(test_scalar_near_simd),
      cmocka_unit_test_setup_teardown(test_env_isa_cap, save_env, restore_env),
      cmocka_unit_test(test_cpu_isa),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
