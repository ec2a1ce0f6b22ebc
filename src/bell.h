/* bell.h -- what a parked worker sleeps on (pool.c): a counter that the
 * caller rings (increments) to wake every sleeper.
 *
 * A sleeper reads the bell, checks its own condition, and sleeps only if
 * the bell still reads the same: a ring in between is never lost. On
 * Linux the bell is a futex word, which the kernel compares and queues the
 * sleeper on in one step; elsewhere a mutex and a condition variable
 * guard it. The futex also keeps glibc's condition variables, whose
 * implementation has had lost wake-ups (glibc bug 25847), off a path that
 * every call to parked workers takes. */
#ifndef GRU_BELL_H
#define GRU_BELL_H

#include <stdatomic.h>
#include <stdbool.h>

#if !defined(__linux__)
#include <pthread.h>
#endif

typedef struct gru__bell {
  atomic_uint rung; /* times rung; sequentially consistent */
#if !defined(__linux__)
  pthread_mutex_t lock;
  pthread_cond_t cond;
#endif
} gru__bell;

/* False: the system refused the mutex or condition variable. */
bool gru__bell_init(gru__bell *b);
void gru__bell_destroy(gru__bell *b);

static inline unsigned gru__bell_read(gru__bell *b) { return atomic_load(&b->rung); }

/* Sleeps while the bell reads rung (gru__bell_read before the check of
 * the condition); may return early, so the caller checks again. */
void gru__bell_sleep(gru__bell *b, unsigned rung);

/* Wakes every thread asleep on the bell. */
void gru__bell_ring(gru__bell *b);

#endif
