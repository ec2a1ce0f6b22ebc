/* gru_sequence_run and gru_sequence_step: argument checks, then the
 * forward pass. Everything is checked before anything is written. The
 * forward pass runs in the default floating-point environment and the
 * caller's is restored after it (fpenv.h). */
#include <limits.h>
#include <string.h>

#include "forward.h"
#include "fpenv.h"

/* Checks a row stride (0 means dense) and that the last row it reaches is
 * addressable; fills *rows. */
static gru_status check_rows(gru_sequence *q, const char *what, float *base, size_t stride,
                             size_t width, size_t steps, size_t batch, bool batch_major,
                             gru__rows *rows) {
  if (stride == 0) stride = width;
  size_t last;
  if (stride < width || stride > (size_t)INT_MAX || !gru__mul3(steps, batch, stride, &last))
    return gru__fail(q->error, GRU_ERR_SIZE, "%s: stride %zu for rows of %zu floats", what, stride,
                     width);
  *rows = batch_major ? (gru__rows){base, stride, 1, steps} : (gru__rows){base, stride, batch, 1};
  return GRU_OK;
}

static gru_status check_run(gru_sequence *q, size_t steps, size_t batch, const size_t *lengths,
                            uint32_t flags) {
  if (steps == 0 || batch == 0)
    return gru__fail(q->error, GRU_ERR_SIZE, "steps (%zu) and batch (%zu) must be >= 1", steps,
                     batch);
  if (batch > q->max_batch || steps > q->max_steps)
    return gru__fail(q->error, GRU_ERR_CAPACITY,
                     "steps %zu x batch %zu exceed the sequence's %zu x %zu", steps, batch,
                     q->max_steps, q->max_batch);
  const uint32_t known = GRU_BATCH_MAJOR | GRU_SPLIT_DIRECTIONS;
  if (flags & ~known)
    return gru__fail(q->error, GRU_ERR_INVALID, "unknown flags 0x%x", (unsigned)(flags & ~known));
  bool split = flags & GRU_SPLIT_DIRECTIONS;
  if (split &&
      ((flags & GRU_BATCH_MAJOR) || q->layer->weights.shape.direction == GRU_BIDIRECTIONAL_SUM))
    return gru__fail(q->error, GRU_ERR_INVALID,
                     "GRU_SPLIT_DIRECTIONS is ONNX's time-major Y [T, D, B, H]: "
                     "not with GRU_BATCH_MAJOR or summed directions");
  for (size_t b = 0; lengths && b < batch; b++)
    if (lengths[b] > steps)
      return gru__fail(q->error, GRU_ERR_INVALID, "lengths[%zu] = %zu > steps %zu", b, lengths[b],
                       steps);
  return GRU_OK;
}

gru_status gru_sequence_run(gru_sequence *q, size_t steps, size_t batch, const float *x,
                            size_t x_stride, float *y, size_t y_stride, const size_t *lengths,
                            uint32_t flags) {
  if (!q) return GRU_ERR_NULL;
  if (!x) return gru__fail(q->error, GRU_ERR_NULL, "x must not be NULL");
  gru_status st = check_run(q, steps, batch, lengths, flags);
  const gru__shape *s = &q->layer->weights.shape;
  bool bm = flags & GRU_BATCH_MAJOR;
  gru__rows xr, yr = {0};
  if (st == GRU_OK) st = check_rows(q, "x", (float *)x, x_stride, s->input, steps, batch, bm, &xr);
  bool split = flags & GRU_SPLIT_DIRECTIONS;
  if (st == GRU_OK && y)
    st = check_rows(q, "y", y, y_stride, split ? s->hidden : s->output,
                    steps * (split ? s->dirs : 1), batch, bm, &yr);
  if (st != GRU_OK) return st;
  gru__fpenv env = gru__fpenv_enter();
  gru__forward(q, steps, batch, &xr, &yr, lengths, split);
  gru__fpenv_leave(env);
  q->batch = batch;
  return GRU_OK;
}

/* Restarts the flagged rows from h_init ([L, batch, H]) or zero. */
static void restart_rows(gru_sequence *q, size_t batch, const unsigned char *reset,
                         const float *h_init) {
  size_t h = q->layer->weights.shape.hidden;
  for (size_t k = 0; k < q->layer->weights.shape.layers; k++)
    for (size_t b = 0; b < batch; b++) {
      if (!reset[b]) continue;
      float *row = gru__state_row(q, k, b);
      if (h_init)
        memcpy(row, h_init + (k * batch + b) * h, h * sizeof(float));
      else
        memset(row, 0, h * sizeof(float));
    }
}

gru_status gru_sequence_step(gru_sequence *q, size_t batch, const float *x, size_t x_stride,
                             float *y, size_t y_stride, const unsigned char *reset,
                             const float *h_init, size_t h_init_count) {
  if (!q) return GRU_ERR_NULL;
  if (!x) return gru__fail(q->error, GRU_ERR_NULL, "x must not be NULL");
  const gru__shape *s = &q->layer->weights.shape;
  if (s->direction != GRU_FORWARD)
    return gru__fail(
        q->error, GRU_ERR_UNSUPPORTED,
        "only a forward layer can be stepped: a reverse pass needs the whole sequence");
  gru_status st = check_run(q, 1, batch, NULL, 0);
  gru__rows xr, yr = {0};
  if (st == GRU_OK) st = check_rows(q, "x", (float *)x, x_stride, s->input, 1, batch, false, &xr);
  if (st == GRU_OK && y) st = check_rows(q, "y", y, y_stride, s->output, 1, batch, false, &yr);
  size_t want = s->layers * batch * s->hidden;
  if (st == GRU_OK && reset && h_init && h_init_count != want)
    st = gru__fail(q->error, GRU_ERR_SIZE, "h_init of %zu rows is %zu floats, not %zu", batch, want,
                   h_init_count);
  if (st != GRU_OK) return st;
  gru__fpenv env = gru__fpenv_enter();
  if (reset) restart_rows(q, batch, reset, h_init);
  gru__forward(q, 1, batch, &xr, &yr, NULL, false);
  gru__fpenv_leave(env);
  q->batch = batch;
  return GRU_OK;
}
