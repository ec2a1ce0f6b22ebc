#define _POSIX_C_SOURCE 200809L
#include "safetensors_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned char *st_file(const char *header, const void *data, size_t data_size,
                       uint64_t length_field, size_t *size) {
  size_t n = strlen(header);
  unsigned char *f = malloc(8 + n + data_size + 1);
  if (!f) return NULL;
  uint64_t len = length_field == UINT64_MAX ? n : length_field;
  for (int i = 0; i < 8; i++)
    f[i] = (unsigned char)(len >> (8 * i));
  for (size_t i = 0; i < n; i++)
    f[8 + i] = header[i] == '\'' ? '"' : (unsigned char)header[i];
  for (size_t i = 0; i < data_size; i += 4) {
    /* A ramp of small floats: 0.01, 0.02, ..., as little-endian bytes. */
    float v = 0.01f * (float)(i / 4 % 50 + 1) * ((i / 4) % 3 ? 1.0f : -1.0f);
    unsigned char b[4];
    memcpy(b, &v, 4);
    for (size_t k = 0; k < 4 && i + k < data_size; k++)
      f[8 + n + i + k] = b[k];
  }
  if (data) memcpy(f + 8 + n, data, data_size);
  *size = 8 + n + data_size;
  return f;
}

unsigned char *st_simple(const char *header, size_t data_size, size_t *size) {
  return st_file(header, NULL, data_size, UINT64_MAX, size);
}

static char tmpdir[256];

const char *st_tmpdir(void) {
  if (tmpdir[0]) return tmpdir;
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/libgru-test-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) tmpdir[0] = '\0';
  return tmpdir;
}

const char *st_tmp_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", st_tmpdir(), name);
  return path;
}

void st_tmpdir_remove(void) {
  if (!tmpdir[0]) return;
  DIR *d = opendir(tmpdir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') unlink(st_tmp_path(e->d_name));
  if (d) closedir(d);
  rmdir(tmpdir);
  tmpdir[0] = '\0';
}

int st_tmpdir_teardown(void **state) {
  (void)state;
  st_tmpdir_remove();
  return 0;
}

int st_write(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = fwrite(data, 1, size, f);
  return (fclose(f) == 0 && n == size) ? 0 : -1;
}

unsigned char *st_read(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}
