/* npy.h -- NumPy .npy files, read and written directly: little-endian
 * float32 tensors ('<f4') and int32 / int64 index arrays ('<i4', '<i8'),
 * C order only. Files are untrusted input: the header is bounded
 * (NPY_MAX_HEADER, numpy's own limit), parsed strictly, and the data must
 * be exactly as long as its shape says. */
#ifndef GRU_TOOL_NPY_H
#define GRU_TOOL_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8
#define NPY_MAX_HEADER 10000

typedef enum npy_type { NPY_F4, NPY_I4, NPY_I8 } npy_type;

typedef struct npy_array {
  npy_type type;
  size_t ndim;
  size_t shape[NPY_MAX_DIMS];
  size_t count; /* product of shape */
  void *data;   /* count host-endian elements (malloc'd), or NULL if count is 0 */
} npy_array;

/* Reads the .npy file at path; *a owns its data (npy_free). accept is a
 * bit set of the npy_types allowed (1u << NPY_F4, ...). On failure returns
 * false with a message in error (error_size bytes) and *a empty. */
bool npy_read(const char *path, unsigned accept, npy_array *a, char *error, size_t error_size);

/* Parses a .npy file already in memory (size bytes), as npy_read. */
bool npy_parse(const unsigned char *bytes, size_t size, unsigned accept, npy_array *a, char *error,
               size_t error_size);

void npy_free(npy_array *a);

/* Writes count = prod(shape) floats as a '<f4' .npy file (format 1.0). */
bool npy_write_f4(const char *path, const float *data, size_t ndim, const size_t *shape,
                  char *error, size_t error_size);

#endif
