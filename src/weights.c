#include "weights.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* Every BLAS dimension and leading dimension must fit an int. */
static bool fits_int(size_t n) { return n <= (size_t)INT_MAX; }

gru_status gru__shape_init(gru__shape *s, gru_variant variant, gru_direction direction,
                           size_t layers, size_t input, size_t hidden, char *error) {
  if ((unsigned)variant > GRU_RESET_AFTER)
    return gru__fail(error, GRU_ERR_INVALID, "variant %d is not a gru_variant", (int)variant);
  if ((unsigned)direction > GRU_BIDIRECTIONAL_SUM)
    return gru__fail(error, GRU_ERR_INVALID, "direction %d is not a gru_direction", (int)direction);
  if (layers == 0 || input == 0 || hidden == 0)
    return gru__fail(error, GRU_ERR_SIZE, "layers (%zu), input (%zu) and hidden (%zu) must be >= 1",
                     layers, input, hidden);
  size_t dirs = direction >= GRU_BIDIRECTIONAL ? 2 : 1;
  size_t output = direction == GRU_BIDIRECTIONAL ? 2 * hidden : hidden;
  size_t h6, wide, cells, total;
  /* The widest row is H + max(I, output); every product below must fit
   * size_t and every matrix dimension a BLAS int. */
  size_t widest_in = input > output ? input : output;
  if (!gru__mul(hidden, 6, &h6) || !gru__add(hidden, widest_in, &wide) || !fits_int(h6) ||
      !fits_int(wide) || !gru__mul(layers, dirs, &cells) || !gru__mul3(cells, h6, wide, &total) ||
      !gru__mul(total, sizeof(float), &total))
    return gru__fail(error, GRU_ERR_SIZE, "a GRU of %zu layers, input %zu, hidden %zu is too large",
                     layers, input, hidden);
  *s = (gru__shape){variant, direction, layers, dirs, input, hidden, output};
  return GRU_OK;
}

/* Walks the cells, reserving (take = false) or taking their floats. */
static void place_cells(const gru__shape *s, gru__arena *arena, gru__cell *cells, bool take,
                        bool *ok) {
  size_t h3 = 3 * s->hidden;
  for (size_t k = 0; k < s->layers; k++) {
    for (size_t d = 0; d < s->dirs; d++) {
      size_t ld = s->hidden + gru__shape_input(s, k);
      if (!take) {
        *ok = *ok && gru__arena_reserve(arena, h3 * ld, sizeof(float)) &&
              gru__arena_reserve(arena, h3, sizeof(float)) &&
              gru__arena_reserve(arena, h3, sizeof(float));
        continue;
      }
      gru__cell *c = &cells[k * s->dirs + d];
      c->input = gru__shape_input(s, k);
      c->ld = ld;
      c->w = gru__arena_take(arena, h3 * ld, sizeof(float));
      c->bx = gru__arena_take(arena, h3, sizeof(float));
      c->bh = gru__arena_take(arena, h3, sizeof(float));
      c->set = 0;
    }
  }
}

gru_status gru__weights_alloc(gru__weights *w, const gru__shape *s, const gru__allocator *a) {
  gru__arena arena = {0};
  size_t ncells = s->layers * s->dirs;
  bool ok = gru__arena_reserve(&arena, ncells, sizeof(gru__cell));
  place_cells(s, &arena, NULL, false, &ok);
  if (!ok) return GRU_ERR_SIZE;
  arena.base = gru__calloc(a, arena.size);
  if (!arena.base) return GRU_ERR_NOMEM;
  gru__cell *cells = gru__arena_take(&arena, ncells, sizeof(gru__cell));
  place_cells(s, &arena, cells, true, &ok);
  *w = (gru__weights){*s, cells, arena.base, arena.size};
  return GRU_OK;
}

void gru__weights_free(gru__weights *w, const gru__allocator *a) {
  gru__free(a, w->block, w->bytes);
  w->block = NULL;
  w->cells = NULL;
  w->bytes = 0;
}
