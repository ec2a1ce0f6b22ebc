/* The pool's workers (src/pool.c): a worker the scheduler has put on its
 * caller's core moves off it when it waits at a barrier, and keeps the
 * cores it was allowed; a worker with nowhere else to go stays. The caller
 * is pinned to one core for this, as an application may pin its threads;
 * the worker is put on that core by pinning itself there and unpinning at
 * once, which leaves it there until something moves it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "memory.h"
#include "pool.h"
#include "watchdog.h"

/* Attempts at a job in which the worker waits at the barrier: it may find
 * the caller already there when the scheduler lets the caller run first. */
enum { ATTEMPTS = 20 };

typedef struct trial {
  int core;          /* the caller's */
  cpu_set_t allowed; /* the worker's */
  atomic_bool ready; /* the worker is on the caller's core */
  int before, after; /* the worker's core before and after the barrier */
  uint64_t waited;   /* the worker's wait there, ns */
  bool kept;         /* its allowed cores after it are as before */
  bool pinned;       /* the worker's pinning worked (checked by the caller) */
} trial;

static bool pin(const cpu_set_t *cores) {
  return pthread_setaffinity_np(pthread_self(), sizeof *cores, cores) == 0;
}

static bool pin_one(int core) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(core, &one);
  return pin(&one);
}

/* The caller lets the worker run on its core until it is there, then both
 * meet at a barrier. */
static void job(void *arg, const gru__team *team) {
  trial *t = arg;
  if (team->tid == 0) {
    while (!atomic_load(&t->ready))
      sched_yield();
    gru__team_barrier(team);
    return;
  }
  t->pinned = pin_one(t->core) && pin(&t->allowed);
  t->before = sched_getcpu();
  uint64_t w0 = gru__team_waited(team);
  atomic_store(&t->ready, true);
  gru__team_barrier(team);
  t->waited = gru__team_waited(team) - w0;
  t->after = sched_getcpu();
  cpu_set_t now;
  pthread_getaffinity_np(pthread_self(), sizeof now, &now);
  t->kept = CPU_EQUAL(&now, &t->allowed);
}

/* Runs the job until the worker has waited at its barrier; returns how
 * often it had to wait (0 or 1) with *t the attempt's record. */
static int run_until_waited(gru__pool *pool, const cpu_set_t *allowed, trial *t) {
  for (int i = 0; i < ATTEMPTS; i++) {
    *t = (trial){.core = sched_getcpu(), .allowed = *allowed};
    gru__pool_run(pool, 2, job, t);
    assert_true(t->pinned);
    assert_int_equal(t->before, t->core);
    assert_true(t->kept);
    if (t->waited) return 1;
  }
  return 0;
}

static void test_worker_moves_off_callers_core(void **state) {
  (void)state;
  cpu_set_t allowed;
  assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed), 0);
  if (CPU_COUNT(&allowed) < 2) skip(); /* nowhere to move to */
  gru__allocator alloc = gru__default_allocator();
  gru__pool *pool;
  assert_int_equal(gru__pool_create(&pool, 2, &alloc), GRU_OK);
  assert_true(pin_one(sched_getcpu()));
  trial t;
  /* Up to three trials: on cores crowded by other work, the scheduler
   * may put the worker back on the caller's core once it has moved. */
  for (int i = 0; i < 3; i++) {
    assert_int_equal(run_until_waited(pool, &allowed, &t), 1);
    if (t.after != t.core) break;
  }
  assert_int_not_equal(t.after, t.core);
  assert_true(CPU_ISSET(t.after, &allowed));
  gru__pool_destroy(pool);
  assert_true(pin(&allowed));
}

/* The path where no other core is allowed (move_off gives up): the
 * barrier still completes, and the worker stays where its allowed set
 * keeps it. */
static void test_worker_without_other_core_stays(void **state) {
  (void)state;
  cpu_set_t allowed;
  assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed), 0);
  int core = sched_getcpu();
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(core, &one);
  assert_true(pin(&one));
  gru__allocator alloc = gru__default_allocator();
  gru__pool *pool;
  assert_int_equal(gru__pool_create(&pool, 2, &alloc), GRU_OK);
  trial t;
  assert_int_equal(run_until_waited(pool, &one, &t), 1);
  assert_int_equal(t.after, core);
  gru__pool_destroy(pool);
  assert_true(pin(&allowed));
}

static void nothing(void *arg, const gru__team *team) {
  (void)arg;
  (void)team;
}

/* Polls until the pool's worker has parked; false after 10 s. */
static bool await_parked(const gru__pool *pool) {
  for (int i = 0; i < 10000 && !gru__pool_parked(pool); i++)
    nanosleep(&(struct timespec){0, 1000000L}, NULL);
  return gru__pool_parked(pool);
}

/* gru__pool_solo: the caller takes a job alone only when the worker is
 * parked and took longer to wake, last time a team woke it, than the job
 * would save; it then wakes the worker without timing it. One job in 16
 * in a row that would run alone goes to the team, which is timed. */
static void test_solo_weighs_work_against_wake(void **state) {
  (void)state;
  gru__allocator alloc = gru__default_allocator();
  gru__pool *pool;
  assert_int_equal(gru__pool_create(&pool, 2, &alloc), GRU_OK);
  gru__pool_set_spin(pool, 0); /* park as soon as a job is done */
  assert_true(await_parked(pool));
  assert_int_equal(gru__pool_wake_ns(pool), 0);
  assert_false(gru__pool_solo(pool, 1)); /* no wake-up timed yet */
  gru__pool_run(pool, 2, nothing, NULL);
  uint64_t wake = gru__pool_wake_ns(pool);
  assert_true(wake > 0);
  assert_true(await_parked(pool));
  assert_false(gru__pool_solo(pool, 0));        /* work unknown */
  assert_false(gru__pool_solo(pool, 4 * wake)); /* saves 2 wakes' time */
  assert_true(gru__pool_parked(pool));          /* and left it asleep */
  /* After a job the worker has taken every wake-up, so once it counts as
   * parked it sleeps (after a wake-up without a job it might count as
   * parked before it has woken); its wake-up for the job was timed. */
  for (int i = 1; i < 16; i++) {
    gru__pool_run(pool, 2, nothing, NULL);
    assert_true(await_parked(pool));
    wake = gru__pool_wake_ns(pool);
    assert_true(gru__pool_solo(pool, wake)); /* saves half a wake's */
  }
  nanosleep(&(struct timespec){0, 50000000L}, NULL); /* it wakes for nothing */
  assert_int_equal(gru__pool_wake_ns(pool), wake);   /* and is not timed */
  gru__pool_run(pool, 2, nothing, NULL);
  assert_true(await_parked(pool));
  assert_false(gru__pool_solo(pool, gru__pool_wake_ns(pool))); /* the 16th: team */
  assert_true(gru__pool_parked(pool));                         /* left asleep */
  assert_true(gru__pool_solo(pool, gru__pool_wake_ns(pool)));  /* a new streak */
  gru__pool_destroy(pool);
}

int main(void) {
  test_watchdog();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_worker_moves_off_callers_core),
      cmocka_unit_test(test_worker_without_other_core_stays),
      cmocka_unit_test(test_solo_weighs_work_against_wake),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
