#include "file.h"

#include <string.h>

#include "builder.h"
#include "load.h"

gru_status gru_file_create(gru_file **out) {
  gru__allocator a = gru__default_allocator();
  return gru_file_create_custom(out, a.alloc, a.free, a.ctx);
}

gru_status gru_file_create_custom(gru_file **out, gru_alloc_fn alloc, gru_free_fn free, void *ctx) {
  if (!out) return GRU_ERR_NULL;
  *out = NULL;
  if (!alloc || !free) return GRU_ERR_NULL;
  gru__allocator a = {alloc, free, ctx};
  gru_file *f = gru__calloc(&a, sizeof *f);
  if (!f) return GRU_ERR_NOMEM;
  f->alloc = a;
  *out = f;
  return GRU_OK;
}

static void close_file(gru_file *f) {
  gru__st_free(&f->st, &f->alloc);
  gru__map_close(&f->map);
  f->is_open = false;
}

void gru_file_destroy(gru_file *f) {
  if (!f) return;
  close_file(f);
  gru__allocator a = f->alloc;
  gru__free(&a, f, sizeof *f);
}

/* Parses map's bytes (or data's, with map empty); on success replaces
 * what f had open, on failure leaves it and releases map. */
static gru_status open_over(gru_file *f, gru__map *map, const void *data, size_t size) {
  gru__st st;
  gru_status s = gru__st_parse(&st, data, size, &f->alloc, f->error);
  if (s != GRU_OK) {
    gru__map_close(map);
    return s;
  }
  close_file(f);
  f->st = st;
  f->map = *map;
  f->is_open = true;
  return GRU_OK;
}

gru_status gru_file_open(gru_file *f, const char *path) {
  if (!f) return GRU_ERR_NULL;
  if (!path) return gru__fail(f->error, GRU_ERR_NULL, "path must not be NULL");
  gru__map map;
  gru_status s = gru__map_open(&map, path, f->error);
  return s == GRU_OK ? open_over(f, &map, map.data, map.size) : s;
}

gru_status gru_file_open_memory(gru_file *f, const void *data, size_t size) {
  if (!f) return GRU_ERR_NULL;
  if (!data) return gru__fail(f->error, GRU_ERR_NULL, "data must not be NULL");
  gru__map none = {0};
  return open_over(f, &none, data, size);
}

const char *gru_file_error(const gru_file *f) { return f ? f->error : "NULL gru_file"; }

static gru_status readable(const gru_file *f) {
  if (!f) return GRU_ERR_NULL;
  return f->is_open ? GRU_OK : GRU_ERR_STATE;
}

gru_status gru_file_metadata(const gru_file *f, const char *key, const char **value) {
  gru_status s = readable(f);
  if (s != GRU_OK) return s;
  if (!key || !value) return GRU_ERR_NULL;
  *value = gru__st_meta_get(&f->st, key);
  return GRU_OK;
}

/* A file's two lists of strings, in byte order: its tensors' names, or
 * its metadata keys. */
enum list { TENSORS, KEYS };

static size_t list_size(const gru_file *f, enum list l) {
  return l == KEYS ? f->st.nmeta : f->st.ntensors;
}

static gru_status list_count(const gru_file *f, enum list l, size_t *count) {
  gru_status s = readable(f);
  if (s != GRU_OK) return s;
  if (!count) return GRU_ERR_NULL;
  *count = list_size(f, l);
  return GRU_OK;
}

static gru_status list_item(const gru_file *f, enum list l, size_t index, const char **item) {
  gru_status s = readable(f);
  if (s != GRU_OK) return s;
  if (!item) return GRU_ERR_NULL;
  if (index >= list_size(f, l)) return GRU_ERR_INVALID;
  *item = l == KEYS ? f->st.meta[index].key : f->st.tensors[index].name;
  return GRU_OK;
}

gru_status gru_file_metadata_count(const gru_file *f, size_t *count) {
  return list_count(f, KEYS, count);
}

gru_status gru_file_metadata_key(const gru_file *f, size_t index, const char **key) {
  return list_item(f, KEYS, index, key);
}

gru_status gru_file_tensor_count(const gru_file *f, size_t *count) {
  return list_count(f, TENSORS, count);
}

gru_status gru_file_tensor_name(const gru_file *f, size_t index, const char **name) {
  return list_item(f, TENSORS, index, name);
}

gru_status gru_file_tensor_info(const gru_file *f, const char *name, const char **dtype,
                                size_t *ndim, size_t shape[GRU_FILE_MAX_DIMS]) {
  gru_status s = readable(f);
  if (s != GRU_OK) return s;
  if (!name) return GRU_ERR_NULL;
  const gru__st_tensor *t = gru__st_find(&f->st, name);
  if (!t) return GRU_ERR_NAME;
  if (dtype) *dtype = gru__dtype_name(t->dtype);
  if (ndim) *ndim = t->ndim;
  if (shape) memcpy(shape, t->shape, t->ndim * sizeof *shape);
  return GRU_OK;
}

gru_status gru_file_read_tensor(const gru_file *f, const char *name, float *out, size_t count) {
  gru_status s = readable(f);
  if (s != GRU_OK) return s;
  if (!name || !out) return GRU_ERR_NULL;
  const gru__st_tensor *t = gru__st_find(&f->st, name);
  if (!t) return GRU_ERR_NAME;
  if (!gru__dtype_is_float(t->dtype)) return GRU_ERR_UNSUPPORTED;
  if (count != t->elems) return GRU_ERR_SIZE;
  gru__st_to_float(&f->st, t, 0, t->elems, out);
  return GRU_OK;
}

gru_status gru_builder_load(gru_builder *b, const gru_file *f, const char *prefix) {
  if (!b) return GRU_ERR_NULL;
  if (!f) return gru__fail(b->error, GRU_ERR_NULL, "file must not be NULL");
  if (!f->is_open) return gru__fail(b->error, GRU_ERR_STATE, "the gru_file has nothing open");
  return gru__load(b, &f->st, prefix, &f->map);
}
