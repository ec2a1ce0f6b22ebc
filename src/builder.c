#include "builder.h"

#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "format.h"
#include "fpenv.h"
#include "layer.h"

gru_status gru_builder_create(gru_builder **out) {
  gru__allocator a = gru__default_allocator();
  return gru_builder_create_custom(out, a.alloc, a.free, a.ctx);
}

gru_status gru_builder_create_custom(gru_builder **out, gru_alloc_fn alloc, gru_free_fn free,
                                     void *ctx) {
  if (!out) return GRU_ERR_NULL;
  *out = NULL;
  if (!alloc || !free) return GRU_ERR_NULL;
  gru__allocator a = {alloc, free, ctx};
  gru_builder *b = gru__calloc(&a, sizeof *b);
  if (!b) return GRU_ERR_NOMEM;
  b->alloc = a;
  b->isa_cap = GRU_ISA_AVX512;
  *out = b;
  return GRU_OK;
}

void gru_builder_destroy(gru_builder *b) {
  if (!b) return;
  gru__allocator a = b->alloc;
  gru__weights_free(&b->weights, &a);
  gru__free(&a, b, sizeof *b);
}

gru_status gru_builder_set_shape(gru_builder *b, gru_variant variant, gru_direction direction,
                                 size_t num_layers, size_t input_size, size_t hidden_size) {
  if (!b) return GRU_ERR_NULL;
  gru__shape s;
  gru_status st =
      gru__shape_init(&s, variant, direction, num_layers, input_size, hidden_size, b->error);
  if (st != GRU_OK) return st;
  gru__weights w;
  st = gru__weights_alloc(&w, &s, &b->alloc);
  if (st != GRU_OK) return gru__fail(b->error, st, "cannot hold the weights of this shape");
  gru__weights_free(&b->weights, &b->alloc);
  b->weights = w;
  b->shape = s;
  b->has_shape = true;
  return GRU_OK;
}

gru_status gru_builder_set_option(gru_builder *b, gru_option option, size_t value) {
  if (!b) return GRU_ERR_NULL;
  switch (option) {
    case GRU_OPT_ISA:
      if (value > GRU_ISA_AVX512)
        return gru__fail(b->error, GRU_ERR_INVALID, "GRU_OPT_ISA: %zu is not a gru_isa", value);
      b->isa_cap = (gru_isa)value;
      return GRU_OK;
    case GRU_OPT_PRODUCTS:
      if (value > GRU_PRODUCTS_BLAS)
        return gru__fail(b->error, GRU_ERR_INVALID, "GRU_OPT_PRODUCTS: %zu is not a gru_products",
                         value);
      b->products = (gru_products)value;
      return GRU_OK;
    case GRU_OPT_THREADS:
    case GRU_OPT_SPIN_US:
      return gru__fail(b->error, GRU_ERR_INVALID,
                       "%s is a sequence option (gru_sequence_set_option)",
                       option == GRU_OPT_THREADS ? "GRU_OPT_THREADS" : "GRU_OPT_SPIN_US");
  }
  return gru__fail(b->error, GRU_ERR_INVALID, "unknown option %d", (int)option);
}

static void format_dims(char *buf, size_t size, size_t ndim, const size_t *shape) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < ndim && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%zu", i ? ", " : "", shape[i]);
}

static gru_status check_shape(gru_builder *b, const char *name, size_t ndim, const size_t *shape,
                              size_t want_ndim, const size_t *want) {
  bool same = ndim == want_ndim;
  for (size_t i = 0; same && i < ndim; i++)
    same = shape[i] == want[i];
  if (same) return GRU_OK;
  char got[96], expected[96];
  format_dims(got, sizeof got, ndim < 8 ? ndim : 8, shape);
  format_dims(expected, sizeof expected, want_ndim, want);
  return gru__fail(b->error, GRU_ERR_SHAPE, "%s: expected shape [%s], got [%s]%s", name, expected,
                   got, ndim >= 8 ? " (and more)" : "");
}

gru_status gru_builder_set_tensor(gru_builder *b, gru_format format, const char *name,
                                  const float *data, size_t ndim, const size_t *shape) {
  if (!b) return GRU_ERR_NULL;
  if (!name || !data || !shape)
    return gru__fail(b->error, GRU_ERR_NULL, "name, data and shape must not be NULL");
  if (!b->has_shape) return gru__fail(b->error, GRU_ERR_STATE, "set the shape before the tensors");
  const gru__format *f = gru__format_get(format);
  if (!f) return gru__fail(b->error, GRU_ERR_INVALID, "format %d is not a gru_format", (int)format);
  if (!gru__format_fits(f, &b->shape))
    return gru__fail(b->error, GRU_ERR_UNSUPPORTED, "%s weights cannot describe a %s GRU", f->name,
                     b->shape.variant == GRU_RESET_BEFORE ? "reset-before" : "reset-after");
  gru__tensor t;
  if (!gru__format_parse(f, &b->shape, name, &t))
    return gru__fail(
        b->error, GRU_ERR_NAME,
        "'%.64s' is not a tensor of the %s format for this GRU (%zu layer(s), %zu direction(s))",
        name, f->name, b->shape.layers, b->shape.dirs);
  size_t want[GRU_MAX_DIMS];
  size_t want_ndim = t.kind->shape(&b->shape, t.layer, want);
  gru_status st = check_shape(b, name, ndim, shape, want_ndim, want);
  if (st != GRU_OK) return st;
  if (!b->weights.block) {
    st = gru__weights_alloc(&b->weights, &b->shape, &b->alloc);
    if (st != GRU_OK) return gru__fail(b->error, st, "cannot hold the weights");
  }
  size_t width, rows = gru__shape_rows(want_ndim, want, &width);
  gru__builder_set_rows(b, &t, data, 0, rows);
  return GRU_OK;
}

void gru__builder_set_rows(gru_builder *b, const gru__tensor *t, const float *rows, size_t row0,
                           size_t nrows) {
  /* The copy only reads m when loading. */
  t->kind->copy(&b->weights, t->layer, t->dir, (float *)rows, true, row0, nrows);
}

/* Names the first weight block never set, for the GRU_ERR_MISSING message. */
static gru_status check_complete(gru_builder *b) {
  const gru__shape *s = &b->shape;
  static const char *const gates[] = {"r", "z", "n"};
  for (size_t k = 0; k < s->layers; k++)
    for (size_t d = 0; d < s->dirs; d++) {
      const gru__cell *c = gru__weights_cell(&b->weights, k, d);
      for (unsigned bit = 0; bit < 6; bit++)
        if (!(c->set & (1u << bit)))
          return gru__fail(b->error, GRU_ERR_MISSING,
                           "layer %zu%s: the %s weights of gate %s were never set", k,
                           d ? " (reverse)" : "", bit & 1 ? "input" : "recurrent", gates[bit / 2]);
    }
  return GRU_OK;
}

gru_status gru_builder_build(gru_builder *b, gru_layer **out) {
  if (out) *out = NULL;
  if (!b) return GRU_ERR_NULL;
  if (!out) return gru__fail(b->error, GRU_ERR_NULL, "out must not be NULL");
  if (!b->has_shape) return gru__fail(b->error, GRU_ERR_STATE, "no shape set");
  if (!b->weights.block)
    return gru__fail(b->error, GRU_ERR_MISSING, "no weights set since the last build");
  gru_status st = check_complete(b);
  if (st != GRU_OK) return st;
  gru_isa env_cap;
  if (gru__env_isa_cap(&env_cap) != GRU_OK)
    return gru__fail(b->error, GRU_ERR_INVALID, "GRU_ISA must be scalar, avx2 or avx512");
  gru_isa isa = gru__cpu_isa();
  if (isa > b->isa_cap) isa = b->isa_cap;
  if (isa > env_cap) isa = env_cap;
  /* The layer adds biases: in the default environment, as every run. */
  gru__fpenv env = gru__fpenv_enter();
  st = gru__layer_create(out, &b->alloc, &b->weights, isa, b->products);
  gru__fpenv_leave(env);
  if (st != GRU_OK) return gru__fail(b->error, st, "cannot allocate the layer");
  b->weights = (gru__weights){0};
  return GRU_OK;
}

const char *gru_builder_error(const gru_builder *b) { return b ? b->error : "NULL builder"; }
