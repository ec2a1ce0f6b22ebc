/* pool.h -- a sequence's worker threads: started once (GRU_OPT_THREADS),
 * parked between calls, and run in lockstep inside a call.
 *
 * A job is one function that the first n threads of the pool run at once,
 * the caller being thread 0. The threads meet at barriers
 * (gru__team_barrier) that spin on atomics: no lock and no allocation
 * between the start of a job and its end, and no system call unless a
 * barrier has waited for over YIELD_NS (pool.c) -- a thread of the team was
 * descheduled, the cores being oversubscribed -- when the waiters start
 * yielding their core to it, or a worker finds itself on a teammate's
 * core, when it moves off it (move_off). Between jobs a worker spins for
 * a while (GRU_OPT_SPIN_US: the next call may come at once, as in
 * streaming) and then parks (bell.h); the caller wakes it only if it has
 * parked, then yields its core once (Linux often queues the woken worker
 * there), and may run a short job alone rather than wait for it
 * (gru__pool_solo). */
#ifndef GRU_POOL_H
#define GRU_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gru.h"
#include "memory.h"

typedef struct gru__pool gru__pool;

/* What a thread of a job knows: its number and how many run the job. */
typedef struct gru__team {
  gru__pool *pool;
  size_t tid;     /* 0 .. threads-1; 0 is the caller */
  size_t threads; /* 1: no barrier needed */
} gru__team;

typedef void gru__job_fn(void *arg, const gru__team *team);

/* Starts threads - 1 workers (2 <= threads <= GRU_MAX_THREADS). Errors:
 * GRU_ERR_NOMEM, GRU_ERR_SYSTEM (a thread or its synchronisation could not
 * be created: whatever was started is stopped and freed). */
gru_status gru__pool_create(gru__pool **out, size_t threads, const gru__allocator *alloc);

/* How long, by default, a worker spins for the next job after one before
 * it parks (GRU_OPT_SPIN_US): long enough for a caller stepping a stream
 * in a loop, or going from one chunk of a run to the next, never to pay a
 * wake-up, short enough not to hold a core long when the caller goes
 * quiet. */
#define GRU__SPIN_US 200

/* Sets how long the workers spin after a job before they park, from the
 * next job they finish (microseconds; GRU__SPIN_US until set). */
void gru__pool_set_spin(gru__pool *pool, size_t us);

/* Stops and joins the workers and frees the pool. NULL is a no-op. In a
 * child process after fork(), where the workers do not exist, only frees. */
void gru__pool_destroy(gru__pool *pool);

/* Threads a job runs on: the pool's, or 1 for NULL or a pool inherited
 * through fork(). */
size_t gru__pool_threads(const gru__pool *pool);

/* Heap bytes the pool holds (its threads' stacks are not heap). */
size_t gru__pool_bytes(const gru__pool *pool);

/* Runs fn(arg, team) on threads 0 .. n-1 of the pool (n at least 1, at
 * most gru__pool_threads()) and returns when all have finished; the other
 * workers stay idle. A NULL pool, or a pool inherited through fork(),
 * runs fn on the caller alone, as a team of one. */
void gru__pool_run(gru__pool *pool, size_t n, gru__job_fn *fn, void *arg);

/* Whether a job of work_ns (its threads' working time, all added up)
 * ends sooner on the caller alone than on the pool's threads: some are
 * parked, and the last timed wake-up of a team took longer than the job
 * would take less (work_ns - work_ns / threads). If so the workers are
 * woken now, without the job, so that they spin for the next one
 * (GRU_OPT_SPIN_US), and the caller runs the job as a team of one. Such
 * wake-ups are not timed; one job in 16 that would run alone goes to the
 * team instead, to time one again. False for a pool of one thread, or a
 * work_ns of 0 (unknown). */
bool gru__pool_solo(gru__pool *pool, uint64_t work_ns);

/* Whether a worker of the pool is parked (false for a pool of one
 * thread). */
bool gru__pool_parked(const gru__pool *pool);

/* Nanoseconds the last timed wake-up of parked workers took, from the
 * caller's call to the last of them running on its own core; 0 until
 * one has been timed. */
uint64_t gru__pool_wake_ns(const gru__pool *pool);

/* Returns once every thread of the team has called it as often. */
void gru__team_barrier(const gru__team *team);

/* Nanoseconds the thread has spun at barriers, waiting for the others,
 * since its pool started (running idle work is not waiting); 0 for a team
 * of one. */
uint64_t gru__team_waited(const gru__team *team);

/* Other work for a thread waiting at a barrier: does one short piece and
 * returns true, or returns false when there is none left. */
typedef bool gru__idle_fn(void *arg);

/* gru__team_barrier(), but while the others have not all arrived the
 * thread calls idle(arg) instead of spinning, until it returns false. The
 * barrier may so end up to one piece after the last thread arrives. */
void gru__team_barrier_idle(const gru__team *team, gru__idle_fn *idle, void *arg);

#endif
