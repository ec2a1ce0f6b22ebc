/* error.h -- the message behind a failed call, kept in the handle. */
#ifndef GRU_ERROR_H
#define GRU_ERROR_H

#include "gru.h"

#define GRU__ERROR_SIZE 256

/* Formats a message into buf (GRU__ERROR_SIZE bytes) and returns status,
 * so a failure reads: return gru__fail(h->error, GRU_ERR_SIZE, "..."). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
gru_status
gru__fail(char *buf, gru_status status, const char *fmt, ...);

#endif
