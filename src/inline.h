/* inline.h -- forcing inlining where a kernel template relies on it: the
 * loops over constant counts in a kernel only become straight-line code on
 * registers once the function holding them is inlined into its caller. */
#ifndef GRU_INLINE_H
#define GRU_INLINE_H

#if defined(__GNUC__)
#define GRU__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define GRU__ALWAYS_INLINE inline
#endif

/* Unrolls the loop that follows completely (its count is a constant once
 * inlined): -O2 alone leaves such loops rolled, and their accumulators in
 * memory. GCC and Clang both read this pragma. GRU_NO_UNROLL (the fuzz
 * preset) leaves the loops to the compiler: compiling the unrolled
 * AVX-512 tiles with ASan, UBSan and fuzzer coverage took clang-14 most of
 * the fuzz job's time (.ci/fuzz.sh prints it).
 * Unrolled or not, each output is the same chain of operations. */
#if defined(__GNUC__) && !defined(GRU_NO_UNROLL)
#define GRU__UNROLL _Pragma("GCC unroll 64")
#define GRU__UNROLL4 _Pragma("GCC unroll 4") /* a loop of any count, four at a time */
#else
#define GRU__UNROLL
#define GRU__UNROLL4
#endif

#endif
