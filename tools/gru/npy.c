#define _POSIX_C_SOURCE 200809L
#include "npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char magic[6] = "\x93NUMPY";
static const struct {
  const char *descr;
  size_t size;
} types[] = {[NPY_F4] = {"<f4", 4}, [NPY_I4] = {"<i4", 4}, [NPY_I8] = {"<i8", 8}};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
fail(char *error, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(error, size, fmt, ap);
  va_end(ap);
  return false;
}

/* The header is a Python dict literal: {'descr': '<f4', 'fortran_order':
 * False, 'shape': (2, 3), }. */
typedef struct cursor {
  const char *p, *end;
} cursor;

static void ws(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static bool lit(cursor *c, const char *s) {
  size_t n = strlen(s);
  ws(c);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) return false;
  c->p += n;
  return true;
}

/* A '...' or "..." string without escapes, shorter than cap. */
static bool quoted(cursor *c, char *out, size_t cap) {
  ws(c);
  if (c->p == c->end || (*c->p != '\'' && *c->p != '"')) return false;
  char q = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\' || n + 1 >= cap) return false;
    out[n++] = *c->p++;
  }
  if (c->p == c->end) return false;
  c->p++;
  out[n] = '\0';
  return true;
}

static bool uint(cursor *c, size_t *v) {
  ws(c);
  if (c->p == c->end || *c->p < '0' || *c->p > '9') return false;
  *v = 0;
  for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
    size_t d = (size_t)(*c->p - '0');
    if (*v > (SIZE_MAX - d) / 10) return false;
    *v = *v * 10 + d;
  }
  return true;
}

/* (), (n,), (n, m), (n, m,) ... */
static bool shape_tuple(cursor *c, npy_array *a, char *error, size_t esize) {
  if (!lit(c, "(")) return fail(error, esize, "'shape' is not a tuple");
  bool comma = false;
  a->ndim = 0;
  while (!lit(c, ")")) {
    if (a->ndim && !comma) return fail(error, esize, "'shape': expected ',' or ')'");
    if (a->ndim == NPY_MAX_DIMS) return fail(error, esize, "more than %d dimensions", NPY_MAX_DIMS);
    if (!uint(c, &a->shape[a->ndim]))
      return fail(error, esize, "'shape' holds something other than sizes");
    a->ndim++;
    comma = lit(c, ",");
  }
  if (a->ndim == 1 && !comma) return fail(error, esize, "'shape': (n) is not a tuple, (n,) is");
  return true;
}

static bool descr(cursor *c, unsigned accept, npy_array *a, char *error, size_t esize) {
  char d[16];
  if (!quoted(c, d, sizeof d)) return fail(error, esize, "'descr' is not a short string");
  for (int t = 0; t < 3; t++)
    if (!strcmp(d, types[t].descr) && (accept & (1u << t))) {
      a->type = (npy_type)t;
      return true;
    }
  const char *want = accept == (1u << NPY_F4) ? "little-endian float32 ('<f4')"
                                              : "little-endian int32 or int64 ('<i4', '<i8')";
  return fail(error, esize, "dtype '%s' is not %s; convert with a.astype(...)", d, want);
}

static bool parse_dict(cursor *c, unsigned accept, npy_array *a, char *error, size_t esize) {
  unsigned seen = 0;
  if (!lit(c, "{")) return fail(error, esize, "the header is not a dict");
  while (!lit(c, "}")) {
    if (seen && !lit(c, ",")) return fail(error, esize, "expected ',' or '}' in the header");
    if (lit(c, "}")) break; /* a trailing comma, as numpy writes */
    char key[16];
    if (!quoted(c, key, sizeof key) || !lit(c, ":"))
      return fail(error, esize, "the header is not a dict of 'descr', 'fortran_order', 'shape'");
    unsigned bit = !strcmp(key, "descr")           ? 1
                   : !strcmp(key, "fortran_order") ? 2
                   : !strcmp(key, "shape")         ? 4
                                                   : 0;
    if (!bit) return fail(error, esize, "unknown header key '%s'", key);
    if (seen & bit) return fail(error, esize, "header key '%s' given twice", key);
    seen |= bit;
    if (bit == 1 && !descr(c, accept, a, error, esize)) return false;
    if (bit == 2 && lit(c, "True"))
      return fail(error, esize, "Fortran order; save np.ascontiguousarray(a) instead");
    if (bit == 2 && !lit(c, "False")) return fail(error, esize, "'fortran_order' is not False");
    if (bit == 4 && !shape_tuple(c, a, error, esize)) return false;
  }
  ws(c);
  if (c->p != c->end) return fail(error, esize, "bytes after the header's dict");
  if (seen != 7) return fail(error, esize, "the header needs 'descr', 'fortran_order' and 'shape'");
  return true;
}

/* Parses the preamble and header in bytes (avail of them); sets *start to
 * where the data begins and *bytes to its length. */
static bool parse_header(const unsigned char *b, size_t avail, unsigned accept, npy_array *a,
                         size_t *start, size_t *bytes, char *error, size_t esize) {
  if (avail < 10 || memcmp(b, magic, 6) != 0) return fail(error, esize, "not a .npy file");
  if (b[6] < 1 || b[6] > 3) return fail(error, esize, "unknown .npy version %d", b[6]);
  size_t len = b[8] | (size_t)b[9] << 8, pre = 10;
  if (b[6] > 1) {
    if (avail < 12) return fail(error, esize, "truncated header");
    len |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    pre = 12;
  }
  if (len > NPY_MAX_HEADER)
    return fail(error, esize, "header of %zu bytes (the limit is %d)", len, NPY_MAX_HEADER);
  if (avail - pre < len) return fail(error, esize, "truncated header");
  cursor c = {(const char *)b + pre, (const char *)b + pre + len};
  if (!parse_dict(&c, accept, a, error, esize)) return false;
  a->count = 1;
  for (size_t i = 0; i < a->ndim; i++)
    if (a->shape[i] && a->count > SIZE_MAX / a->shape[i])
      return fail(error, esize, "the shape's element count overflows");
    else
      a->count *= a->shape[i];
  if (a->count > SIZE_MAX / types[a->type].size)
    return fail(error, esize, "the data's size overflows");
  *start = pre + len;
  *bytes = a->count * types[a->type].size;
  return true;
}

/* Little-endian file bytes to host elements. */
static void decode(npy_array *a, const unsigned char *src) {
  const uint16_t one = 1;
  bool little = *(const unsigned char *)&one;
  size_t size = types[a->type].size;
  unsigned char *dst = a->data;
  for (size_t i = 0; i < a->count; i++)
    for (size_t k = 0; k < size; k++)
      dst[i * size + k] = src[i * size + (little ? k : size - 1 - k)];
}

static bool take_data(npy_array *a, char *error, size_t esize) {
  a->data = NULL;
  if (a->count == 0) return true;
  a->data = malloc(a->count * types[a->type].size);
  return a->data ? true : fail(error, esize, "out of memory for %zu elements", a->count);
}

bool npy_parse(const unsigned char *bytes, size_t size, unsigned accept, npy_array *a, char *error,
               size_t esize) {
  size_t start = 0, need = 0;
  *a = (npy_array){0};
  if (!parse_header(bytes, size, accept, a, &start, &need, error, esize)) return false;
  if (size - start != need)
    return fail(error, esize, "%zu bytes of data, the shape needs %zu", size - start, need);
  if (!take_data(a, error, esize)) return false;
  if (a->data) decode(a, bytes + start);
  return true;
}

bool npy_read(const char *path, unsigned accept, npy_array *a, char *error, size_t esize) {
  *a = (npy_array){0};
  FILE *f = fopen(path, "rb");
  if (!f) return fail(error, esize, "cannot open: %s", strerror(errno));
  struct stat st;
  unsigned char head[12 + NPY_MAX_HEADER];
  size_t got = 0, start = 0, need = 0;
  bool ok = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
  if (!ok) fail(error, esize, "not a regular file");
  if (ok) got = fread(head, 1, sizeof head, f);
  ok = ok && parse_header(head, got, accept, a, &start, &need, error, esize);
  if (ok &&
      ((unsigned long long)st.st_size < start || (unsigned long long)st.st_size - start != need))
    ok = fail(error, esize, "%llu bytes of data, the shape needs %zu",
              (unsigned long long)st.st_size - start, need);
  ok = ok && take_data(a, error, esize);
  unsigned char *raw = ok && a->data ? malloc(need) : NULL;
  if (ok && a->data && !raw) ok = fail(error, esize, "out of memory");
  if (ok && raw && (fseek(f, (long)start, SEEK_SET) != 0 || fread(raw, 1, need, f) != need))
    ok = fail(error, esize, "cannot read the data");
  if (ok && raw) decode(a, raw);
  free(raw);
  fclose(f);
  if (!ok) npy_free(a);
  return ok;
}

void npy_free(npy_array *a) {
  free(a->data);
  *a = (npy_array){0};
}

bool npy_write_f4(const char *path, const float *data, size_t ndim, const size_t *shape,
                  char *error, size_t esize) {
  char header[NPY_MAX_HEADER];
  size_t count = 1;
  int n = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  for (size_t i = 0; i < ndim; i++) {
    n += snprintf(header + n, sizeof header - (size_t)n, "%s%zu%s", i ? ", " : "", shape[i],
                  ndim == 1 ? "," : "");
    count *= shape[i];
  }
  n += snprintf(header + n, sizeof header - (size_t)n, "), }");
  /* numpy pads with spaces and ends with '\n' so the data is 64-aligned. */
  size_t total = ((size_t)n + 1 + 10 + 63) / 64 * 64 - 10;
  memset(header + n, ' ', total - (size_t)n - 1);
  header[total - 1] = '\n';
  unsigned char pre[10] = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)total, (unsigned char)(total >> 8)};
  FILE *f = fopen(path, "wb");
  if (!f) return fail(error, esize, "cannot create: %s", strerror(errno));
  bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, total, f) == total;
  for (size_t i = 0; ok && i < count; i++) {
    uint32_t v;
    memcpy(&v, &data[i], 4);
    unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24)};
    ok = fwrite(le, 1, 4, f) == 4;
  }
  if (fclose(f) != 0) ok = false;
  return ok ? true : fail(error, esize, "cannot write: %s", strerror(errno));
}
