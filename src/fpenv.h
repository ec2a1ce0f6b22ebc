/* fpenv.h -- the floating-point environment at the public entry points
 * that compute (gru.h, "Floating-point environment").
 *
 * Inside, libgru always computes in the default environment: round to
 * nearest, no flush-to-zero or denormals-are-zero, every exception masked.
 * So results do not depend on what the caller set (a framework's FTZ/DAZ,
 * a test's fesetround), no unmasked exception can trap inside, and the
 * caller's environment, sticky exception flags included, is put back on
 * the way out: a call raises no flag the caller can see.
 *
 * Cost: on x86-64 one stmxcsr and two ldmxcsr per call (MXCSR holds the
 * rounding mode, FTZ, DAZ, the masks and the flags for SSE arithmetic,
 * which is all the float arithmetic libgru does); elsewhere fegetenv and
 * fesetenv. Per call, never per step. BLAS's own worker threads keep the
 * environment they were started with (docs/threading.md). */
#ifndef GRU_FPENV_H
#define GRU_FPENV_H

#if defined(__x86_64__) && defined(__SSE__)
#include <xmmintrin.h>

/* MXCSR after reset: all six exceptions masked, round to nearest, no
 * FTZ/DAZ, no flags. */
#define GRU__MXCSR_DEFAULT 0x1f80u

typedef struct gru__fpenv {
  unsigned int mxcsr;
} gru__fpenv;

static inline gru__fpenv gru__fpenv_enter(void) {
  gru__fpenv saved = {_mm_getcsr()};
  _mm_setcsr(GRU__MXCSR_DEFAULT);
  return saved;
}

static inline void gru__fpenv_leave(gru__fpenv saved) { _mm_setcsr(saved.mxcsr); }

#else
#include <fenv.h>

typedef struct gru__fpenv {
  fenv_t env;
} gru__fpenv;

static inline gru__fpenv gru__fpenv_enter(void) {
  gru__fpenv saved;
  fegetenv(&saved.env);
  fesetenv(FE_DFL_ENV);
  return saved;
}

static inline void gru__fpenv_leave(gru__fpenv saved) { fesetenv(&saved.env); }

#endif

#endif
