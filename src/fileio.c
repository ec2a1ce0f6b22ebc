#define _DEFAULT_SOURCE /* madvise */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* "what 'path': reason", from errno (strerror_r: strerror is not
 * thread-safe). */
static gru_status io_fail(char *error, const char *what, const char *path) {
  char reason[128] = "unknown error";
  if (strerror_r(errno, reason, sizeof reason) != 0)
    snprintf(reason, sizeof reason, "errno %d", errno);
  return gru__fail(error, GRU_ERR_IO, "%s '%.128s': %s", what, path, reason);
}

gru_status gru__map_open(gru__map *m, const char *path, char *error) {
  *m = (gru__map){0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_fail(error, "cannot open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    gru_status s = io_fail(error, "cannot stat", path);
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return gru__fail(error, GRU_ERR_IO, "'%.128s' is not a regular file", path);
  }
  if ((uintmax_t)st.st_size > SIZE_MAX) {
    close(fd);
    return gru__fail(error, GRU_ERR_IO, "'%.128s' is too large to map", path);
  }
  size_t size = (size_t)st.st_size;
  if (size > 0) {
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      gru_status s = io_fail(error, "cannot map", path);
      close(fd);
      return s;
    }
#ifdef MADV_NOHUGEPAGE
    /* The page cache may hold the file in large folios (2 MiB on Linux
     * 6.18, for a file written in large writes or read ahead), which the
     * kernel would map with one PMD each: releasing part of one unmaps it
     * all and the next read maps it all back, so the loader's releases
     * would free nothing until it left a folio, and it would hold two at a
     * folio's end. Mapped page by page, pages go as they are released.
     * Advice only: if refused, loading just holds more. */
    madvise(p, size, MADV_NOHUGEPAGE);
#endif
    m->data = p;
  }
  close(fd); /* the mapping keeps the file */
  m->size = size;
  return GRU_OK;
}

void gru__map_release(const gru__map *m, size_t from, size_t to, size_t next) {
  long page = sysconf(_SC_PAGESIZE);
  if (!m->data || from >= to || page <= 0) return;
  uintptr_t mask = (uintptr_t)page - 1, base = (uintptr_t)m->data; /* page-aligned */
  uintptr_t first = (base + from) & ~mask;
  uintptr_t last = (base + to + mask) & ~mask;
  if (next < m->size && ((base + next) & ~mask) < last) last = (base + next) & ~mask;
  /* A read-only private mapping has no changes to lose: the pages come
   * back from the file if touched again. */
  if (first < last) madvise((void *)first, last - first, MADV_DONTNEED);
}

void gru__map_close(gru__map *m) {
  if (m->data) munmap((void *)m->data, m->size);
  *m = (gru__map){0};
}

gru_status gru__out_open(gru__out *o, const char *path, const gru__allocator *a, char *error) {
  *o = (gru__out){.fd = -1, .path = path, .alloc = a};
  size_t n = strlen(path);
  if (!gru__add(n, sizeof ".tmp", &o->tmp_size))
    return gru__fail(error, GRU_ERR_IO, "path too long");
  o->tmp = gru__alloc(a, o->tmp_size);
  if (!o->tmp) return gru__fail(error, GRU_ERR_NOMEM, "out of memory");
  memcpy(o->tmp, path, n);
  memcpy(o->tmp + n, ".tmp", sizeof ".tmp");
  o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (o->fd >= 0) return GRU_OK;
  gru_status s = io_fail(error, "cannot create", o->tmp);
  gru__free(a, o->tmp, o->tmp_size);
  o->tmp = NULL;
  return s;
}

gru_status gru__out_write(gru__out *o, const void *data, size_t size, char *error) {
  const unsigned char *p = data;
  while (size > 0) {
    ssize_t n = write(o->fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_fail(error, "cannot write", o->tmp);
    p += n;
    size -= (size_t)n;
  }
  return GRU_OK;
}

gru_status gru__out_close(gru__out *o, bool commit, char *error) {
  gru_status s = GRU_OK;
  if (close(o->fd) != 0 && commit) s = io_fail(error, "cannot write", o->tmp);
  if (s == GRU_OK && commit && rename(o->tmp, o->path) != 0)
    s = io_fail(error, "cannot rename to", o->path);
  if (s != GRU_OK || !commit) unlink(o->tmp);
  gru__free(o->alloc, o->tmp, o->tmp_size);
  *o = (gru__out){.fd = -1};
  return s;
}
