/* cpu.c -- the best kernel path the CPU and OS allow, and the GRU_ISA cap.
 *
 * Nothing is cached: callers ask when they build a layer and keep the
 * answer there, so there is no global state to guard. */
#define _GNU_SOURCE /* _SC_LEVEL2_CACHE_SIZE */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define GRU_CPU_X86 1
#include <cpuid.h>
#include <stdint.h>
#endif

#ifdef GRU_CPU_X86

/* CPUID bits (Intel SDM vol. 2A, CPUID). */
#define LEAF1_ECX_FMA (1u << 12)
#define LEAF1_ECX_OSXSAVE (1u << 27)
#define LEAF1_ECX_AVX (1u << 28)
#define LEAF7_EBX_AVX2 (1u << 5)
#define LEAF7_EBX_AVX512F (1u << 16)
#define LEAF7_EBX_AVX512DQ (1u << 17)
#define LEAF7_EBX_AVX512BW (1u << 30)
#define LEAF7_EBX_AVX512VL (1u << 31)

/* XCR0: the register state the OS saves on a context switch. The CPU
 * having AVX is not enough; without these bits the OS would corrupt the
 * upper halves (XMM|YMM; then opmask|ZMM0-15 upper|ZMM16-31). */
#define XCR0_AVX 0x06u
#define XCR0_AVX512 0xe6u

/* XGETBV by hand: the intrinsic needs -mxsave, and this file is built for
 * the baseline ISA. Only called once OSXSAVE says the instruction exists. */
static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static int all_set(uint64_t value, uint64_t bits) { return (value & bits) == bits; }

gru_isa gru__cpu_isa(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return GRU_ISA_SCALAR;
  if (!all_set(c, LEAF1_ECX_OSXSAVE | LEAF1_ECX_AVX | LEAF1_ECX_FMA)) return GRU_ISA_SCALAR;
  uint64_t xcr0 = read_xcr0();
  if (!all_set(xcr0, XCR0_AVX)) return GRU_ISA_SCALAR;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !all_set(b, LEAF7_EBX_AVX2))
    return GRU_ISA_SCALAR;
  if (all_set(b,
              LEAF7_EBX_AVX512F | LEAF7_EBX_AVX512DQ | LEAF7_EBX_AVX512BW | LEAF7_EBX_AVX512VL) &&
      all_set(xcr0, XCR0_AVX512))
    return GRU_ISA_AVX512;
  return GRU_ISA_AVX2;
}

#else

gru_isa gru__cpu_isa(void) { return GRU_ISA_SCALAR; }

#endif

gru_status gru__env_isa_cap(gru_isa *cap) {
  const char *value = getenv("GRU_ISA");
  if (!value || !*value) {
    *cap = GRU_ISA_AVX512;
    return GRU_OK;
  }
  for (int i = GRU_ISA_SCALAR; i <= GRU_ISA_AVX512; i++) {
    if (strcmp(value, gru_isa_name((gru_isa)i)) == 0) {
      *cap = (gru_isa)i;
      return GRU_OK;
    }
  }
  return GRU_ERR_INVALID;
}

size_t gru__cpu_l2_bytes(void) {
#ifdef _SC_LEVEL2_CACHE_SIZE
  long n = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return n > 0 ? (size_t)n : 0;
#else
  return 0;
#endif
}
