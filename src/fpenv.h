/* fpenv.h -- the floating-point environment at the public entry points
 * that compute (gru.h, "Floating-point environment").
 *
 * Inside, libgru always computes in one environment of its own: round to
 * nearest, every exception masked, and denormals flushed (FTZ and DAZ on
 * x86-64, FZ on AArch64). So results do not depend on what the caller set
 * (a framework's FTZ/DAZ, a test's fesetround), no unmasked exception can
 * trap inside, and the caller's environment, sticky exception flags
 * included, is put back on the way out: a call raises no flag the caller
 * can see. Denormals are flushed because x86 cores take a microcode assist
 * for each vector operation that meets one, and denormal inputs made a
 * step many times slower (gru-bench's configuration g: docs/performance.md);
 * what flushing changes is below FLT_MIN (1.2e-38) in absolute value.
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

/* All six exceptions masked (0x1f80, the reset value), round to nearest,
 * flush-to-zero (0x8000) and denormals-are-zero (0x0040), no flags. */
#define GRU__MXCSR_LIBGRU 0x9fc0u

typedef struct gru__fpenv {
  unsigned int mxcsr;
} gru__fpenv;

static inline gru__fpenv gru__fpenv_enter(void) {
  gru__fpenv saved = {_mm_getcsr()};
  _mm_setcsr(GRU__MXCSR_LIBGRU);
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
#if defined(__aarch64__) && defined(__GNUC__)
  unsigned long fpcr; /* FPCR.FZ, bit 24: flush denormal inputs and results */
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1ul << 24)));
#endif
  return saved;
}

static inline void gru__fpenv_leave(gru__fpenv saved) { fesetenv(&saved.env); }

#endif

#endif
