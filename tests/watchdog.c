#define _GNU_SOURCE /* prctl's PR_SET_PTRACER */
#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

static void *watch(void *arg) {
  unsigned seconds = (unsigned)(uintptr_t)arg;
  struct timespec left = {(time_t)seconds, 0};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
  fprintf(stderr, "watchdog: still running after %u s; the stacks of its threads:\n", seconds);
  char cmd[160];
  snprintf(cmd, sizeof cmd, "gdb -q -batch -p %ld -ex 'thread apply all bt' </dev/null 1>&2",
           (long)getpid());
  if (system(cmd) != 0) fputs("watchdog: gdb could not attach\n", stderr);
  _exit(124);
}

void test_watchdog(unsigned seconds) {
#if defined(__linux__)
  /* Yama's ptrace_scope 1 lets only a parent attach; gdb is our child. */
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t t;
  if (pthread_create(&t, NULL, watch, (void *)(uintptr_t)seconds) == 0) pthread_detach(t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}
