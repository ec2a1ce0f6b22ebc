/* fileio.h -- files for the model loaders and savers (POSIX): read by
 * mapping them read-only, written beside their final name and renamed, so
 * a failed save never leaves a half-written model behind. */
#ifndef GRU_FILEIO_H
#define GRU_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"
#include "memory.h"

typedef struct gru__map {
  const unsigned char *data; /* NULL for an empty file */
  size_t size;
} gru__map;

/* Maps the regular file at path. Errors: GRU_ERR_IO (with the reason). */
gru_status gru__map_open(gru__map *m, const char *path, char *error);

/* Drops the pages holding bytes [from, to) from the resident set, except
 * the one holding byte next (next >= to; m->size when no later byte is
 * needed) and those after it: for a reader that goes forward and is done
 * with every byte it needs before next. Touching a dropped page again
 * reads it from the file. */
void gru__map_release(const gru__map *m, size_t from, size_t to, size_t next);

void gru__map_close(gru__map *m);

typedef struct gru__out {
  int fd;
  char *tmp; /* path + ".tmp", from the allocator */
  size_t tmp_size;
  const char *path;
  const gru__allocator *alloc;
} gru__out;

/* Creates path + ".tmp" for writing. Errors: GRU_ERR_IO, GRU_ERR_NOMEM. */
gru_status gru__out_open(gru__out *o, const char *path, const gru__allocator *a, char *error);

/* Writes size bytes. Errors: GRU_ERR_IO. */
gru_status gru__out_write(gru__out *o, const void *data, size_t size, char *error);

/* Closes the file and renames it to its path (commit), or removes it
 * (commit false, or when closing or renaming fails). */
gru_status gru__out_close(gru__out *o, bool commit, char *error);

#endif
