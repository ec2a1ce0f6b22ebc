#define _GNU_SOURCE /* prctl's PR_SET_PTRACER */
#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

/* Before CI's 900 s test timeout; the slowest of these tests,
 * test_parallel under qemu (.ci/aarch64.sh), took 81 and 135 s. */
#define SECONDS 600

static void *watch(void *arg) {
  (void)arg;
  struct timespec left = {SECONDS, 0};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
  fprintf(stderr, "watchdog: still running after %d s; the stacks of its threads:\n", SECONDS);
  char cmd[160];
  snprintf(cmd, sizeof cmd, "gdb -q -batch -p %ld -ex 'thread apply all bt' </dev/null 1>&2",
           (long)getpid());
  if (system(cmd) != 0) fputs("watchdog: gdb could not attach\n", stderr);
  _exit(124);
}

void test_watchdog(void) {
#if defined(__linux__)
  /* Yama's ptrace_scope 1 lets only a parent attach; gdb is our child. */
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t t;
  if (pthread_create(&t, NULL, watch, NULL) == 0) pthread_detach(t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}
