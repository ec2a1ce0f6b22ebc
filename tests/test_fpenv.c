/* The caller's floating-point environment (gru.h, "Floating-point
 * environment"): under every rounding mode, FTZ, DAZ, unmasked exceptions
 * and pre-raised flags, the calls that compute give the bits they give in
 * the default environment, and leave the environment exactly as they found
 * it, flags included. Inputs hold denormals and values whose rounding
 * differs between modes, so a leak in either direction shows. And libgru
 * flushes denormals to zero. */
#define _GNU_SOURCE
#include <fenv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#if defined(__x86_64__) && defined(__SSE__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#define MXCSR_FTZ 0x8000u
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_FLAGS 0x003fu
#endif

enum { L = 2, I = 5, H = 9, B = 3, T = 7 };

/* What a call computes, to compare bit for bit. */
typedef struct outputs {
  float y[T * B * 2 * H];
  float hn[L * 2 * B * H];
  float step_y[B * H];
  float bias[2 * 3 * H]; /* Keras reset-after bias, a sum of ours */
} outputs;

/* An environment to call under: the whole MXCSR on x86-64, else a
 * rounding mode and raised flags. */
typedef struct env {
  const char *what;
  int round;
  unsigned extra; /* MXCSR bits: FTZ, DAZ, unmasked exceptions, flags */
  int raised;     /* fenv flags raised before the call */
} env;

typedef struct fixture {
  test_model bi, fwd;
  float x[T * B * I];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  test_model_init(&f->bi, GRU_RESET_BEFORE, GRU_BIDIRECTIONAL, L, I, H, true, 41);
  test_model_init(&f->fwd, GRU_RESET_AFTER, GRU_FORWARD, L, I, H, true, 42);
  uint64_t seed = 17;
  test_fill(f->x, T * B * I, &seed, 1.0f);
  /* Denormals (DAZ would read them as zero) and inputs scaled so that
   * products round differently in every mode. */
  for (size_t i = 0; i < T * B * I; i += 4)
    f->x[i] *= 1e-39f;
  for (size_t i = 1; i < T * B * I; i += 4)
    f->x[i] *= 1.0f / 3.0f;
  /* A bias pair whose sum is inexact and one whose sum is denormal. */
  f->fwd.b[0][0] = 1.0f / 3.0f;
  f->fwd.b[0][1] = 2e-39f;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  test_model_free(&f->bi);
  test_model_free(&f->fwd);
  free(f);
  return 0;
}

/* Sets the environment; returns whether it reads back as set (valgrind,
 * for one, runs SSE in the default mode only). */
#ifdef HAVE_MXCSR
typedef unsigned env_word;
static env_word env_read(void) { return _mm_getcsr(); }
static bool env_write(const env *e) {
  unsigned rc = e->round == FE_TONEAREST  ? 0x0000u
                : e->round == FE_DOWNWARD ? 0x2000u
                : e->round == FE_UPWARD   ? 0x4000u
                                          : 0x6000u;
  /* x86's FE_* flags are MXCSR's flag bits. */
  unsigned word = (MXCSR_MASKS & ~e->extra) | (e->extra & (MXCSR_FTZ | MXCSR_DAZ | MXCSR_FLAGS)) |
                  rc | ((unsigned)e->raised & MXCSR_FLAGS);
  _mm_setcsr(word);
  return (_mm_getcsr() & ~MXCSR_FLAGS) == (word & ~MXCSR_FLAGS);
}
#else
typedef struct {
  int round, flags;
} env_word;
static env_word env_read(void) {
  env_word w = {fegetround(), fetestexcept(FE_ALL_EXCEPT)};
  return w;
}
static bool env_write(const env *e) {
  fesetround(e->round);
  feclearexcept(FE_ALL_EXCEPT);
  if (e->raised) feraiseexcept(e->raised);
  return fegetround() == e->round;
}
#endif

static bool env_same(env_word a, env_word b) { return memcmp(&a, &b, sizeof a) == 0; }

static void env_default(void) {
  const env d = {"default", FE_TONEAREST, 0, 0};
  env_write(&d);
}

/* Every call that computes, each checked to leave the environment as it
 * found it. Returns false if the environment could not even be set (as
 * under valgrind, which runs SSE in the default mode only). */
static bool compute(const fixture *f, const env *e, outputs *o) {
  gru_layer *bi = test_model_build(&f->bi, gru_cpu_isa());
  gru_builder *b;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, L, I, H), GRU_OK);
  assert_int_equal(test_model_load(&f->fwd, b), GRU_OK);
  gru_sequence *sb, *sf;
  gru_layer *fwd = NULL;

  bool settable = env_write(e);
  env_word want = env_read();
  gru_status st[4];
  st[0] = gru_builder_build(b, &fwd);
  bool same0 = env_same(env_read(), want);
  env_default();
  assert_int_equal(st[0], GRU_OK);
  assert_int_equal(gru_sequence_create(&sb, bi, B, T), GRU_OK);
  assert_int_equal(gru_sequence_create(&sf, fwd, B, T), GRU_OK);

  env_write(e);
  st[1] = gru_sequence_run(sb, T, B, f->x, 0, o->y, 0, NULL, 0);
  bool same1 = env_same(env_read(), want);
  st[2] = gru_sequence_step(sf, B, f->x, 0, o->step_y, 0, NULL, NULL, 0);
  bool same2 = env_same(env_read(), want);
  st[3] = gru_layer_get_tensor(fwd, GRU_FORMAT_KERAS, "bias_l0", o->bias, 2 * 3 * H);
  bool same3 = env_same(env_read(), want);
  env_default();

  for (int i = 1; i < 4; i++)
    assert_int_equal(st[i], GRU_OK);
  assert_int_equal(gru_sequence_get_state(sb, B, o->hn, L * 2 * B * H), GRU_OK);
  if (settable) {
    if (!same0 || !same1 || !same2 || !same3)
      fail_msg("%s: environment changed by build %d, run %d, step %d, get_tensor %d", e->what,
               !same0, !same1, !same2, !same3);
  }
  gru_sequence_destroy(sb);
  gru_sequence_destroy(sf);
  gru_layer_destroy(bi);
  gru_layer_destroy(fwd);
  gru_builder_destroy(b);
  return settable;
}

static void test_caller_environment(void **state) {
  fixture *f = *state;
  static const env envs[] = {
      {"upward", FE_UPWARD, 0, 0},
      {"downward", FE_DOWNWARD, 0, 0},
      {"toward zero", FE_TOWARDZERO, 0, 0},
      {"flags raised before", FE_TONEAREST, 0, FE_DIVBYZERO | FE_INEXACT},
#ifdef HAVE_MXCSR
      {"FTZ", FE_TONEAREST, MXCSR_FTZ, 0},
      {"DAZ", FE_TONEAREST, MXCSR_DAZ, 0},
      {"FTZ+DAZ, toward zero", FE_TOWARDZERO, MXCSR_FTZ | MXCSR_DAZ, 0},
      /* Unmasked inexact, underflow, overflow, invalid and divide: any of
       * them would trap inside without the default environment. */
      {"exceptions unmasked", FE_TONEAREST, 0x1e80u, 0},
      {"all flags set", FE_UPWARD, MXCSR_FLAGS, 0},
#endif
  };
  outputs *ref = calloc(1, sizeof *ref), *got = calloc(1, sizeof *got);
  env_default();
  assert_true(compute(f, &(env){"default", FE_TONEAREST, 0, 0}, ref));
  size_t checked = 0;
  for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
    const env *e = &envs[i];
    memset(got, 0xa5, sizeof *got);
    if (!compute(f, e, got)) {
      print_message("%s: this CPU (or emulator) does not keep the mode: skipped\n", e->what);
      continue;
    }
    if (memcmp(got, ref, sizeof *got) != 0)
      fail_msg("%s: results differ from the default's", e->what);
    checked++;
  }
  print_message("%zu environments: results and environment as in the default\n", checked);
  free(ref);
  free(got);
}

/* Whether this CPU flushes when told to (valgrind runs SSE without FTZ or
 * DAZ); libgru flushes on x86-64 and AArch64 only (src/fpenv.h). */
static bool cpu_flushes(void) {
#ifdef HAVE_MXCSR
  unsigned saved = _mm_getcsr();
  float tiny = 1e-39f;
  _mm_setcsr(saved | MXCSR_FTZ | MXCSR_DAZ);
  /* The empty asm statements keep the product between the two writes. */
  __asm__ volatile("" : "+x"(tiny));
  float product = tiny * 3.0f;
  __asm__ volatile("" : "+x"(product));
  _mm_setcsr(saved);
  return product == 0.0f;
#elif defined(__aarch64__)
  return true;
#else
  return false;
#endif
}

/* Without biases, from a zero state, over denormal inputs every
 * pre-activation would be denormal and the outputs z * tanh(W.x) denormal
 * too; read as zeros, they are zeros. On every ISA, both variants. */
static void test_denormals_flushed(void **state) {
  (void)state;
  if (!cpu_flushes()) {
    print_message("this CPU (or emulator) does not flush denormals: not checked\n");
    skip();
  }
  float x[T * B * I], y[T * B * H];
  uint64_t seed = 5;
  test_fill(x, T * B * I, &seed, 1e-39f);
  gru_isa isas[3];
  size_t n = test_isas(isas);
  for (int v = 0; v < 2; v++) {
    test_model m;
    test_model_init(&m, v ? GRU_RESET_AFTER : GRU_RESET_BEFORE, GRU_FORWARD, 1, I, H, false, 7);
    for (size_t i = 0; i < n; i++) {
      gru_layer *l = test_model_build(&m, isas[i]);
      gru_sequence *s;
      assert_int_equal(gru_sequence_create(&s, l, B, T), GRU_OK);
      assert_int_equal(gru_sequence_run(s, T, B, x, 0, y, 0, NULL, 0), GRU_OK);
      for (size_t j = 0; j < T * B * H; j++)
        if (y[j] != 0.0f) fail_msg("%s: y[%zu] = %g, not flushed", gru_isa_name(isas[i]), j, y[j]);
      gru_sequence_destroy(s);
      gru_layer_destroy(l);
    }
    test_model_free(&m);
  }
  print_message("denormal inputs: every output zero, %zu ISAs x 2 variants\n", n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_caller_environment, setup, teardown),
      cmocka_unit_test(test_denormals_flushed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
