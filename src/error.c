#include "error.h"

#include <stdarg.h>
#include <stdio.h>

gru_status gru__fail(char *buf, gru_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, GRU__ERROR_SIZE, fmt, ap);
  va_end(ap);
  return status;
}
