/* Concurrency: many threads share one layer, each with its own sequences,
 * for thousands of steps; each thread's outputs must equal, bit for bit,
 * the same work done on one thread. Also: libgru leaves no thread behind
 * (counted in /proc/self/task), and a layer and sequence made before
 * fork() work in the child (docs/threading.md). Built into the tsan
 * preset, where ThreadSanitizer watches the shared layer. */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"
#include "watchdog.h"

enum { L = 2, I = 13, H = 21, B = 3, T = 5 };
enum { THREADS = 8 };

/* Iterations per worker: 1000, or GRU_TEST_ITERATIONS (.ci/valgrind.sh
 * runs fewer: valgrind runs one thread at a time, 50 times slower). */
static unsigned iterations(void) {
  const char *v = getenv("GRU_TEST_ITERATIONS");
  return v && atoi(v) > 0 ? (unsigned)atoi(v) : 1000;
}

/* Steps of one worker: per iteration one step of the streaming sequence
 * and a T-step run of the other, plus a state save/restore now and then. */
#define STEPS_PER_WORKER ((size_t)iterations() * (1 + T))

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ c[i]) * 0x100000001b3u;
  return h;
}

typedef struct worker {
  const gru_layer *layer;
  unsigned id;
  uint64_t digest;
  gru_status status; /* first failure, if any */
} worker;

#define CHECK(call)          \
  do {                       \
    gru_status st_ = (call); \
    if (st_ != GRU_OK) {     \
      w->status = st_;       \
      goto done;             \
    }                        \
  } while (0)

/* The whole life of one thread's sequences: created, stepped, run, saved,
 * restored, reset and destroyed; every output goes into the digest. */
static void *work(void *arg) {
  worker *w = arg;
  gru_sequence *stream = NULL, *whole = NULL;
  uint64_t seed = 0x9e3779b97f4a7c15u * (w->id + 1), h = 0xcbf29ce484222325u;
  float x[T * B * I], y[T * B * H], state[L * B * H];
  unsigned char saved[4096];
  size_t n;
  CHECK(gru_sequence_create(&stream, w->layer, B, 1));
  CHECK(gru_sequence_create(&whole, w->layer, B, T));
  for (unsigned it = 0, last = iterations(); it < last; it++) {
    test_fill(x, T * B * I, &seed, 1.0f);
    CHECK(gru_sequence_step(stream, B, x, 0, y, 0, NULL, NULL, 0));
    h = fnv(h, y, B * H * sizeof(float));
    CHECK(gru_sequence_run(whole, T, B, x, 0, y, 0, NULL, 0));
    h = fnv(h, y, T * B * H * sizeof(float));
    if (it % 50 == 49) { /* move the stream's state through a buffer */
      CHECK(gru_sequence_save_state(stream, B, saved, sizeof saved, &n));
      CHECK(gru_sequence_reset(stream, B, NULL, 0));
      CHECK(gru_sequence_load_state(stream, saved, n));
    }
    if (it % 100 == 99) CHECK(gru_sequence_reset(whole, 1, NULL, 0));
  }
  CHECK(gru_sequence_get_state(stream, B, state, L * B * H));
  h = fnv(h, state, sizeof state);
  CHECK(gru_sequence_get_state(whole, B, state, L * B * H));
  h = fnv(h, state, sizeof state);
done:
  gru_sequence_destroy(stream);
  gru_sequence_destroy(whole);
  w->digest = h;
  return NULL;
}

/* Threads of this process, from /proc/self/task (0 where there is none). */
static size_t count_threads(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return 0;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* The child of fork() exited 0 (its exit code says what failed). */
static void assert_child_ok(pid_t pid) {
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static gru_layer *shared_layer(test_model *m) {
  test_model_init(m, GRU_RESET_BEFORE, GRU_FORWARD, L, I, H, true, 77);
  return test_model_build(m, gru_cpu_isa());
}

static void test_threads_share_a_layer(void **state) {
  (void)state;
  test_model m;
  gru_layer *layer = shared_layer(&m);
  size_t threads_before = count_threads();
  worker alone[THREADS], together[THREADS];
  for (unsigned i = 0; i < THREADS; i++) {
    alone[i] = (worker){layer, i, 0, GRU_OK};
    work(&alone[i]);
    assert_int_equal(alone[i].status, GRU_OK);
  }
  pthread_t tid[THREADS];
  for (unsigned i = 0; i < THREADS; i++) {
    together[i] = (worker){layer, i, 0, GRU_OK};
    assert_int_equal(pthread_create(&tid[i], NULL, work, &together[i]), 0);
  }
  for (unsigned i = 0; i < THREADS; i++)
    assert_int_equal(pthread_join(tid[i], NULL), 0);
  for (unsigned i = 0; i < THREADS; i++) {
    assert_int_equal(together[i].status, GRU_OK);
    if (together[i].digest != alone[i].digest)
      fail_msg("thread %u: outputs differ from the single-threaded run", i);
    for (unsigned j = 0; j < i; j++) /* the inputs differ, so must the outputs */
      assert_int_not_equal(alone[i].digest, alone[j].digest);
  }
  gru_layer_destroy(layer);
  test_model_free(&m);
  /* No thread of libgru's outlives its handles. */
  assert_int_equal(count_threads(), threads_before);
  print_message(
      "%d threads x %zu steps each (%zu steps) on one layer: each thread's outputs "
      "equal its single-threaded run bit for bit\n",
      THREADS, STEPS_PER_WORKER, THREADS * STEPS_PER_WORKER);
}

/* A layer and a sequence made before fork() work in the child, and give
 * there what they give in the parent. */
static void test_fork_child_uses_layer_and_sequence(void **state) {
  (void)state;
  test_model m;
  gru_layer *layer = shared_layer(&m);
  gru_sequence *seq;
  assert_int_equal(gru_sequence_create(&seq, layer, B, T), GRU_OK);
  float x[T * B * I], y[T * B * H];
  uint64_t seed = 5;
  test_fill(x, T * B * I, &seed, 1.0f);
  assert_int_equal(gru_sequence_run(seq, T, B, x, 0, y, 0, NULL, 0), GRU_OK);
  /* What the child must compute: the pre-fork sequence going on, and a
   * sequence created in the child. */
  gru_sequence *copy, *fresh;
  float want[2][T * B * H];
  assert_int_equal(gru_sequence_clone(&copy, seq), GRU_OK);
  assert_int_equal(gru_sequence_run(copy, T, B, x, 0, want[0], 0, NULL, 0), GRU_OK);
  assert_int_equal(gru_sequence_create(&fresh, layer, B, T), GRU_OK);
  assert_int_equal(gru_sequence_run(fresh, T, B, x, 0, want[1], 0, NULL, 0), GRU_OK);
  gru_sequence_destroy(copy);
  gru_sequence_destroy(fresh);

  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    float got[2][T * B * H];
    gru_sequence *s;
    /* The exit code says what failed. */
    int bad = gru_sequence_run(seq, T, B, x, 0, got[0], 0, NULL, 0) != GRU_OK;
    if (gru_sequence_create(&s, layer, B, T) != GRU_OK) _exit(bad | 2);
    bad |= (gru_sequence_run(s, T, B, x, 0, got[1], 0, NULL, 0) != GRU_OK) << 2;
    bad |= (memcmp(got[0], want[0], sizeof got[0]) != 0) << 3;
    bad |= (memcmp(got[1], want[1], sizeof got[1]) != 0) << 4;
    gru_sequence_destroy(s);
    gru_sequence_destroy(seq); /* the child's copies: valgrind checks it too */
    gru_layer_destroy(layer);
    test_model_free(&m);
    _exit(bad);
  }
  assert_child_ok(pid);
  gru_sequence_destroy(seq);
  gru_layer_destroy(layer);
  test_model_free(&m);
}

#ifdef GRU_MAX_THREADS
/* libgru's own threads (GRU_OPT_THREADS): started by the option, joined by
 * destroy, the same bits with any count, and harmless after fork(). */
static uint64_t run_with_threads(const gru_layer *layer, size_t n, size_t threads_before,
                                 size_t *during) {
  gru_sequence *seq, *clone;
  assert_int_equal(gru_sequence_create(&seq, layer, B, T), GRU_OK);
  assert_int_equal(gru_sequence_set_option(seq, GRU_OPT_THREADS, n), GRU_OK);
  size_t got;
  assert_int_equal(gru_sequence_get(seq, GRU_INFO_THREADS, &got), GRU_OK);
  assert_int_equal(got, n);
  assert_int_equal(gru_sequence_clone(&clone, seq), GRU_OK);
  *during = count_threads();
  float x[T * B * I], y[T * B * H];
  uint64_t seed = 11, h = 0xcbf29ce484222325u;
  for (unsigned it = 0, last = iterations() / 5; it < last; it++) {
    test_fill(x, T * B * I, &seed, 1.0f);
    assert_int_equal(gru_sequence_run(seq, T, B, x, 0, y, 0, NULL, 0), GRU_OK);
    h = fnv(h, y, sizeof y);
    assert_int_equal(gru_sequence_step(clone, B, x, 0, y, 0, NULL, NULL, 0), GRU_OK);
    h = fnv(h, y, B * H * sizeof(float));
  }
  gru_sequence_destroy(seq);
  gru_sequence_destroy(clone);
  assert_int_equal(count_threads(), threads_before);
  return h;
}

static void test_sequence_threads(void **state) {
  (void)state;
  test_model m;
  gru_layer *layer = shared_layer(&m);
  size_t before = count_threads(), during;
  uint64_t one = run_with_threads(layer, 1, before, &during);
  assert_int_equal(during, before);
  for (size_t n = 2; n <= 4; n++) {
    if (run_with_threads(layer, n, before, &during) != one)
      fail_msg("GRU_OPT_THREADS = %zu: outputs differ from one thread's", n);
    assert_int_equal(during, before + 2 * (n - 1)); /* the sequence's and its clone's */
  }
  /* A child of fork() runs a threaded sequence on its calling thread. */
  gru_sequence *seq;
  assert_int_equal(gru_sequence_create(&seq, layer, B, T), GRU_OK);
  assert_int_equal(gru_sequence_set_option(seq, GRU_OPT_THREADS, 2), GRU_OK);
  float x[T * B * I], want[T * B * H];
  uint64_t seed = 3;
  test_fill(x, T * B * I, &seed, 1.0f);
  gru_sequence *copy;
  assert_int_equal(gru_sequence_clone(&copy, seq), GRU_OK);
  assert_int_equal(gru_sequence_run(copy, T, B, x, 0, want, 0, NULL, 0), GRU_OK);
  gru_sequence_destroy(copy);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    float got[T * B * H];
    int bad = gru_sequence_run(seq, T, B, x, 0, got, 0, NULL, 0) != GRU_OK;
    bad |= memcmp(got, want, sizeof got) != 0;
    gru_sequence_destroy(seq);
    bad |= count_threads() != 1;
    gru_layer_destroy(layer); /* the child's copies: valgrind checks it too */
    test_model_free(&m);
    _exit(bad);
  }
  assert_child_ok(pid);
  gru_sequence_destroy(seq);
  assert_int_equal(count_threads(), before);
  gru_layer_destroy(layer);
  test_model_free(&m);
  print_message("GRU_OPT_THREADS 1..4: the same bits, threads joined on destroy, fork child ok\n");
}

/* More than the process can have here: OpenBLAS starts up to 64. */
enum { MAX_TASKS = 1024 };

/* The process's threads (their ids); returns how many (fewer than max). */
static size_t task_ids(long *ids, size_t max) {
  DIR *d = opendir("/proc/self/task");
  assert_non_null(d);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') {
      assert_true(n < max);
      ids[n++] = atol(e->d_name);
    }
  closedir(d);
  return n;
}

/* The one thread in after[] that is not in before[]. */
static long new_task(const long *before, size_t nb, const long *after, size_t na) {
  long found = -1;
  for (size_t i = 0; i < na; i++) {
    bool old = false;
    for (size_t j = 0; j < nb; j++)
      old |= after[i] == before[j];
    if (!old) {
      assert_int_equal(found, -1);
      found = after[i];
    }
  }
  assert_true(found > 0);
  return found;
}

/* A thread's scheduling state: 'R' running or runnable, 'S' asleep, ... */
static char task_state(long tid) {
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  const char *name_end = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
  fclose(f);
  assert_non_null(name_end);
  return name_end[2];
}

/* How many of 20 looks at the worker, 10 ms apart from 50 ms after a call
 * on a sequence whose workers spin spin_us after one, find it runnable
 * (spinning) rather than asleep. Its state, not its CPU time: a spinning
 * worker yields its core to busy neighbours (ctest runs tests two at a
 * time), but stays runnable. */
static int runnable_after_a_call(const gru_layer *layer, size_t spin_us) {
  gru_sequence *seq;
  assert_int_equal(gru_sequence_create(&seq, layer, B, T), GRU_OK);
  assert_int_equal(gru_sequence_set_option(seq, GRU_OPT_SPIN_US, spin_us), GRU_OK);
  long before[MAX_TASKS], after[MAX_TASKS];
  size_t nb = task_ids(before, MAX_TASKS);
  assert_int_equal(gru_sequence_set_option(seq, GRU_OPT_THREADS, 2), GRU_OK);
  size_t na = task_ids(after, MAX_TASKS);
  long tid = new_task(before, nb, after, na);
  size_t got;
  assert_int_equal(gru_sequence_get(seq, GRU_INFO_SPIN_US, &got), GRU_OK);
  assert_int_equal(got, spin_us);
  float x[T * B * I] = {0}, y[T * B * H];
  assert_int_equal(gru_sequence_run(seq, T, B, x, 0, y, 0, NULL, 0), GRU_OK);
  int runnable = 0;
  nanosleep(&(struct timespec){0, 50000000L}, NULL);
  for (int i = 0; i < 20; i++) {
    runnable += task_state(tid) == 'R';
    nanosleep(&(struct timespec){0, 10000000L}, NULL);
  }
  gru_sequence_destroy(seq);
  return runnable;
}

/* GRU_OPT_SPIN_US: a worker told to spin 1 s after a call is still
 * spinning 50-250 ms after it; told 0, it is asleep by then. */
static void test_spin_option(void **state) {
  (void)state;
  test_model m;
  gru_layer *layer = shared_layer(&m);
  int spinning = runnable_after_a_call(layer, 1000000), sleeping = runnable_after_a_call(layer, 0);
  print_message("the worker runnable at %d of 20 looks after a call spinning 1 s, %d spinning 0\n",
                spinning, sleeping);
  assert_true(spinning >= 10);
  assert_int_equal(sleeping, 0);
  gru_layer_destroy(layer);
  test_model_free(&m);
}
#endif

int main(void) {
  test_watchdog();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threads_share_a_layer),
      cmocka_unit_test(test_fork_child_uses_layer_and_sequence),
#ifdef GRU_MAX_THREADS
      cmocka_unit_test(test_sequence_threads),
      cmocka_unit_test(test_spin_option),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
