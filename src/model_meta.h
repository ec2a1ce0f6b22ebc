/* model_meta.h -- libgru's keys in a safetensors "__metadata__": what a
 * libgru file says about the GRU it holds. docs/models.md lists them. */
#ifndef GRU_MODEL_META_H
#define GRU_MODEL_META_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"
#include "safetensors.h"
#include "weights.h"

/* The version gru__meta_write writes and gru__meta_read reads. */
#define GRU__META_VERSION "1"

/* Reads libgru's description of st. *described is false (GRU_OK) when the
 * file has no "libgru.version": a plain state_dict. Otherwise format and
 * shape receive what the keys say, after checking every key is there and
 * well formed, and that the conventions stated agree with the format.
 * Errors: GRU_ERR_FORMAT, GRU_ERR_UNSUPPORTED (another version; a variant
 * the format cannot express), and gru__shape_init's. */
gru_status gru__meta_read(const gru__st *st, bool *described, gru_format *format, gru__shape *shape,
                          char *error);

/* Writes the JSON object of libgru's keys for a GRU of shape s stored in
 * format into buf (size bytes, NUL-terminated if size > 0) and returns its
 * length, as snprintf does. */
size_t gru__meta_write(char *buf, size_t size, gru_format format, const gru__shape *s);

#endif
