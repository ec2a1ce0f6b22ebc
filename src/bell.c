/* bell.c -- a futex word on Linux, a condition variable elsewhere (bell.h). */
#define _GNU_SOURCE /* syscall */
#include "bell.h"

#if defined(__linux__)
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The word's own address: atomic_uint has unsigned's size and layout. */
static long futex(gru__bell *b, int op, unsigned value) {
  return syscall(SYS_futex, (unsigned *)&b->rung, op, value, NULL, NULL, 0);
}

bool gru__bell_init(gru__bell *b) {
  atomic_init(&b->rung, 0);
  return true;
}

void gru__bell_destroy(gru__bell *b) { (void)b; }

void gru__bell_sleep(gru__bell *b, unsigned rung) {
  /* Returns at once if the bell has moved (EAGAIN), or on a signal. */
  futex(b, FUTEX_WAIT_PRIVATE, rung);
}

void gru__bell_ring(gru__bell *b) {
  atomic_fetch_add(&b->rung, 1);
  futex(b, FUTEX_WAKE_PRIVATE, INT_MAX);
}

#else

bool gru__bell_init(gru__bell *b) {
  atomic_init(&b->rung, 0);
  if (pthread_mutex_init(&b->lock, NULL) != 0) return false;
  if (pthread_cond_init(&b->cond, NULL) == 0) return true;
  pthread_mutex_destroy(&b->lock);
  return false;
}

void gru__bell_destroy(gru__bell *b) {
  pthread_cond_destroy(&b->cond);
  pthread_mutex_destroy(&b->lock);
}

void gru__bell_sleep(gru__bell *b, unsigned rung) {
  pthread_mutex_lock(&b->lock);
  while (atomic_load(&b->rung) == rung)
    pthread_cond_wait(&b->cond, &b->lock);
  pthread_mutex_unlock(&b->lock);
}

void gru__bell_ring(gru__bell *b) {
  pthread_mutex_lock(&b->lock);
  atomic_fetch_add(&b->rung, 1);
  pthread_cond_broadcast(&b->cond);
  pthread_mutex_unlock(&b->lock);
}

#endif
