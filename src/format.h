/* format.h -- weight formats: their tensor names and shapes, and the
 * conversions between each format and the canonical weights.
 *
 * A format is a list of tensor kinds ("weight_ih", "W", "kernel"). A
 * tensor is a kind at one layer (and one direction, unless the kind holds
 * all directions, as ONNX's do). Names are base, then "_l<k>", then
 * "_reverse" for direction 1. */
#ifndef GRU_FORMAT_H
#define GRU_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "gru.h"
#include "weights.h"

#define GRU__VARIANT_BIT(v) (1u << (v))
#define GRU__BOTH_VARIANTS (GRU__VARIANT_BIT(GRU_RESET_BEFORE) | GRU__VARIANT_BIT(GRU_RESET_AFTER))

typedef struct gru__tensor_kind {
  const char *base;
  bool per_direction; /* false: one tensor holds every direction */
  unsigned variants;  /* GRU__VARIANT_BITs the kind exists in */
  /* Shape of the tensor at layer k; returns ndim. */
  size_t (*shape)(const gru__shape *s, size_t k, size_t shape[GRU_MAX_DIMS]);
  /* Copies rows [row0, row0 + nrows) of the tensor (gru__shape_rows), m
   * pointing at row row0, into the cell(s) of layer k (direction d if
   * per_direction) if load, else from them into m. Every format's rows
   * map to their own elements of the weights, so a tensor can go in
   * slices of rows, in any order: the loader's memory stays bounded. One
   * function for both ways keeps a format's two directions from drifting
   * apart: with load false, w and m's roles swap and w is only read. */
  void (*copy)(gru__weights *w, size_t k, size_t d, float *m, bool load, size_t row0, size_t nrows);
} gru__tensor_kind;

typedef struct gru__format {
  const char *name;         /* for messages: "PyTorch" */
  unsigned variants;        /* variants the format can describe */
  bool always_layer_suffix; /* PyTorch writes "_l0" even for one layer */
  const gru__tensor_kind *kinds;
  size_t nkinds;
} gru__format;

extern const gru__format gru__format_concat;
extern const gru__format gru__format_torch;
extern const gru__format gru__format_onnx;
extern const gru__format gru__format_keras;

/* The format for f, or NULL if f is not a gru_format. */
const gru__format *gru__format_get(gru_format f);

/* True if the format can describe shape s (its variant). */
bool gru__format_fits(const gru__format *f, const gru__shape *s);

/* One tensor of a format: its kind, layer and direction. */
typedef struct gru__tensor {
  const gru__tensor_kind *kind;
  size_t layer;
  size_t dir;
} gru__tensor;

/* Finds the tensor a name denotes for shape s; false if none. */
bool gru__format_parse(const gru__format *f, const gru__shape *s, const char *name, gru__tensor *t);

/* Number of tensors of the format for shape s, and the one at index. */
size_t gru__format_count(const gru__format *f, const gru__shape *s);
bool gru__format_at(const gru__format *f, const gru__shape *s, size_t index, gru__tensor *t);

/* Writes the tensor's name; false if it needs more than size bytes. */
bool gru__format_name(const gru__format *f, const gru__shape *s, const gru__tensor *t, char *buf,
                      size_t size);

/* Number of floats in a shape. */
size_t gru__shape_elems(size_t ndim, const size_t *shape);

/* The rows of a shape, the unit of gru__tensor_kind.copy: rows of its last
 * dimension, *width floats each. A 1-D tensor (a bias) is one row. */
size_t gru__shape_rows(size_t ndim, const size_t *shape, size_t *width);

/* How a format stacks the gates in a matrix: order[g] is our gate g's
 * place among its three, z is negated if negate_z (the z flip), and the
 * matrix is [3H, width] with gates in rows, or [width, 3H] with gates in
 * columns if transposed. */
typedef struct gru__stacking {
  const int *order;
  bool negate_z;
  bool transposed;
} gru__stacking;

/* Copies between rows [row0, row0 + nrows) of a format's stacked-gate
 * matrix (m pointing at row row0) and the part (H or X columns) of a
 * cell's three gates, loading into the cell if load. Loading marks the
 * blocks the rows fall in as set. */
void gru__gates_copy(gru__cell *c, size_t hidden, int part, gru__stacking how, float *m,
                     size_t row0, size_t nrows, bool load);

/* Copies between a format's bias vector src (3H, its gate order) and v
 * (3H, ours), as gru__gates_copy. */
void gru__bias_copy(float *v, size_t hidden, float *m, const int order[3], bool negate_z,
                    bool load);

/* Writes the combined bias bx + bh of one gate to dst (H floats), negated
 * if negate: for formats with a single bias where we keep two. */
void gru__bias_sum(const gru__cell *c, size_t hidden, int gate, float *dst, bool negate);

/* Gate orders: our gate g (r, z, n) sits at order[g] in the format. */
extern const int gru__order_rzn[3]; /* PyTorch, ours */
extern const int gru__order_zrh[3]; /* ONNX, Keras */

#endif
