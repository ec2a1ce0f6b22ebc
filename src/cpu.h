/* cpu.h -- which kernel path the CPU and the caller allow. */
#ifndef GRU_CPU_H
#define GRU_CPU_H

#include <stddef.h>

#include "gru.h"

/* The best ISA the CPU and OS support (CPUID and XGETBV); scalar on
 * non-x86 builds. Pure: detects afresh on each call, caches nothing. */
gru_isa gru__cpu_isa(void);

/* Parses the GRU_ISA environment variable into *cap: GRU_ISA_AVX512 (no
 * cap) if unset or empty. Returns GRU_ERR_INVALID for an unknown name. */
gru_status gru__env_isa_cap(gru_isa *cap);

/* Bytes of one core's L2 cache as the C library reports it (glibc reads
 * CPUID); 0 when unknown. */
size_t gru__cpu_l2_bytes(void);

#endif
