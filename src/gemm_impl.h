/* gemm_impl.h -- the matrix kernels of gemm.h, written once for every ISA.
 *
 * Include it after one vec_*.h, with GRU_GEMM_TABLE and GRU_GEMM_ISA (the
 * table to define and its gru_isa) and the register blocking of the ISA:
 * GEMM_MR rows by GEMM_PN panels per tile when there are several rows,
 * GEMM_PN1 panels when there is one (a matrix-vector product, which needs
 * that many independent chains to hide the fma latency), and optionally
 * GEMM_FEW, wider tiles for other short row counts (below).
 *
 * A tile keeps its MR x PN panel accumulators in registers for the whole
 * k loop: per k it loads one line of each panel and broadcasts one value
 * of each row. Every tile size used is its own inlined copy of tile(), so
 * the loops over rows and panels unroll into straight-line code; the k
 * loop is unrolled four times, which paired runs (bench/gru-ab) found
 * 1-11% faster at a, b, d and e than the loop alone. */
#if !defined(VW) || !defined(GRU_GEMM_TABLE) || !defined(GRU_GEMM_ISA) || !defined(GEMM_MR) || \
    !defined(GEMM_PN) || !defined(GEMM_PN1)
#error "include a vec_*.h and define GRU_GEMM_TABLE, GRU_GEMM_ISA, GEMM_MR, GEMM_PN, GEMM_PN1"
#endif

/* Depth of a k block (group() below), unless the ISA sets its own: 128 k
 * of AVX-512's three panels is 24 KiB, half the L1 of the Intel machine
 * it was tuned on. Paired runs (bench/gru-ab) there found 128 faster than
 * whole-depth tiles at d and e and on batch 1's hoists, and 64 slower
 * than 128. */
#ifndef GEMM_KC
#define GEMM_KC 128
#endif

#include "gemm.h"
#include "inline.h"

/* Vectors per panel line. */
#define PV (GRU__PANEL / VW)
#define TILE_PN_MAX (GEMM_PN > GEMM_PN1 ? GEMM_PN : GEMM_PN1)

/* Stores the lanes of v that fall before column limit cols (relative). */
static GRU__ALWAYS_INLINE void store_cols(float *c, size_t col, size_t cols, VF v) {
  if (col + VW <= cols)
    vf_store(c + col, v);
  else if (col < cols)
    vf_store_n(c + col, v, cols - col);
}

/* The lanes of c + col before column limit cols; zero past it. */
static GRU__ALWAYS_INLINE VF load_cols(const float *c, size_t col, size_t cols) {
  if (col + VW <= cols) return vf_load(c + col);
  return col < cols ? vf_load_n(c + col, cols - col) : vf_set1(0.0f);
}

/* mr rows x pn panels; w points at the first panel, ws floats between
 * panels; cols of the pn * 16 outputs are real (the rest is padding). The
 * chains start from zero, or with more, from the sums c holds (a float
 * stored and loaded again is the same float: the chain goes on exactly). */
static GRU__ALWAYS_INLINE void tile(const size_t mr, const size_t pn, size_t depth, const float *a,
                                    size_t lda, const float *w, size_t ws, float *c, size_t ldc,
                                    size_t cols, bool more) {
  VF acc[GEMM_MR][TILE_PN_MAX * PV];
  GRU__UNROLL for (size_t m = 0; m < mr; m++) GRU__UNROLL for (size_t j = 0; j < pn * PV; j++)
      acc[m][j] = more ? load_cols(c + m * ldc, j * VW, cols) : vf_set1(0.0f);
  GRU__UNROLL4 for (size_t k = 0; k < depth; k++) {
    VF wv[TILE_PN_MAX * PV];
    GRU__UNROLL for (size_t p = 0; p < pn; p++) GRU__UNROLL for (size_t v = 0; v < PV; v++)
        wv[p * PV + v] = vf_load(w + p * ws + k * GRU__PANEL + v * VW);
    GRU__UNROLL for (size_t m = 0; m < mr; m++) {
      VF x = vf_set1(a[m * lda + k]);
      GRU__UNROLL for (size_t j = 0; j < pn * PV; j++) acc[m][j] = vf_fma(wv[j], x, acc[m][j]);
    }
  }
  GRU__UNROLL for (size_t m = 0; m < mr; m++) GRU__UNROLL for (size_t j = 0; j < pn * PV; j++)
      store_cols(c + m * ldc, j * VW, cols, acc[m][j]);
}

/* Copies of tile() for every size used, so its loops unroll onto
 * registers: ROWS(n, F) expands F(1) ... F(n); PANELS likewise (two
 * families, as one cannot nest in itself). */
#define ROWS_1(F) F(1)
#define ROWS_2(F) ROWS_1(F) F(2)
#define ROWS_3(F) ROWS_2(F) F(3)
#define ROWS_4(F) ROWS_3(F) F(4)
#define ROWS_5(F) ROWS_4(F) F(5)
#define ROWS_6(F) ROWS_5(F) F(6)
#define ROWS_7(F) ROWS_6(F) F(7)
#define ROWS_8(F) ROWS_7(F) F(8)
#define PANELS_1(F) F(1)
#define PANELS_2(F) PANELS_1(F) F(2)
#define PANELS_3(F) PANELS_2(F) F(3)
#define PANELS_4(F) PANELS_3(F) F(4)
#define PANELS_5(F) PANELS_4(F) F(5)
#define PANELS_6(F) PANELS_5(F) F(6)
#define PANELS_7(F) PANELS_6(F) F(7)
#define PANELS_8(F) PANELS_7(F) F(8)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define ROWS(n, F) CAT(ROWS_, n)(F)
#define PANELS(n, F) CAT(PANELS_, n)(F)

/* Several rows: tile_<pn>() switches on the row count. */
typedef void tile_fn(size_t mr, size_t depth, const float *a, size_t lda, const float *w, size_t ws,
                     float *c, size_t ldc, size_t cols, bool more);

#define ROW_CASE(m)                                         \
  case m:                                                   \
    tile(m, PN_, depth, a, lda, w, ws, c, ldc, cols, more); \
    return;
#define TILE_FN(pn)                                                                          \
  static void tile_##pn(size_t mr, size_t depth, const float *a, size_t lda, const float *w, \
                        size_t ws, float *c, size_t ldc, size_t cols, bool more) {           \
    enum { PN_ = pn };                                                                       \
    switch (mr) { ROWS(GEMM_MR, ROW_CASE) }                                                  \
  }
PANELS(GEMM_PN, TILE_FN)
#define TILE_ENTRY(pn) tile_##pn,
static tile_fn *const tiles[] = {NULL, PANELS(GEMM_PN, TILE_ENTRY)};

/* Fewer rows than GEMM_MR fill fewer accumulators: a tile of one row (a
 * matrix-vector product) by one group of GEMM_PN panels, or of two AVX2
 * rows by one panel (four chains), has too few chains to hide the fma
 * latency. Such row counts take wider groups: one row GEMM_PN1 panels,
 * and the rows and panels the ISA lists in GEMM_FEW(F) as F(rows,
 * panels), at most GEMM_PN1. few_<m>() switches on the panels left in the
 * last group. */
#ifndef GEMM_FEW
#define GEMM_FEW(F)
#endif
#define FEW_ALL(F) F(1, GEMM_PN1) GEMM_FEW(F)
typedef void few_fn(size_t pn, size_t depth, const float *a, size_t lda, const float *w, size_t ws,
                    float *c, size_t ldc, size_t cols);
#define FEW_CASE(pn)                                         \
  case pn:                                                   \
    tile(M_, pn, depth, a, lda, w, ws, c, ldc, cols, false); \
    return;
#define FEW_FN(m, n)                                                                       \
  static void few_##m(size_t pn, size_t depth, const float *a, size_t lda, const float *w, \
                      size_t ws, float *c, size_t ldc, size_t cols) {                      \
    enum { M_ = m };                                                                       \
    switch (pn) { PANELS(n, FEW_CASE) }                                                    \
  }
FEW_ALL(FEW_FN)
#define FEW_ENTRY(m, n) [m] = few_##m,
#define FEW_PANELS(m, n) [m] = n,
static few_fn *const few[GEMM_MR + 1] = {FEW_ALL(FEW_ENTRY)};
static const size_t few_panels[GEMM_MR + 1] = {FEW_ALL(FEW_PANELS)};

/* Rows [0, rows) of a by one group of pn panels: when several tiles of
 * rows reuse the panels, k runs in blocks of GEMM_KC, so that the group's
 * block stays in L1 while every tile of rows goes over it. The rows are
 * dealt into as few tiles as GEMM_MR allows, of sizes differing by at most
 * one: a thread's share of a batch (balance.h) is any number of rows, and
 * a short tile at the end has too few chains to hide the fma latency. */
static void group(size_t pn, const gru__panels *w, const float *panel, size_t rows, const float *a,
                  size_t lda, float *c, size_t ldc, size_t cols) {
  size_t ws = w->depth * GRU__PANEL, kc = rows > GEMM_MR ? GEMM_KC : w->depth, k0 = 0;
  size_t count = (rows + GEMM_MR - 1) / GEMM_MR;
  do {
    size_t depth = w->depth - k0 < kc ? w->depth - k0 : kc;
    for (size_t t = 0, m = 0; t < count; t++) {
      size_t mr = rows / count + (t < rows % count);
      tiles[pn](mr, depth, a + m * lda + k0, lda, panel + k0 * GRU__PANEL, ws, c + m * ldc, ldc,
                cols, k0 > 0);
      m += mr;
    }
    k0 += depth;
  } while (k0 < w->depth);
}

static void k_panels(const gru__panels *w, size_t p0, size_t p1, size_t rows, const float *a,
                     size_t lda, float *c, size_t ldc, bool backwards) {
  few_fn *narrow = rows <= GEMM_MR ? few[rows] : NULL;
  size_t ws = w->depth * GRU__PANEL, n = narrow ? few_panels[rows] : GEMM_PN;
  size_t groups = (p1 - p0 + n - 1) / n;
  for (size_t i = 0; i < groups; i++) {
    size_t p = p0 + (backwards ? groups - 1 - i : i) * n;
    size_t pn = p1 - p < n ? p1 - p : n;
    size_t col = p * GRU__PANEL, cols = w->outputs - col;
    const float *panel = gru__panel(w, p);
    if (narrow)
      narrow(pn, w->depth, a, lda, panel, ws, c + col, ldc, cols);
    else
      group(pn, w, panel, rows, a, lda, c + col, ldc, cols);
  }
}

const gru__gemm GRU_GEMM_TABLE = {
    .isa = GRU_GEMM_ISA,
    .panels = k_panels,
};
