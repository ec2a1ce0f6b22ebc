/* clock.h -- nanoseconds on the monotonic clock: the balance's chunk
 * timings, the pool's waits and wake-ups, a call's work (forward.c). Read
 * around chunks and waits, never inside a step's arithmetic. */
#ifndef GRU_CLOCK_H
#define GRU_CLOCK_H

#include <stdint.h>

uint64_t gru__clock_ns(void);

#endif
