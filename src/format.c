#include "format.h"

#include <stdio.h>
#include <string.h>

const gru__format *gru__format_get(gru_format f) {
  switch (f) {
    case GRU_FORMAT_CONCAT: return &gru__format_concat;
    case GRU_FORMAT_TORCH: return &gru__format_torch;
    case GRU_FORMAT_ONNX: return &gru__format_onnx;
    case GRU_FORMAT_KERAS: return &gru__format_keras;
  }
  return NULL;
}

bool gru__format_fits(const gru__format *f, const gru__shape *s) {
  return (f->variants & GRU__VARIANT_BIT(s->variant)) != 0;
}

static bool kind_fits(const gru__tensor_kind *kind, const gru__shape *s) {
  return (kind->variants & GRU__VARIANT_BIT(s->variant)) != 0;
}

static size_t kind_dirs(const gru__tensor_kind *kind, const gru__shape *s) {
  return kind->per_direction ? s->dirs : 1;
}

/* Parses a decimal without sign or leading zeros; advances *p. */
static bool parse_index(const char **p, size_t *out) {
  const char *q = *p;
  if (*q < '0' || *q > '9' || (q[0] == '0' && q[1] >= '0' && q[1] <= '9')) return false;
  size_t v = 0;
  for (; *q >= '0' && *q <= '9'; q++) {
    if (v > (SIZE_MAX - 9) / 10) return false;
    v = v * 10 + (size_t)(*q - '0');
  }
  *p = q;
  *out = v;
  return true;
}

/* Parses the suffix after a kind's base: [_l<k>][_reverse]. */
static bool parse_suffix(const char *p, const gru__tensor_kind *kind, const gru__shape *s,
                         size_t *layer, size_t *dir) {
  *layer = 0;
  *dir = 0;
  if (strncmp(p, "_l", 2) == 0 && p[2] >= '0' && p[2] <= '9') {
    p += 2;
    if (!parse_index(&p, layer)) return false;
  }
  if (strcmp(p, "_reverse") == 0 && kind->per_direction && s->dirs == 2) {
    *dir = 1;
    p += strlen("_reverse");
  }
  return *p == '\0' && *layer < s->layers;
}

bool gru__format_parse(const gru__format *f, const gru__shape *s, const char *name,
                       gru__tensor *t) {
  for (size_t i = 0; i < f->nkinds; i++) {
    const gru__tensor_kind *kind = &f->kinds[i];
    size_t n = strlen(kind->base);
    if (!kind_fits(kind, s) || strncmp(name, kind->base, n) != 0) continue;
    if (parse_suffix(name + n, kind, s, &t->layer, &t->dir)) {
      t->kind = kind;
      return true;
    }
  }
  return false;
}

/* Tensors per layer: each fitting kind, once per direction it carries. */
static size_t per_layer(const gru__format *f, const gru__shape *s) {
  size_t n = 0;
  for (size_t i = 0; i < f->nkinds; i++)
    if (kind_fits(&f->kinds[i], s)) n += kind_dirs(&f->kinds[i], s);
  return n;
}

size_t gru__format_count(const gru__format *f, const gru__shape *s) {
  return s->layers * per_layer(f, s);
}

/* Order: layer, then direction, then kind; kinds holding every direction
 * (ONNX) come once per layer, with direction 0. */
bool gru__format_at(const gru__format *f, const gru__shape *s, size_t index, gru__tensor *t) {
  size_t n = per_layer(f, s);
  if (n == 0 || index >= s->layers * n) return false;
  t->layer = index / n;
  size_t rest = index % n;
  for (size_t d = 0; d < s->dirs; d++) {
    for (size_t i = 0; i < f->nkinds; i++) {
      const gru__tensor_kind *kind = &f->kinds[i];
      if (!kind_fits(kind, s) || (!kind->per_direction && d > 0)) continue;
      if (rest-- == 0) {
        t->kind = kind;
        t->dir = d;
        return true;
      }
    }
  }
  return false;
}

bool gru__format_name(const gru__format *f, const gru__shape *s, const gru__tensor *t, char *buf,
                      size_t size) {
  char layer[32] = "";
  if (f->always_layer_suffix || s->layers > 1) snprintf(layer, sizeof layer, "_l%zu", t->layer);
  int n = snprintf(buf, size, "%s%s%s", t->kind->base, layer, t->dir == 1 ? "_reverse" : "");
  return n >= 0 && (size_t)n < size;
}

size_t gru__shape_elems(size_t ndim, const size_t *shape) {
  size_t n = 1;
  for (size_t i = 0; i < ndim; i++)
    n *= shape[i];
  return n;
}

size_t gru__shape_rows(size_t ndim, const size_t *shape, size_t *width) {
  *width = ndim ? shape[ndim - 1] : 1;
  return ndim ? gru__shape_elems(ndim - 1, shape) : 1;
}

const int gru__order_rzn[3] = {0, 1, 2};
const int gru__order_zrh[3] = {1, 0, 2};

static float flip(float v, bool negate) { return negate ? -v : v; }

/* dst = src, negated if negate, n floats. */
static void copy_flip(float *dst, const float *src, size_t n, bool negate) {
  if (!negate) {
    memcpy(dst, src, n * sizeof *dst);
    return;
  }
  for (size_t j = 0; j < n; j++)
    dst[j] = -src[j];
}

/* Our gate at place slot of a format's order. */
static int gate_at(const int order[3], size_t slot) {
  int g = 0;
  while (g < 2 && (size_t)order[g] != slot)
    g++;
  return g;
}

/* Gates in columns: row j of m is column j of the part, across all 3H
 * rows of the cell. A transpose, done in blocks of m's rows so that the
 * cache lines of m a block reads stay in cache while the cell is written
 * (or read) along its own rows. */
static void gates_copy_columns(gru__cell *c, size_t hidden, size_t col0, gru__stacking how,
                               float *m, size_t row0, size_t nrows, bool load) {
  enum { BLOCK = 32 };
  for (size_t j0 = 0; j0 < nrows; j0 += BLOCK) {
    size_t nj = nrows - j0 < BLOCK ? nrows - j0 : BLOCK;
    for (int g = 0; g < 3; g++) {
      bool neg = how.negate_z && g == GRU__GATE_Z;
      float *w = c->w + (size_t)g * hidden * c->ld + col0 + row0 + j0;
      float *mg = m + j0 * 3 * hidden + (size_t)how.order[g] * hidden;
      for (size_t i = 0; i < hidden; i++)
        for (size_t j = 0; j < nj; j++) {
          float *e = &mg[j * 3 * hidden + i];
          if (load)
            w[i * c->ld + j] = flip(*e, neg);
          else
            *e = flip(w[i * c->ld + j], neg);
        }
    }
  }
}

void gru__gates_copy(gru__cell *c, size_t hidden, int part, gru__stacking how, float *m,
                     size_t row0, size_t nrows, bool load) {
  size_t width = part == GRU__PART_H ? hidden : c->input;
  size_t col0 = part == GRU__PART_H ? 0 : hidden;
  if (nrows == 0) return;
  if (how.transposed) {
    gates_copy_columns(c, hidden, col0, how, m, row0, nrows, load);
    if (load) c->set |= 0x15u << part; /* bit 2g + part of every gate g */
    return;
  }
  for (size_t r = row0; r < row0 + nrows; r++, m += width) {
    int g = gate_at(how.order, r / hidden);
    float *w = c->w + ((size_t)g * hidden + r % hidden) * c->ld + col0;
    bool neg = how.negate_z && g == GRU__GATE_Z;
    copy_flip(load ? w : m, load ? m : w, width, neg);
    if (load) c->set |= 1u << (2 * g + part);
  }
}

void gru__bias_copy(float *v, size_t hidden, float *m, const int order[3], bool negate_z,
                    bool load) {
  for (int g = 0; g < 3; g++) {
    bool neg = negate_z && g == GRU__GATE_Z;
    float *x = m + (size_t)order[g] * hidden;
    float *y = v + (size_t)g * hidden;
    for (size_t i = 0; i < hidden; i++) {
      if (load)
        y[i] = flip(x[i], neg);
      else
        x[i] = flip(y[i], neg);
    }
  }
}

void gru__bias_sum(const gru__cell *c, size_t hidden, int gate, float *dst, bool negate) {
  const float *x = c->bx + (size_t)gate * hidden;
  const float *h = c->bh + (size_t)gate * hidden;
  /* x + 0 is x except for -0; skipping it keeps a round trip exact. */
  for (size_t i = 0; i < hidden; i++)
    dst[i] = flip(h[i] == 0.0f ? x[i] : x[i] + h[i], negate);
}
