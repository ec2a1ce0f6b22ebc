/* dladdr, dlopen's RTLD_NOLOAD and realpath: the BLAS really loaded. */
#define _GNU_SOURCE
#include "blas.h"

#if defined(GRU_BLAS_NETLIB)
#include <cblas-netlib.h> /* Debian's libblas-dev names its CBLAS header so */
#else
#include <cblas.h>
#endif
#include <stdio.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#define GRU_HAVE_DLADDR 1
#endif

#include "gru.h"

void gru__gemm_nt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                  size_t ldb, float beta, float *c, size_t ldc) {
  if (m == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.0f, b, (int)ldb, a, 1, beta, c, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b,
              (int)ldb, beta, c, (int)ldc);
}

/* The CBLAS chosen when libgru was built (GRU_BLAS in CMake). */
#if defined(GRU_BLAS_OPENBLAS)
#define GRU_BLAS_BUILT_FOR "openblas"
#elif defined(GRU_BLAS_BLIS)
#define GRU_BLAS_BUILT_FOR "blis"
#elif defined(GRU_BLAS_NETLIB)
#define GRU_BLAS_BUILT_FOR "netlib"
#else
#define GRU_BLAS_BUILT_FOR "unknown"
#endif

/* What the running process calls, which is not always what libgru was
 * built for: Debian's libblas.so.3 is an alternative that may be
 * OpenBLAS, BLIS or the reference BLAS. */
typedef struct blas_runtime {
  char path[4096]; /* file that defines cblas_sgemm, "" if unknown */
  char *(*openblas_config)(void);
  char *(*openblas_core)(void);
  int (*openblas_threads)(void);
  char *(*blis_version)(void);
  int (*blis_arch)(void); /* arch_t is an enum */
  char *(*blis_arch_name)(int);
} blas_runtime;

static void blas_find_runtime(blas_runtime *rt) {
  memset(rt, 0, sizeof *rt);
#if defined(GRU_BLAS_OPENBLAS)
  rt->openblas_config = openblas_get_config;
  rt->openblas_core = openblas_get_corename;
  rt->openblas_threads = openblas_get_num_threads;
#endif
#ifdef GRU_HAVE_DLADDR
  Dl_info info;
  void *handle = NULL;
  if (dladdr((void *)cblas_sgemm, &info) && info.dli_fname && info.dli_fname[0]) {
    char real[PATH_MAX];
    snprintf(rt->path, sizeof rt->path, "%s",
             realpath(info.dli_fname, real) ? real : info.dli_fname);
    /* The providing library's own scope: libgru may be loaded RTLD_LOCAL
     * (Python's ctypes), where RTLD_DEFAULT would not see its BLAS. */
    handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }
  if (!handle) handle = dlopen(NULL, RTLD_LAZY); /* linked into the program */
  if (!handle) return;
  if (!rt->openblas_config) {
    *(void **)&rt->openblas_config = dlsym(handle, "openblas_get_config");
    *(void **)&rt->openblas_core = dlsym(handle, "openblas_get_corename");
    *(void **)&rt->openblas_threads = dlsym(handle, "openblas_get_num_threads");
  }
  *(void **)&rt->blis_version = dlsym(handle, "bli_info_get_version_str");
  *(void **)&rt->blis_arch = dlsym(handle, "bli_arch_query_id");
  *(void **)&rt->blis_arch_name = dlsym(handle, "bli_arch_string");
  dlclose(handle);
#endif
}

gru_status gru_blas_info(char *buf, size_t size) {
  if (!buf) return GRU_ERR_NULL;
  if (size == 0) return GRU_ERR_SIZE;
  blas_runtime rt;
  blas_find_runtime(&rt);
  char what[512];
  const char *built = GRU_BLAS_BUILT_FOR;
  const char *running = "unknown";
  if (rt.openblas_config && rt.openblas_core && rt.openblas_threads) {
    running = "openblas";
    const char *core = rt.openblas_core();
    /* Debian 12's OpenBLAS 0.3.21 does not know CPUs newer than it and
     * falls back to its generic Prescott kernels, several times slower. */
    int generic = strcmp(core, "Prescott") == 0 && gru_cpu_isa() >= GRU_ISA_AVX2;
    snprintf(what, sizeof what, "%s, core=%s%s, threads=%d", rt.openblas_config(), core,
             generic ? " (generic kernels: set OPENBLAS_CORETYPE)" : "", rt.openblas_threads());
  } else if (rt.blis_version && rt.blis_arch && rt.blis_arch_name) {
    running = "blis";
    snprintf(what, sizeof what, "BLIS %s, arch=%s", rt.blis_version(),
             rt.blis_arch_name(rt.blis_arch()));
  } else {
    running = "netlib";
    snprintf(what, sizeof what, "CBLAS without OpenBLAS or BLIS queries (a reference BLAS)");
  }
  int n = snprintf(buf, size, "%s%s%s%s%s", what, rt.path[0] ? ", " : "", rt.path,
                   strcmp(built, running) ? ", libgru built for GRU_BLAS=" : "",
                   strcmp(built, running) ? built : "");
  return n >= 0 && (size_t)n < size ? GRU_OK : GRU_ERR_BUFFER;
}
