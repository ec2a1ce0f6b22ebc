#include "safetensors.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"

static const struct {
  const char *name;
  size_t size;
} dtypes[GRU__DTYPE_COUNT] = {
    [GRU__BOOL] = {"BOOL", 1},       [GRU__U8] = {"U8", 1},           [GRU__I8] = {"I8", 1},
    [GRU__F8_E5M2] = {"F8_E5M2", 1}, [GRU__F8_E4M3] = {"F8_E4M3", 1}, [GRU__I16] = {"I16", 2},
    [GRU__U16] = {"U16", 2},         [GRU__F16] = {"F16", 2},         [GRU__BF16] = {"BF16", 2},
    [GRU__I32] = {"I32", 4},         [GRU__U32] = {"U32", 4},         [GRU__F32] = {"F32", 4},
    [GRU__F64] = {"F64", 8},         [GRU__I64] = {"I64", 8},         [GRU__U64] = {"U64", 8},
};

const char *gru__dtype_name(gru__dtype dtype) { return dtypes[dtype].name; }

size_t gru__dtype_size(gru__dtype dtype) { return dtypes[dtype].size; }

bool gru__dtype_is_float(gru__dtype dtype) {
  return dtype == GRU__F32 || dtype == GRU__F16 || dtype == GRU__BF16;
}

/* One pass over the header. The first pass (pool NULL) checks every rule
 * that needs no memory and counts; the second, into memory sized by the
 * first, fills the tables. */
typedef struct walk {
  gru__json j;
  size_t data_size;
  gru__st_tensor *tensors; /* NULL on the counting pass */
  gru__st_meta *meta;
  char *pool; /* decoded strings, NULL on the counting pass */
  size_t ntensors, nmeta, string_bytes;
  bool seen_meta;
} walk;

/* Fails with "header byte N: tensor 'name': ..." (the name as written). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
tensor_fail(walk *w, const unsigned char *name_at, const char *fmt, ...) {
  char msg[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const unsigned char *q = name_at + 1; /* after the quote */
  int n = 0;
  while (n < 48 && q + n < w->j.end && q[n] != '"')
    n++;
  gru__fail(w->j.error, GRU_ERR_FORMAT, "header byte %zu: tensor '%.*s%s': %s",
            gru__json_offset(&w->j), n, (const char *)q, n == 48 ? "..." : "", msg);
  return false;
}

/* Reads a string into small (cap bytes) if it fits, else leaves small
 * empty: short keywords are compared, longer strings are none of them. */
static bool read_small(gru__json *j, char *small, size_t cap) {
  const unsigned char *start = j->p;
  size_t len;
  small[0] = '\0';
  if (!gru__json_string(j, NULL, &len)) return false;
  if (len >= cap) return true;
  j->p = start;
  return gru__json_string(j, small, &len);
}

/* Reads a string, counting its bytes, and on the filling pass copies it
 * into the pool. */
static bool read_pooled(walk *w, const unsigned char *at, const char **out) {
  gru__json j = w->j;
  j.p = at;
  size_t len;
  if (!gru__json_string(&j, w->pool, &len)) return false;
  if (w->pool) {
    *out = w->pool;
    w->pool += len + 1;
  }
  w->string_bytes += len + 1;
  w->j.p = j.p;
  return true;
}

static void skip_ws(gru__json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static bool walk_metadata(walk *w) {
  if (!gru__json_expect(&w->j, '{', "'{' (__metadata__ is an object of strings)")) return false;
  bool first = true, ok = true;
  while (gru__json_next(&w->j, '}', &first, &ok)) {
    gru__st_meta m = {0};
    skip_ws(&w->j);
    if (!read_pooled(w, w->j.p, &m.key) || !gru__json_expect(&w->j, ':', "':'")) return false;
    skip_ws(&w->j);
    if (w->j.p == w->j.end || *w->j.p != '"')
      return gru__json_expect(&w->j, '"', "a string (metadata values are strings)");
    if (!read_pooled(w, w->j.p, &m.value)) return false;
    if (w->meta) w->meta[w->nmeta] = m;
    w->nmeta++;
  }
  return ok;
}

/* Reads [d0, d1, ...] into shape; at most GRU_FILE_MAX_DIMS entries. */
static bool read_dims(walk *w, const unsigned char *name_at, size_t *shape, size_t max, size_t *n) {
  if (!gru__json_expect(&w->j, '[', "'[' (an array of integers)")) return false;
  bool first = true, ok = true;
  *n = 0;
  while (gru__json_next(&w->j, ']', &first, &ok)) {
    uint64_t v;
    if (!gru__json_uint(&w->j, &v)) return false;
    if (*n == max) return tensor_fail(w, name_at, "more than %zu entries", max);
    if (v > SIZE_MAX)
      return tensor_fail(w, name_at, "%llu does not fit in size_t", (unsigned long long)v);
    shape[(*n)++] = (size_t)v;
  }
  return ok;
}

static bool read_dtype(walk *w, const unsigned char *name_at, gru__dtype *dtype) {
  char name[16];
  if (!read_small(&w->j, name, sizeof name)) return false;
  for (int d = 0; d < GRU__DTYPE_COUNT; d++)
    if (strcmp(name, dtypes[d].name) == 0) {
      *dtype = (gru__dtype)d;
      return true;
    }
  return tensor_fail(w, name_at, "unknown dtype '%s'", name);
}

/* The entry's own rules: every key once, sizes that do not overflow, a
 * byte range inside the data that holds exactly dtype x shape. */
static bool check_entry(walk *w, const unsigned char *name_at, gru__st_tensor *t) {
  size_t elems = 1, bytes;
  for (size_t i = 0; i < t->ndim; i++)
    if (!gru__mul(elems, t->shape[i], &elems))
      return tensor_fail(w, name_at, "its shape's element count overflows");
  if (!gru__mul(elems, dtypes[t->dtype].size, &bytes))
    return tensor_fail(w, name_at, "its size in bytes overflows");
  if (t->begin > t->end)
    return tensor_fail(w, name_at, "data_offsets [%zu, %zu] end before they begin", t->begin,
                       t->end);
  if (t->end > w->data_size)
    return tensor_fail(w, name_at, "data_offsets end at %zu, past the %zu bytes of data", t->end,
                       w->data_size);
  if (t->end - t->begin != bytes)
    return tensor_fail(w, name_at, "data_offsets hold %zu bytes, %s x %zu elements need %zu",
                       t->end - t->begin, dtypes[t->dtype].name, elems, bytes);
  t->elems = elems;
  return true;
}

static bool walk_tensor(walk *w, const unsigned char *name_at) {
  if (!gru__json_expect(&w->j, '{', "'{' (a tensor entry)")) return false;
  gru__st_tensor t = {0};
  unsigned seen = 0;
  bool first = true, ok = true;
  while (gru__json_next(&w->j, '}', &first, &ok)) {
    char key[16];
    if (!read_small(&w->j, key, sizeof key) || !gru__json_expect(&w->j, ':', "':'")) return false;
    unsigned bit = !strcmp(key, "dtype")          ? 1u
                   : !strcmp(key, "shape")        ? 2u
                   : !strcmp(key, "data_offsets") ? 4u
                                                  : 0u;
    if (!bit) return tensor_fail(w, name_at, "unknown key (only dtype, shape, data_offsets)");
    if (seen & bit) return tensor_fail(w, name_at, "key '%s' given twice", key);
    seen |= bit;
    size_t offsets[3], n;
    if (bit == 1 && !read_dtype(w, name_at, &t.dtype)) return false;
    if (bit == 2 && !read_dims(w, name_at, t.shape, GRU_FILE_MAX_DIMS, &t.ndim)) return false;
    if (bit == 4) {
      if (!read_dims(w, name_at, offsets, 3, &n)) return false;
      if (n != 2) return tensor_fail(w, name_at, "data_offsets must be [begin, end]");
      t.begin = offsets[0];
      t.end = offsets[1];
    }
  }
  if (!ok) return false;
  if (seen != 7) return tensor_fail(w, name_at, "an entry needs dtype, shape and data_offsets");
  if (!check_entry(w, name_at, &t)) return false;
  if (w->tensors) {
    gru__json j = w->j;
    j.p = name_at;
    size_t len;
    gru__json_string(&j, w->pool, &len); /* read once already: cannot fail */
    t.name = w->pool;
    w->pool += len + 1;
    w->tensors[w->ntensors] = t;
  }
  w->ntensors++;
  return true;
}

static bool walk_header(walk *w) {
  if (!gru__json_expect(&w->j, '{', "'{' (the header is a JSON object)")) return false;
  bool first = true, ok = true;
  while (gru__json_next(&w->j, '}', &first, &ok)) {
    skip_ws(&w->j);
    const unsigned char *name_at = w->j.p;
    char key[16];
    if (!read_small(&w->j, key, sizeof key)) return false;
    size_t written = (size_t)(w->j.p - name_at); /* with its quotes */
    if (!gru__json_expect(&w->j, ':', "':'")) return false;
    if (strcmp(key, "__metadata__") == 0) {
      if (w->seen_meta) {
        gru__fail(w->j.error, GRU_ERR_FORMAT, "header byte %zu: __metadata__ is given twice",
                  gru__json_offset(&w->j));
        return false;
      }
      w->seen_meta = true;
      if (!walk_metadata(w)) return false;
      continue;
    }
    w->string_bytes += written; /* decoded is never longer than written */
    if (!walk_tensor(w, name_at)) return false;
  }
  if (!ok) return false;
  if (!gru__json_at_end(&w->j)) {
    gru__fail(w->j.error, GRU_ERR_FORMAT,
              "header byte %zu: only spaces may follow the header's JSON object",
              gru__json_offset(&w->j));
    return false;
  }
  return true;
}

static int by_offset(const void *a, const void *b) {
  const gru__st_tensor *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const gru__st_tensor *)a)->name, ((const gru__st_tensor *)b)->name);
}

static int by_key(const void *a, const void *b) {
  return strcmp(((const gru__st_meta *)a)->key, ((const gru__st_meta *)b)->key);
}

/* The tensors, in offset order, must tile the data exactly: each begins
 * where the previous ended, the first at 0, the last at the end. */
static gru_status check_tiling(gru__st *st, char *error) {
  size_t at = 0;
  if (st->ntensors > 1) qsort(st->tensors, st->ntensors, sizeof *st->tensors, by_offset);
  for (size_t i = 0; i < st->ntensors; i++) {
    const gru__st_tensor *t = &st->tensors[i];
    if (t->begin < at)
      return gru__fail(error, GRU_ERR_FORMAT,
                       "tensors '%.48s' and '%.48s' overlap (bytes %zu to %zu)",
                       st->tensors[i - 1].name, t->name, t->begin, at);
    if (t->begin > at)
      return gru__fail(error, GRU_ERR_FORMAT,
                       "data bytes %zu to %zu belong to no tensor (before '%.48s')", at, t->begin,
                       t->name);
    at = t->end;
  }
  if (at != st->data_size)
    return gru__fail(error, GRU_ERR_FORMAT,
                     "data bytes %zu to %zu belong to no tensor (after the last)", at,
                     st->data_size);
  return GRU_OK;
}

static gru_status check_unique(gru__st *st, char *error) {
  if (st->ntensors > 1) qsort(st->tensors, st->ntensors, sizeof *st->tensors, by_name);
  for (size_t i = 1; i < st->ntensors; i++)
    if (strcmp(st->tensors[i - 1].name, st->tensors[i].name) == 0)
      return gru__fail(error, GRU_ERR_FORMAT, "tensor '%.64s' is given twice", st->tensors[i].name);
  if (st->nmeta > 1) qsort(st->meta, st->nmeta, sizeof *st->meta, by_key);
  for (size_t i = 1; i < st->nmeta; i++)
    if (strcmp(st->meta[i - 1].key, st->meta[i].key) == 0)
      return gru__fail(error, GRU_ERR_FORMAT, "metadata key '%.64s' is given twice",
                       st->meta[i].key);
  return GRU_OK;
}

static uint64_t le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* The header's length and first byte; sets *n. */
static gru_status check_prefix(const unsigned char *file, size_t size, size_t *n, char *error) {
  if (size < 8)
    return gru__fail(error, GRU_ERR_FORMAT,
                     "%zu bytes: a safetensors file starts with an 8-byte header length", size);
  uint64_t len = le64(file);
  if (len > GRU_FILE_MAX_HEADER)
    return gru__fail(error, GRU_ERR_FORMAT, "header length %llu is above the limit of %lu bytes",
                     (unsigned long long)len, (unsigned long)GRU_FILE_MAX_HEADER);
  if (len > size - 8)
    return gru__fail(error, GRU_ERR_FORMAT,
                     "header length %llu runs past the end of the file (%zu bytes)",
                     (unsigned long long)len, size);
  if (len == 0 || file[8] != '{')
    return gru__fail(error, GRU_ERR_FORMAT, "the header must be a JSON object starting with '{'");
  *n = (size_t)len;
  return GRU_OK;
}

gru_status gru__st_parse(gru__st *st, const void *file, size_t size, const gru__allocator *a,
                         char *error) {
  *st = (gru__st){0};
  size_t n = 0;
  gru_status status = check_prefix(file, size, &n, error);
  if (status != GRU_OK) return status;
  const unsigned char *header = (const unsigned char *)file + 8;
  walk w = {.data_size = size - 8 - n};
  gru__json_init(&w.j, header, n, error);
  if (!walk_header(&w)) return GRU_ERR_FORMAT;

  gru__arena arena = {0};
  if (!gru__arena_reserve(&arena, w.ntensors, sizeof(gru__st_tensor)) ||
      !gru__arena_reserve(&arena, w.nmeta, sizeof(gru__st_meta)) ||
      !gru__arena_reserve(&arena, w.string_bytes, 1))
    return gru__fail(error, GRU_ERR_FORMAT, "header too large");
  st->data = header + n;
  st->data_size = w.data_size;
  if (arena.size) { /* "{}" with no data needs no memory */
    arena.base = gru__calloc(a, arena.size);
    if (!arena.base) return gru__fail(error, GRU_ERR_NOMEM, "out of memory for the header");
    st->block = arena.base;
    st->block_size = arena.size;
    st->tensors = gru__arena_take(&arena, w.ntensors, sizeof(gru__st_tensor));
    st->meta = gru__arena_take(&arena, w.nmeta, sizeof(gru__st_meta));
    walk fill = {.data_size = w.data_size, .tensors = st->tensors, .meta = st->meta};
    fill.pool = gru__arena_take(&arena, w.string_bytes, 1);
    gru__json_init(&fill.j, header, n, error);
    status = walk_header(&fill) ? GRU_OK : GRU_ERR_FORMAT; /* passed once: cannot fail */
    st->ntensors = fill.ntensors;
    st->nmeta = fill.nmeta;
  }
  if (status == GRU_OK) status = check_tiling(st, error);
  if (status == GRU_OK) status = check_unique(st, error);
  if (status != GRU_OK) gru__st_free(st, a);
  return status;
}

void gru__st_free(gru__st *st, const gru__allocator *a) {
  gru__free(a, st->block, st->block_size);
  *st = (gru__st){0};
}

const gru__st_tensor *gru__st_find(const gru__st *st, const char *name) {
  gru__st_tensor key = {.name = name};
  return st->ntensors ? bsearch(&key, st->tensors, st->ntensors, sizeof key, by_name) : NULL;
}

const char *gru__st_meta_get(const gru__st *st, const char *key) {
  gru__st_meta k = {.key = key};
  const gru__st_meta *m = st->nmeta ? bsearch(&k, st->meta, st->nmeta, sizeof k, by_key) : NULL;
  return m ? m->value : NULL;
}

static bool host_little_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

bool gru__st_is_host_f32(const gru__st *st, const gru__st_tensor *t) {
  return t->dtype == GRU__F32 && host_little_endian() &&
         (uintptr_t)(st->data + t->begin) % _Alignof(float) == 0;
}

/* IEEE half to single, exactly (every half is a float). */
static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    float v = (float)mant * 0x1p-24f; /* zero or subnormal: exact */
    return sign ? -v : v;
  }
  if (exp == 31)
    bits = sign | 0x7f800000u | mant << 13; /* infinity or NaN */
  else
    bits = sign | (exp + 112) << 23 | mant << 13;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

void gru__st_to_float(const gru__st *st, const gru__st_tensor *t, size_t first, size_t count,
                      float *out) {
  const unsigned char *p = st->data + t->begin + first * dtypes[t->dtype].size;
  /* One loop per dtype: the choice is made once, not per element. */
  switch (t->dtype) {
    case GRU__F16:
      for (size_t i = 0; i < count; i++)
        out[i] = half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
      return;
    case GRU__BF16:
      for (size_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16; /* a float's top half */
        memcpy(&out[i], &bits, sizeof bits);
      }
      return;
    default: /* F32 */
      for (size_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                        (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
        memcpy(&out[i], &bits, sizeof bits);
      }
  }
}
