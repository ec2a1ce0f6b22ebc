/* safetensors.h -- the safetensors container, parsed and checked.
 *
 * A file is an 8-byte little-endian header length N, N bytes of JSON, then
 * the data: {"name": {"dtype": "F32", "shape": [..], "data_offsets":
 * [begin, end]}, ..., "__metadata__": {"key": "value", ...}}. Offsets are
 * relative to the data. gru__st_parse checks every rule of docs/models.md
 * ("How the loader checks a file") before the caller can see a tensor, and
 * allocates only after the header has been walked once and found sound. */
#ifndef GRU_SAFETENSORS_H
#define GRU_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"
#include "memory.h"

/* The element types safetensors defines; a file naming any other is
 * refused. */
typedef enum gru__dtype {
  GRU__BOOL,
  GRU__U8,
  GRU__I8,
  GRU__F8_E5M2,
  GRU__F8_E4M3,
  GRU__I16,
  GRU__U16,
  GRU__F16,
  GRU__BF16,
  GRU__I32,
  GRU__U32,
  GRU__F32,
  GRU__F64,
  GRU__I64,
  GRU__U64,
  GRU__DTYPE_COUNT
} gru__dtype;

const char *gru__dtype_name(gru__dtype dtype);

/* Bytes of one element. */
size_t gru__dtype_size(gru__dtype dtype);

/* True for the types libgru converts to float: F32, F16, BF16. */
bool gru__dtype_is_float(gru__dtype dtype);

typedef struct gru__st_tensor {
  const char *name; /* decoded UTF-8, NUL-terminated */
  gru__dtype dtype;
  size_t ndim;
  size_t shape[GRU_FILE_MAX_DIMS];
  size_t elems;      /* product of shape */
  size_t begin, end; /* bytes of the data section */
} gru__st_tensor;

typedef struct gru__st_meta {
  const char *key, *value;
} gru__st_meta;

typedef struct gru__st {
  const unsigned char *data; /* the data section */
  size_t data_size;
  gru__st_tensor *tensors; /* sorted by name */
  size_t ntensors;
  gru__st_meta *meta; /* sorted by key */
  size_t nmeta;
  void *block; /* one allocation: tensors, meta and their strings */
  size_t block_size;
} gru__st;

/* Parses and checks size bytes of a safetensors file. On success st
 * refers into file (which must outlive it) and owns one block from a.
 * Errors: GRU_ERR_FORMAT (any rule broken; error says which, where),
 * GRU_ERR_NOMEM. On failure st owns nothing. */
gru_status gru__st_parse(gru__st *st, const void *file, size_t size, const gru__allocator *a,
                         char *error);

void gru__st_free(gru__st *st, const gru__allocator *a);

/* The tensor called name, or NULL. */
const gru__st_tensor *gru__st_find(const gru__st *st, const char *name);

/* The value of a metadata key, or NULL. */
const char *gru__st_meta_get(const gru__st *st, const char *key);

/* True if tensor t can be used in place as host floats: F32, on a
 * little-endian host, aligned in memory. */
bool gru__st_is_host_f32(const gru__st *st, const gru__st_tensor *t);

/* Converts elements [first, first + count) of t (a float dtype) to host
 * floats in out. */
void gru__st_to_float(const gru__st *st, const gru__st_tensor *t, size_t first, size_t count,
                      float *out);

#endif
