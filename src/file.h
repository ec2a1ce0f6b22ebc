/* file.h -- gru_file: an opened, checked safetensors file, mapped from a
 * path or borrowed from the caller's memory. */
#ifndef GRU_FILE_H
#define GRU_FILE_H

#include <stdbool.h>

#include "error.h"
#include "fileio.h"
#include "gru.h"
#include "memory.h"
#include "safetensors.h"

struct gru_file {
  gru__allocator alloc;
  bool is_open;
  gru__st st;
  gru__map map; /* empty when opened over memory */
  char error[GRU__ERROR_SIZE];
};

#endif
