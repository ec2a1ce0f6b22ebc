/* The built-in model: models/charlm.safetensors inside the binary, so
 * `gru generate` works anywhere the tool is installed. The assembler's
 * .incbin copies the file at build time (CMake passes its path as
 * GRU_BUILTIN_MODEL and rebuilds this file when the model changes);
 * 64-byte alignment keeps every F32 tensor aligned for in-place use. */
#include "cli.h"

#ifndef GRU_BUILTIN_MODEL
#error "GRU_BUILTIN_MODEL must name the model file to embed"
#endif

__asm__(
    ".section .rodata\n"
    ".balign 64\n"
    ".globl gru_builtin_model_begin\n"
    ".hidden gru_builtin_model_begin\n"
    "gru_builtin_model_begin:\n"
    ".incbin \"" GRU_BUILTIN_MODEL
    "\"\n"
    ".globl gru_builtin_model_end\n"
    ".hidden gru_builtin_model_end\n"
    "gru_builtin_model_end:\n"
    ".previous\n");

__attribute__((visibility("hidden"))) extern const unsigned char gru_builtin_model_begin[],
    gru_builtin_model_end[];

const unsigned char *cli_builtin_model(size_t *size) {
  *size = (size_t)(gru_builtin_model_end - gru_builtin_model_begin);
  return gru_builtin_model_begin;
}
