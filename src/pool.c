/* pool.c -- worker threads, their barrier, and parking (pool.h).
 *
 * Synchronisation is by C11 atomics alone inside a job, so a thread
 * sanitizer sees every happens-before: the caller writes a job, then
 * publishes its ticket (one atomic word: the job's number and its team
 * size); a worker loads the ticket (acquire) and
 * reads the job only if it is in the team, so the caller, which waits for
 * the team at the job's last barrier before writing the next job, never
 * writes it under a reader. A barrier is one counter per thread, stored
 * with release and read with acquire by the others. Parking uses a bell
 * (bell.h), and a sleepers count that lets the caller skip the wake-up
 * when no worker sleeps (both sides use sequentially consistent operations
 * on the ticket, the sleepers and the bell, so one of them always sees the
 * other). */
#define _GNU_SOURCE /* sched_getcpu */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "bell.h"
#include "clock.h"
#include "fpenv.h"

/* How long a waiting thread spins on pause alone. A barrier in a step
 * waits for the slowest thread's share of one step, microseconds; a wait
 * this long means a thread of the team is not running (more threads than
 * free cores), and the waiters then yield their cores each round. */
#define YIELD_NS 50000L
/* How often gru__pool_solo gives the team a job it would run alone. */
#define SOLO_RETRY 16
/* A worker's stack: it runs the kernels, nothing deep. */
#define STACK_BYTES ((size_t)256 << 10)

/* Each thread's barrier counter on its own pair of cache lines (the
 * adjacent-line prefetcher fetches lines in pairs; the arena aligns to
 * one line, so the pair is padding). */
typedef struct slot {
  _Alignas(GRU__ALIGN) atomic_size_t arrived;
  size_t count;       /* barriers passed; only this slot's thread touches it */
  uint64_t waited_ns; /* spun at them; likewise */
  atomic_long cpu;    /* where it last started a job or a wait; -1: unknown */
  struct gru__pool *pool;
  size_t tid;
  bool moved; /* it has tried to move off a teammate's core at a barrier
                 of this job (move_off) */
  char pad[2 * GRU__ALIGN - sizeof(atomic_size_t) - 2 * sizeof(size_t) - sizeof(uint64_t) -
           sizeof(atomic_long) - sizeof(void *) - sizeof(bool)];
} slot;
_Static_assert(sizeof(slot) == 2 * GRU__ALIGN, "a slot is a pair of cache lines");

typedef struct job {
  gru__job_fn *fn;
  void *arg;
  size_t base; /* every team member's barrier count at the start */
} job;

/* A ticket: job number << 16 | team size. */
static uint64_t ticket(uint64_t number, size_t threads) { return number << 16 | threads; }
static size_t ticket_threads(uint64_t t) { return (size_t)(t & 0xffff); }

struct gru__pool {
  _Alignas(GRU__ALIGN) _Atomic uint64_t ticket; /* the last job published */
  atomic_uint sleepers;
  atomic_bool stop;
  atomic_long spin_ns; /* how long an idle worker spins before it parks */
  /* When the caller last woke parked workers for a team (gru__clock_ns; 0 for
   * a wake-up without a job), and how long the last of them to run took
   * to wake (it stores last); 0: not yet. */
  _Atomic uint64_t woken_at, wake_ns;
  size_t solos; /* jobs in a row gru__pool_solo gave the caller alone (caller's) */
  job job;      /* written by the caller before its ticket, read by its team */
  unsigned fork_gen;
  size_t threads;
  size_t bytes;
  gru__allocator alloc;
  gru__bell bell; /* what parked workers sleep on */
  pthread_t *ids; /* [threads], ids[0] unused */
  slot *slots;    /* [threads] */
};

/* Incremented in every child process after fork(): a pool made under
 * another value has no workers in this process. Process state, not
 * configuration: the one global libgru keeps, set up once. */
static atomic_uint fork_generation;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void count_fork(void) { atomic_fetch_add(&fork_generation, 1); }
static void watch_forks(void) { pthread_atfork(NULL, NULL, count_fork); }

static bool live(const gru__pool *p) {
  return p && p->fork_gen == atomic_load_explicit(&fork_generation, memory_order_relaxed);
}

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

/* A wait loop's pacing: pause, and once it has waited YIELD_NS, yield.
 * The clock is read at the first round and then every 64, so a short
 * wait costs one reading, taken while there is nothing else to do. */
typedef struct spin {
  unsigned rounds;
  long ns;     /* waited so far, as of the last reading */
  uint64_t t0; /* gru__clock_ns() at the first round */
} spin;

/* The core the thread runs on, or -1 where that cannot be asked. */
static long this_cpu(void) {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

/* Moves worker me off the cores its team was last seen on (slot cpu);
 * true if it moved. The scheduler has put it on a teammate's core, and
 * two threads that meet every few microseconds would share that core for
 * as long as the scheduler leaves them together: on a two-core machine,
 * whole runs (docs/threading.md). Linux moves a thread at once when its
 * allowed cores no longer include its own; the worker's allowed set is
 * then put back as it was, which leaves it where it now is. Only workers
 * move: the caller's thread is the application's. */
static bool move_off(slot *me, size_t threads) {
#if defined(__linux__)
  pthread_t self = pthread_self();
  cpu_set_t allowed, elsewhere;
  if (pthread_getaffinity_np(self, sizeof allowed, &allowed) != 0) return false;
  elsewhere = allowed;
  for (size_t i = 0; i < threads; i++) {
    long c = atomic_load_explicit(&me->pool->slots[i].cpu, memory_order_relaxed);
    if (c >= 0 && c < CPU_SETSIZE) CPU_CLR((int)c, &elsewhere);
  }
  if (CPU_COUNT(&elsewhere) == 0 || pthread_setaffinity_np(self, sizeof elsewhere, &elsewhere) != 0)
    return false;
  pthread_setaffinity_np(self, sizeof allowed, &allowed);
  atomic_store_explicit(&me->cpu, this_cpu(), memory_order_relaxed);
  return true;
#else
  (void)me;
  (void)threads;
  return false;
#endif
}

static void spin_round(spin *s, bool yield_now) {
  if (!s->rounds++) {
    s->t0 = gru__clock_ns();
    return;
  }
  if (yield_now || s->ns > YIELD_NS)
    sched_yield();
  else
    relax();
  if (s->rounds % 64 == 0) s->ns = (long)(gru__clock_ns() - s->t0);
}

/* Waits for a ticket other than seen and returns it: spins for spin_ns
 * unless told to park at once (or spin_ns is 0), then sleeps on the
 * bell. */
static uint64_t wait_job(gru__pool *p, uint64_t seen, bool park, bool *slept) {
  spin s = {0};
  park = park || atomic_load_explicit(&p->spin_ns, memory_order_relaxed) == 0;
  while (!park) {
    uint64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);
    if (t != seen) return t;
    spin_round(&s, false);
    park = s.ns > atomic_load_explicit(&p->spin_ns, memory_order_relaxed);
  }
  atomic_fetch_add(&p->sleepers, 1);
  for (;;) {
    unsigned rung = gru__bell_read(&p->bell);
    if (atomic_load(&p->ticket) != seen) break;
    gru__bell_sleep(&p->bell, rung);
    *slept = true;
  }
  atomic_fetch_sub(&p->sleepers, 1);
  return atomic_load_explicit(&p->ticket, memory_order_acquire);
}

/* A worker that slept, once it runs on its own core, times its wake-up
 * from the caller's (publish). Only a team's wake-up is timed (woken_at
 * 0 otherwise), and only by a worker that slept: a ticket that came as it
 * went to sleep may have found no sleeper and left an old woken_at. */
static void time_wake(gru__pool *p) {
  uint64_t woken = atomic_load_explicit(&p->woken_at, memory_order_relaxed), now = gru__clock_ns();
  if (woken && now > woken) atomic_store_explicit(&p->wake_ns, now - woken, memory_order_relaxed);
}

/* A worker starting a job notes its core and moves off the caller's if
 * the scheduler woke it there (a parked worker is woken onto the core
 * that wakes it, when that core's neighbours look busy). */
static void settle(slot *me, size_t threads) {
  me->moved = false;
  long mine = this_cpu();
  atomic_store_explicit(&me->cpu, mine, memory_order_relaxed);
  if (mine >= 0 && atomic_load_explicit(&me->pool->slots[0].cpu, memory_order_relaxed) == mine)
    move_off(me, threads);
}

static void *worker(void *arg) {
  slot *s = arg;
  gru__pool *p = s->pool;
  /* Compute in libgru's environment (fpenv.h), as run.c does for the caller. */
  (void)gru__fpenv_enter();
  uint64_t seen = 0;
  bool park = true; /* at start: no job is coming soon */
  for (;;) {
    bool slept = false;
    seen = wait_job(p, seen, park, &slept);
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
    park = false;
    /* Off the caller's core also when not in the team: a worker woken for
     * nothing (gru__pool_solo) would spin there for the next job. */
    settle(s, ticket_threads(seen));
    if (slept) time_wake(p);
    if (s->tid >= ticket_threads(seen)) continue; /* not in this team */
    job j = p->job;
    s->count = j.base;
    gru__team team = {p, s->tid, ticket_threads(seen)};
    j.fn(j.arg, &team);
    gru__team_barrier(&team);
  }
}

/* A worker waiting at a barrier on a teammate's core moves off it, once a
 * job (with more threads than free cores, moving again would not help);
 * true if it moved. */
static bool part(slot *me, const gru__team *t) {
  if (t->tid == 0 || me->moved) return false;
  me->moved = true;
  return move_off(me, t->threads);
}

void gru__team_barrier_idle(const gru__team *t, gru__idle_fn *idle, void *arg) {
  if (t->threads == 1) return;
  slot *slots = t->pool->slots, *me = &slots[t->tid];
  size_t e = ++me->count;
  atomic_store_explicit(&me->arrived, e, memory_order_release);
  spin s = {0};
  long mine = -1; /* this thread's core, asked once it has to spin */
  for (size_t i = 0; i < t->threads; i++)
    while (i != t->tid && atomic_load_explicit(&slots[i].arrived, memory_order_acquire) < e) {
      if (idle && idle(arg)) continue;
      idle = NULL;
      if (!s.rounds) atomic_store_explicit(&me->cpu, mine = this_cpu(), memory_order_relaxed);
      /* A thread last seen on this core is waiting for it to let go (the
       * scheduler has put the two on one core): a worker moves, else the
       * thread gives it the core now rather than after YIELD_NS of pausing. */
      bool together =
          mine >= 0 && atomic_load_explicit(&slots[i].cpu, memory_order_relaxed) == mine;
      if (together && part(me, t)) {
        mine = atomic_load_explicit(&me->cpu, memory_order_relaxed);
        together = false;
      }
      spin_round(&s, together);
    }
  if (s.rounds) me->waited_ns += gru__clock_ns() - s.t0;
}

uint64_t gru__team_waited(const gru__team *t) {
  return t->threads > 1 ? t->pool->slots[t->tid].waited_ns : 0;
}

void gru__team_barrier(const gru__team *t) { gru__team_barrier_idle(t, NULL, NULL); }

/* Publishes the next ticket (only the caller's thread writes it), with
 * the caller's core, which a woken worker moves off (settle). */
static void publish(gru__pool *p, size_t threads) {
  atomic_store_explicit(&p->slots[0].cpu, this_cpu(), memory_order_relaxed);
  uint64_t last = atomic_load_explicit(&p->ticket, memory_order_relaxed);
  atomic_store(&p->ticket, ticket((last >> 16) + 1, threads));
  if (!atomic_load(&p->sleepers)) return;
  bool team = threads > 1;
  atomic_store_explicit(&p->woken_at, team ? gru__clock_ns() : 0, memory_order_relaxed);
  gru__bell_ring(&p->bell);
  /* Linux often queues a woken thread on the core that wakes it (on a
   * virtual machine, whose idle cores may look busy, most of the time),
   * where it would wait for the caller's time slice to end: let it run
   * now, so that it moves off (settle) and starts its share. */
  if (team) sched_yield();
}

uint64_t gru__pool_wake_ns(const gru__pool *p) {
  return live(p) ? atomic_load_explicit(&p->wake_ns, memory_order_relaxed) : 0;
}

bool gru__pool_parked(const gru__pool *p) {
  return gru__pool_threads(p) > 1 && atomic_load(&p->sleepers) > 0;
}

bool gru__pool_solo(gru__pool *p, uint64_t work_ns) {
  size_t n = gru__pool_threads(p);
  if (n < 2) return false;
  bool solo = work_ns && gru__pool_parked(p) && work_ns - work_ns / n < gru__pool_wake_ns(p);
  /* Wake-ups are timed only for a team: every SOLO_RETRY-th job in a row
   * goes to the team anyway, so that a wake-up that has got faster is
   * seen. */
  if (solo && ++p->solos % SOLO_RETRY == 0) solo = false;
  if (!solo) {
    p->solos = 0;
    return false;
  }
  publish(p, 1); /* a job for the caller alone: the workers only wake */
  return true;
}

void gru__pool_run(gru__pool *p, size_t n, gru__job_fn *fn, void *arg) {
  if (n > gru__pool_threads(p)) n = gru__pool_threads(p);
  if (n <= 1) {
    fn(arg, &(gru__team){p, 0, 1});
    return;
  }
  /* Counts only grow, so a member idle in earlier jobs, whose arrival is
   * stale, is never taken for one that has arrived. */
  p->job = (job){fn, arg, p->slots[0].count};
  publish(p, n);
  gru__team team = {p, 0, n};
  fn(arg, &team);
  gru__team_barrier(&team);
}

/* Stops workers 1 .. started-1 and frees everything. */
static void teardown(gru__pool *p, size_t started, bool sync_made) {
  if (live(p) && started > 1) {
    atomic_store_explicit(&p->stop, true, memory_order_release);
    publish(p, 0);
    for (size_t i = 1; i < started; i++)
      pthread_join(p->ids[i], NULL);
  }
  /* After fork() a worker may have held the bell's lock (off Linux): leave it. */
  if (sync_made && live(p)) gru__bell_destroy(&p->bell);
  gru__free(&p->alloc, p, p->bytes);
}

/* Starts the workers with every signal blocked (the application's
 * handlers run on its own threads) and a small stack. Returns how many
 * threads exist, the caller included. */
static size_t start_workers(gru__pool *p) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return 1;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_setstacksize(&attr, STACK_BYTES);
  size_t n = 1;
  while (n < p->threads && pthread_create(&p->ids[n], &attr, worker, &p->slots[n]) == 0)
    n++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  return n;
}

gru_status gru__pool_create(gru__pool **out, size_t threads, const gru__allocator *alloc) {
  *out = NULL;
  pthread_once(&fork_once, watch_forks);
  gru__arena arena = {0};
  gru__arena_reserve(&arena, 1, sizeof(gru__pool));
  gru__arena_reserve(&arena, threads, sizeof(slot));
  gru__arena_reserve(&arena, threads, sizeof(pthread_t));
  arena.base = gru__calloc(alloc, arena.size);
  if (!arena.base) return GRU_ERR_NOMEM;
  gru__pool *p = gru__arena_take(&arena, 1, sizeof(gru__pool));
  p->slots = gru__arena_take(&arena, threads, sizeof(slot));
  p->ids = gru__arena_take(&arena, threads, sizeof(pthread_t));
  p->threads = threads;
  p->bytes = arena.size;
  p->alloc = *alloc;
  p->fork_gen = atomic_load(&fork_generation);
  atomic_init(&p->ticket, 0);
  atomic_init(&p->sleepers, 0);
  atomic_init(&p->stop, false);
  atomic_init(&p->spin_ns, GRU__SPIN_US * 1000L);
  atomic_init(&p->woken_at, 0);
  atomic_init(&p->wake_ns, 0);
  for (size_t i = 0; i < threads; i++) {
    atomic_init(&p->slots[i].arrived, 0);
    atomic_init(&p->slots[i].cpu, -1L);
    p->slots[i].pool = p;
    p->slots[i].tid = i;
  }
  if (!gru__bell_init(&p->bell)) {
    teardown(p, 0, false);
    return GRU_ERR_SYSTEM;
  }
  size_t started = start_workers(p);
  if (started < threads) {
    teardown(p, started, true);
    return GRU_ERR_SYSTEM;
  }
  *out = p;
  return GRU_OK;
}

void gru__pool_destroy(gru__pool *p) {
  if (p) teardown(p, p->threads, true);
}

void gru__pool_set_spin(gru__pool *p, size_t us) {
  atomic_store_explicit(&p->spin_ns, (long)us * 1000L, memory_order_relaxed);
}

size_t gru__pool_threads(const gru__pool *p) { return live(p) ? p->threads : 1; }

size_t gru__pool_bytes(const gru__pool *p) { return p ? p->bytes : 0; }
