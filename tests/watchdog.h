/* watchdog.h -- a hung test says where it hangs. */
#ifndef GRU_TEST_WATCHDOG_H
#define GRU_TEST_WATCHDOG_H

/* Starts a thread that, if the process still runs after 600 s, prints
 * every thread's stack (with gdb, where it is installed and may attach)
 * and exits with status 124. The tests of libgru's worker threads call it
 * first: a lost wake-up or a barrier that never opens would otherwise sit
 * until ctest's timeout and print nothing of where it stopped. */
void test_watchdog(void);

#endif
