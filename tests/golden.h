/* golden.h -- reader of the golden-data files in tests/data/ (written by
 * tests/data/make_torch_golden.py).
 *
 * A file is ASCII text, lines of at most GOLDEN_MAX_LINE - 2 characters:
 *
 *   libgru-golden 1
 *   # comments, anywhere after the first line; blank lines are ignored
 *   meta <key> <value>
 *   tensor <name> <ndim> <dim0> ... <dim(ndim-1)>
 *   <exactly dim0*...*dim(ndim-1) numbers, any number per line>
 *   ...
 *   end
 *
 * Keys and names are unique within a file. Values are finite floats (for
 * float32, nine significant digits round-trip exactly); nothing may follow
 * "end". Any deviation fails the load with a message naming the file and
 * line. Everything here uses libc alone and is not thread-safe per golden.
 */
#ifndef GRU_TEST_GOLDEN_H
#define GRU_TEST_GOLDEN_H

#include <stddef.h>

#define GOLDEN_VERSION 1
#define GOLDEN_MAX_LINE 1024 /* buffer, with newline and NUL */
#define GOLDEN_MAX_NAME 64   /* tensor names and meta keys, with NUL */
#define GOLDEN_MAX_VALUE 128 /* meta values, with NUL */
#define GOLDEN_MAX_DIMS 4
#define GOLDEN_MAX_TENSORS 64
#define GOLDEN_MAX_META 32
#define GOLDEN_MAX_COUNT 1000000 /* floats in one tensor */

typedef struct golden_tensor {
  char name[GOLDEN_MAX_NAME];
  size_t ndim;
  size_t shape[GOLDEN_MAX_DIMS];
  size_t count; /* product of shape */
  float *data;  /* count floats, row major; owned by the golden */
} golden_tensor;

typedef struct golden_meta_entry {
  char key[GOLDEN_MAX_NAME];
  char value[GOLDEN_MAX_VALUE];
} golden_meta_entry;

typedef struct golden {
  size_t num_meta;
  golden_meta_entry meta[GOLDEN_MAX_META];
  size_t num_tensors;
  golden_tensor tensors[GOLDEN_MAX_TENSORS]; /* in file order */
  char error[512];                           /* why the last golden_load() or getter failed */
} golden;

/* Reads path into *g (overwriting it; no golden_free() needed before).
 * Returns 0 on success. On failure returns -1, holds nothing that needs
 * freeing, and g->error says "path:line: what". golden_free() is safe in
 * both cases. */
int golden_load(const char *path, golden *g);

/* Frees the tensors' data and empties g. Safe on a zeroed or failed g. */
void golden_free(golden *g);

/* The tensor called name, or NULL. */
const golden_tensor *golden_find(const golden *g, const char *name);

/* The value of meta key, or NULL. */
const char *golden_meta(const golden *g, const char *key);

/* Parses meta key as a non-negative decimal integer into *out. Returns 0,
 * or -1 (missing or not an integer; g->error says which). */
int golden_meta_size(golden *g, const char *key, size_t *out);

/* Converts tensor t, whose values must be non-negative integers (lengths,
 * say), into out[0 .. t->count - 1]. Returns 0, or -1 if out_count differs
 * from t->count or a value is not an integer. */
int golden_tensor_sizes(const golden_tensor *t, size_t *out, size_t out_count);

/* Returns 1 if t has ndim dimensions equal to the given ones, else 0. */
int golden_shape_is(const golden_tensor *t, size_t ndim, const size_t *shape);

/* Lists the regular entries of dir whose names end in suffix (".txt"),
 * sorted by strcmp, as malloc'd full paths "dir/name". On success returns
 * 0, *paths (free with golden_list_free()) and *count (which may be 0).
 * Returns -1 if dir cannot be opened or memory runs out. */
int golden_list(const char *dir, const char *suffix, char ***paths, size_t *count);

void golden_list_free(char **paths, size_t count);

#endif
