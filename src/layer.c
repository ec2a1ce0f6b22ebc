#include "layer.h"

#include <string.h>

#include "cpu.h"
#include "format.h"
#include "fpenv.h"

/* Fills the biases the kernels add (layer.h). */
static void derive_bias(gru_layer *l) {
  const gru__shape *s = &l->weights.shape;
  size_t h = s->hidden;
  for (size_t k = 0; k < s->layers; k++)
    for (size_t d = 0; d < s->dirs; d++) {
      const gru__cell *c = gru__layer_cell(l, k, d);
      float *b = l->bias + (k * s->dirs + d) * 3 * h;
      size_t folded = s->variant == GRU_RESET_AFTER ? 2 * h : 3 * h;
      for (size_t i = 0; i < 3 * h; i++)
        b[i] = i < folded ? c->bx[i] + c->bh[i] : c->bx[i];
    }
}

gru_status gru__layer_create(gru_layer **out, const gru__allocator *alloc, gru__weights *weights,
                             gru_isa isa, gru_products products) {
  const gru__shape *s = &weights->shape;
  size_t cells = s->layers * s->dirs, packed = 0;
  bool pack = products == GRU_PRODUCTS_PACKED;
  gru__arena arena = {0};
  if (!gru__arena_reserve(&arena, 1, sizeof(gru_layer)) ||
      !gru__arena_reserve(&arena, cells * 3 * s->hidden, sizeof(float)) ||
      (pack && (!gru__pack_floats(s, &packed) ||
                !gru__arena_reserve(&arena, cells, sizeof(gru__packed_cell)) ||
                !gru__arena_reserve(&arena, packed, sizeof(float)))))
    return GRU_ERR_SIZE;
  arena.base = gru__calloc(alloc, arena.size);
  if (!arena.base) return GRU_ERR_NOMEM;
  gru_layer *l = gru__arena_take(&arena, 1, sizeof(gru_layer));
  l->bias = gru__arena_take(&arena, cells * 3 * s->hidden, sizeof(float));
  if (pack) {
    l->packed = gru__arena_take(&arena, cells, sizeof(gru__packed_cell));
    gru__pack(weights, gru__arena_take(&arena, packed, sizeof(float)), l->packed);
  }
  l->alloc = *alloc;
  l->weights = *weights;
  l->kernels = gru__kernels_for(isa);
  l->isa = l->kernels->isa; /* scalar if this build lacks the path */
  l->gemm = gru__gemm_for(l->isa);
  l->products = products;
  l->ahead_bytes = gru__cpu_l2_bytes() / 2;
  l->own_bytes = arena.size;
  derive_bias(l);
  *out = l;
  return GRU_OK;
}

size_t gru__layer_bytes(const gru_layer *l) { return l->own_bytes + l->weights.bytes; }

void gru_layer_destroy(gru_layer *l) {
  if (!l) return;
  gru__allocator a = l->alloc;
  gru__weights_free(&l->weights, &a);
  gru__free(&a, l, l->own_bytes);
}

gru_status gru_layer_get(const gru_layer *l, gru_info key, size_t *value) {
  if (!l || !value) return GRU_ERR_NULL;
  const gru__shape *s = &l->weights.shape;
  switch (key) {
    case GRU_INFO_VARIANT: *value = (size_t)s->variant; return GRU_OK;
    case GRU_INFO_DIRECTION: *value = (size_t)s->direction; return GRU_OK;
    case GRU_INFO_NUM_LAYERS: *value = s->layers; return GRU_OK;
    case GRU_INFO_NUM_DIRECTIONS: *value = s->dirs; return GRU_OK;
    case GRU_INFO_INPUT_SIZE: *value = s->input; return GRU_OK;
    case GRU_INFO_HIDDEN_SIZE: *value = s->hidden; return GRU_OK;
    case GRU_INFO_OUTPUT_SIZE: *value = s->output; return GRU_OK;
    case GRU_INFO_STATE_SIZE: *value = s->layers * s->dirs * s->hidden; return GRU_OK;
    case GRU_INFO_ISA: *value = (size_t)l->isa; return GRU_OK;
    case GRU_INFO_PRODUCTS: *value = (size_t)l->products; return GRU_OK;
    case GRU_INFO_BYTES: *value = gru__layer_bytes(l); return GRU_OK;
    case GRU_INFO_MAX_BATCH:
    case GRU_INFO_MAX_STEPS:
    case GRU_INFO_BATCH:
    case GRU_INFO_THREADS:
    case GRU_INFO_SPIN_US: break;
  }
  return GRU_ERR_INVALID;
}

/* The format, if it can describe this layer. */
static gru_status layer_format(const gru_layer *l, gru_format format, const gru__format **f) {
  *f = gru__format_get(format);
  if (!*f) return GRU_ERR_INVALID;
  return gru__format_fits(*f, &l->weights.shape) ? GRU_OK : GRU_ERR_UNSUPPORTED;
}

gru_status gru_layer_tensor_count(const gru_layer *l, gru_format format, size_t *count) {
  if (!l || !count) return GRU_ERR_NULL;
  const gru__format *f;
  gru_status st = layer_format(l, format, &f);
  if (st == GRU_OK) *count = gru__format_count(f, &l->weights.shape);
  return st;
}

gru_status gru_layer_tensor_info(const gru_layer *l, gru_format format, size_t index, char *name,
                                 size_t name_size, size_t *ndim, size_t shape[GRU_MAX_DIMS]) {
  if (!l || !name || !ndim || !shape) return GRU_ERR_NULL;
  const gru__format *f;
  gru_status st = layer_format(l, format, &f);
  if (st != GRU_OK) return st;
  gru__tensor t;
  if (!gru__format_at(f, &l->weights.shape, index, &t)) return GRU_ERR_INVALID;
  if (!gru__format_name(f, &l->weights.shape, &t, name, name_size)) {
    if (name_size) name[0] = '\0';
    return GRU_ERR_BUFFER;
  }
  *ndim = t.kind->shape(&l->weights.shape, t.layer, shape);
  return GRU_OK;
}

gru_status gru_layer_get_tensor(const gru_layer *l, gru_format format, const char *name, float *out,
                                size_t count) {
  if (!l || !name || !out) return GRU_ERR_NULL;
  const gru__format *f;
  gru_status st = layer_format(l, format, &f);
  if (st != GRU_OK) return st;
  gru__tensor t;
  if (!gru__format_parse(f, &l->weights.shape, name, &t)) return GRU_ERR_NAME;
  size_t shape[GRU_MAX_DIMS];
  size_t ndim = t.kind->shape(&l->weights.shape, t.layer, shape);
  if (count != gru__shape_elems(ndim, shape)) return GRU_ERR_SIZE;
  /* With load false the copy only reads the weights; formats with one
   * bias per gate add ours, in the default environment as every run. */
  gru__fpenv env = gru__fpenv_enter();
  size_t width, rows = gru__shape_rows(ndim, shape, &width);
  t.kind->copy((gru__weights *)&l->weights, t.layer, t.dir, out, false, 0, rows);
  gru__fpenv_leave(env);
  return GRU_OK;
}
