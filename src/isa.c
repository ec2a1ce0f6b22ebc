/* The public face of CPU detection. */
#include "cpu.h"

gru_isa gru_cpu_isa(void) { return gru__cpu_isa(); }

const char *gru_isa_name(gru_isa isa) {
  switch (isa) {
    case GRU_ISA_SCALAR: return "scalar";
    case GRU_ISA_AVX2: return "avx2";
    case GRU_ISA_AVX512: return "avx512";
  }
  return "unknown";
}
