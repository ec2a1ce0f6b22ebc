/* Loading checks everything the file says before the builder changes:
 * the GRU's description (libgru's metadata, or a PyTorch state_dict's
 * names and shapes), each tensor's name, dtype and shape against it, and
 * that every tensor is there once. Only then are the bookkeeping and the
 * weights allocated and the tensors copied in: in the order of the file,
 * a slice of rows at a time, each slice's pages released once copied, so
 * that beyond the weights loading holds one slice. */
#include "load.h"

#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "error.h"
#include "format.h"
#include "model_meta.h"

typedef struct plan {
  const char *prefix;
  size_t plen;
  gru_format format;
  const gru__format *f;
  gru__shape shape;
  bool described;  /* libgru metadata: every tensor of the format is there */
  size_t nparts;   /* tensors under the prefix */
  size_t nweights; /* PyTorch: of which weight matrices */
  size_t convert;  /* floats of the largest slice not usable in place */
} plan;

/* The bytes of floats a slice of a tensor holds, unless one row is larger:
 * what loading keeps beyond the weights. */
#define SLICE_BYTES ((size_t)1 << 18)

/* Rows of tensor t (gru__shape_rows), *width floats each, and how many of
 * them make a slice. */
static size_t slice_rows(const gru__st_tensor *t, size_t *rows, size_t *width) {
  *rows = gru__shape_rows(t->ndim, t->shape, width);
  size_t n = *width ? SLICE_BYTES / sizeof(float) / *width : *rows;
  return n == 0 ? 1 : n < *rows ? n : *rows;
}

static bool under(const plan *p, const gru__st_tensor *t) {
  return strncmp(t->name, p->prefix, p->plen) == 0;
}

/* The slot of a tensor in the table of every (layer, direction, kind). */
static size_t slot_of(const plan *p, const gru__tensor *w) {
  return (w->layer * p->shape.dirs + w->dir) * p->f->nkinds + (size_t)(w->kind - p->f->kinds);
}

static gru_status not_gru(gru_builder *b, const plan *p, const gru__st_tensor *t) {
  const char *hint = !p->plen && strchr(t->name, '.')
                         ? "; a GRU inside a larger model needs its prefix, such as \"rnn.\""
                         : "";
  return gru__fail(b->error, GRU_ERR_NAME, "'%.64s' is not a tensor of %s %s GRU%s", t->name,
                   p->described ? "this" : "a PyTorch", p->f->name, hint);
}

static bool is_torch_weight(const gru__tensor *w) {
  return strncmp(w->kind->base, "weight", 6) == 0;
}

/* A PyTorch state_dict: the names give the layers and directions,
 * weight_ih_l0 [3H, I] and weight_hh_l0 [3H, H] the sizes. */
static gru_status infer_torch(gru_builder *b, const gru__st *st, plan *p) {
  const gru__shape any = {GRU_RESET_AFTER, GRU_BIDIRECTIONAL, SIZE_MAX, 2, 1, 1, 2};
  const gru__st_tensor *ih = NULL, *hh = NULL;
  size_t last_layer = 0;
  bool reverse = false;
  p->format = GRU_FORMAT_TORCH;
  p->f = &gru__format_torch;
  for (size_t i = 0; i < st->ntensors; i++) {
    const gru__st_tensor *t = &st->tensors[i];
    gru__tensor w;
    if (!under(p, t)) continue;
    if (!gru__format_parse(p->f, &any, t->name + p->plen, &w)) return not_gru(b, p, t);
    if (w.layer > last_layer) last_layer = w.layer;
    reverse |= w.dir == 1;
    if (w.layer == 0 && w.dir == 0 && !strcmp(w.kind->base, "weight_ih")) ih = t;
    if (w.layer == 0 && w.dir == 0 && !strcmp(w.kind->base, "weight_hh")) hh = t;
  }
  if (!hh || !ih)
    return gru__fail(b->error, GRU_ERR_MISSING,
                     "no '%.64s%s' (nn.GRU's weight_ih_l0 and weight_hh_l0 give its sizes)",
                     p->prefix, hh ? "weight_ih_l0" : "weight_hh_l0");
  if (hh->ndim != 2 || hh->shape[1] > SIZE_MAX / 3 || hh->shape[0] != 3 * hh->shape[1])
    return gru__fail(b->error, GRU_ERR_SHAPE, "'%.64s' must have shape [3H, H]", hh->name);
  if (ih->ndim != 2 || ih->shape[0] != hh->shape[0])
    return gru__fail(b->error, GRU_ERR_SHAPE, "'%.64s' must have shape [3H, I], with H = %zu",
                     ih->name, hh->shape[1]);
  return gru__shape_init(&p->shape, GRU_RESET_AFTER, reverse ? GRU_BIDIRECTIONAL : GRU_FORWARD,
                         last_layer + 1, ih->shape[1], hh->shape[1], b->error);
}

/* Each tensor under the prefix: a tensor of the format for the shape, a
 * float dtype, the shape the format gives it. */
static gru_status check_parts(gru_builder *b, const gru__st *st, plan *p) {
  for (size_t i = 0; i < st->ntensors; i++) {
    const gru__st_tensor *t = &st->tensors[i];
    gru__tensor w;
    if (!under(p, t)) continue;
    if (!gru__format_parse(p->f, &p->shape, t->name + p->plen, &w)) return not_gru(b, p, t);
    if (!gru__dtype_is_float(t->dtype))
      return gru__fail(b->error, GRU_ERR_UNSUPPORTED,
                       "'%.64s' is %s; GRU tensors must be F32, F16 or BF16", t->name,
                       gru__dtype_name(t->dtype));
    size_t want[GRU_MAX_DIMS];
    size_t ndim = w.kind->shape(&p->shape, w.layer, want);
    bool same = ndim == t->ndim;
    for (size_t d = 0; same && d < ndim; d++)
      same = want[d] == t->shape[d];
    if (!same)
      return gru__fail(b->error, GRU_ERR_SHAPE, "'%.64s' does not have the shape %s", t->name,
                       p->described ? "the metadata gives it" : "the other tensors give it");
    p->nparts++;
    p->nweights += !p->described && is_torch_weight(&w);
    size_t rows, width, slice = slice_rows(t, &rows, &width) * width;
    if (!gru__st_is_host_f32(st, t) && slice > p->convert) p->convert = slice;
  }
  return GRU_OK;
}

/* Bounds the table of slots before it is allocated: a libgru file holds
 * every tensor of its format, a PyTorch one both weights of every layer
 * and direction. */
static gru_status check_counts(gru_builder *b, const plan *p) {
  const gru__shape *s = &p->shape;
  if (p->described) {
    size_t want = gru__format_count(p->f, s);
    if (p->nparts == want) return GRU_OK;
    return gru__fail(b->error, p->nparts < want ? GRU_ERR_MISSING : GRU_ERR_NAME,
                     "a libgru file of %zu layer(s) x %zu direction(s) in format '%s' holds %zu "
                     "tensors; this one has %zu under '%.64s'",
                     s->layers, s->dirs, p->f->name, want, p->nparts, p->prefix);
  }
  if (p->nweights / 2 / s->dirs >= s->layers) return GRU_OK;
  return gru__fail(b->error, GRU_ERR_MISSING,
                   "the names go up to layer %zu, but there are only %zu weight matrices for "
                   "its %zu x %zu (layers x directions) x 2",
                   s->layers - 1, p->nweights, s->layers, s->dirs);
}

/* Gives each tensor its slot; two names for one tensor ("weight_ih" and
 * "weight_ih_l0") are refused. */
static gru_status fill_slots(gru_builder *b, const gru__st *st, const plan *p,
                             const gru__st_tensor **slots) {
  for (size_t i = 0; i < st->ntensors; i++) {
    const gru__st_tensor *t = &st->tensors[i];
    gru__tensor w;
    if (!under(p, t) || !gru__format_parse(p->f, &p->shape, t->name + p->plen, &w)) continue;
    const gru__st_tensor **slot = &slots[slot_of(p, &w)];
    if (*slot)
      return gru__fail(b->error, GRU_ERR_NAME, "'%.64s' and '%.64s' name the same tensor",
                       (*slot)->name, t->name);
    *slot = t;
  }
  return GRU_OK;
}

/* Every weight matrix must be there; biases all or none (PyTorch's
 * bias=True or bias=False: a file with some is damaged). */
static gru_status check_complete(gru_builder *b, const plan *p, const gru__st_tensor **slots) {
  bool biases = p->described || p->nparts > p->nweights;
  size_t n = gru__format_count(p->f, &p->shape);
  for (size_t i = 0; i < n; i++) {
    gru__tensor w;
    gru__format_at(p->f, &p->shape, i, &w);
    if (slots[slot_of(p, &w)] || (!p->described && !is_torch_weight(&w) && !biases)) continue;
    char name[GRU_MAX_NAME];
    gru__format_name(p->f, &p->shape, &w, name, sizeof name);
    return gru__fail(b->error, GRU_ERR_MISSING, "no '%.64s%s'%s", p->prefix, name,
                     p->described || is_torch_weight(&w) ? "" : " (other biases are there)");
  }
  return GRU_OK;
}

/* The tensors in the order of their bytes in the file; the empty slots
 * (a PyTorch GRU without biases) last. */
static int by_offset(const void *a, const void *b) {
  const gru__st_tensor *x = *(const gru__st_tensor *const *)a;
  const gru__st_tensor *y = *(const gru__st_tensor *const *)b;
  if (!x || !y) return !x - !y;
  return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Sets every tensor of tensors (in file order, n at most, up to the first
 * empty slot) a slice at a time, each through buf unless usable in place,
 * and drops each slice's pages of map once copied: in file order, every
 * byte before the next slice is done with. Each tensor was checked, so
 * none can fail. */
static void copy_in(gru_builder *b, const gru__st *st, const plan *p,
                    const gru__st_tensor *const *tensors, size_t n, float *buf,
                    const gru__map *map) {
  bool mapped = map && map->data;
  size_t base = mapped ? (size_t)(st->data - map->data) : 0; /* of the data in the file */
  size_t end = mapped ? map->size : 0;
  for (size_t i = 0; i < n && tensors[i]; i++) {
    const gru__st_tensor *t = tensors[i];
    gru__tensor w;
    gru__format_parse(p->f, &p->shape, t->name + p->plen, &w);
    size_t rows, width, step = slice_rows(t, &rows, &width);
    size_t bytes_per_row = width * gru__dtype_size(t->dtype);
    size_t after = i + 1 < n && tensors[i + 1] ? base + tensors[i + 1]->begin : end;
    bool in_place = gru__st_is_host_f32(st, t);
    for (size_t r = 0; r < rows; r += step) {
      size_t count = step < rows - r ? step : rows - r;
      const float *data = buf;
      if (in_place)
        data = (const float *)(const void *)(st->data + t->begin) + r * width;
      else
        gru__st_to_float(st, t, r * width, count * width, buf);
      gru__builder_set_rows(b, &w, data, r, count);
      if (!mapped) continue;
      size_t from = base + t->begin + r * bytes_per_row, to = from + count * bytes_per_row;
      gru__map_release(map, from, to, r + count < rows ? to : after);
    }
  }
}

static gru_status describe(gru_builder *b, const gru__st *st, const char *prefix, plan *p) {
  gru_status s = gru__meta_read(st, &p->described, &p->format, &p->shape, b->error);
  if (s != GRU_OK) return s;
  if (!prefix) prefix = gru__st_meta_get(st, "libgru.prefix");
  p->prefix = prefix ? prefix : "";
  p->plen = strlen(p->prefix);
  size_t i = 0;
  while (i < st->ntensors && !under(p, &st->tensors[i]))
    i++;
  if (i == st->ntensors)
    return gru__fail(b->error, GRU_ERR_NAME, "no tensor name starts with '%.64s'", p->prefix);
  if (!p->described) return infer_torch(b, st, p);
  p->f = gru__format_get(p->format);
  return GRU_OK;
}

gru_status gru__load(gru_builder *b, const gru__st *st, const char *prefix, const gru__map *map) {
  plan p = {0};
  gru_status s = describe(b, st, prefix, &p);
  if (s == GRU_OK) s = check_parts(b, st, &p);
  if (s == GRU_OK) s = check_counts(b, &p);
  if (s != GRU_OK) return s;
  size_t nslots;
  gru__arena arena = {0};
  if (!gru__mul3(p.shape.layers, p.shape.dirs, p.f->nkinds, &nslots) ||
      !gru__arena_reserve(&arena, nslots, sizeof(gru__st_tensor *)) ||
      !gru__arena_reserve(&arena, p.convert, sizeof(float)))
    return gru__fail(b->error, GRU_ERR_SIZE, "too many tensors");
  arena.base = gru__calloc(&b->alloc, arena.size);
  if (!arena.base) return gru__fail(b->error, GRU_ERR_NOMEM, "out of memory to load the file");
  const gru__st_tensor **slots = gru__arena_take(&arena, nslots, sizeof(gru__st_tensor *));
  float *buf = gru__arena_take(&arena, p.convert, sizeof(float));
  s = fill_slots(b, st, &p, slots);
  if (s == GRU_OK) s = check_complete(b, &p, slots);
  /* The first change to the builder: all or nothing from here. */
  if (s == GRU_OK)
    s = gru_builder_set_shape(b, p.shape.variant, p.shape.direction, p.shape.layers, p.shape.input,
                              p.shape.hidden);
  if (s == GRU_OK) {
    qsort(slots, nslots, sizeof *slots, by_offset);
    copy_in(b, st, &p, slots, nslots, buf, map);
  }
  gru__free(&b->alloc, arena.base, arena.size);
  return s;
}

gru_status gru_builder_load_safetensors(gru_builder *b, const void *data, size_t size,
                                        const char *prefix) {
  if (!b) return GRU_ERR_NULL;
  if (!data) return gru__fail(b->error, GRU_ERR_NULL, "data must not be NULL");
  gru__st st;
  gru_status s = gru__st_parse(&st, data, size, &b->alloc, b->error);
  if (s != GRU_OK) return s;
  s = gru__load(b, &st, prefix, NULL);
  gru__st_free(&st, &b->alloc);
  return s;
}

gru_status gru_builder_load_file(gru_builder *b, const char *path, const char *prefix) {
  if (!b) return GRU_ERR_NULL;
  if (!path) return gru__fail(b->error, GRU_ERR_NULL, "path must not be NULL");
  gru__map map;
  gru_status s = gru__map_open(&map, path, b->error);
  if (s != GRU_OK) return s;
  gru__st st;
  s = gru__st_parse(&st, map.data, map.size, &b->alloc, b->error);
  if (s == GRU_OK) {
    s = gru__load(b, &st, prefix, &map);
    gru__st_free(&st, &b->alloc);
  }
  gru__map_close(&map);
  return s;
}
