/* A layer as a libgru safetensors file: the header (libgru's metadata,
 * then each tensor of the chosen format in gru_layer_tensor_info's order,
 * F32, packed back to back), padded with spaces so the data starts 8-byte
 * aligned as the reference writer does, then the floats, little-endian. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "fileio.h"
#include "layer.h"
#include "model_meta.h"

/* snprintf at *used into buf (size bytes; NULL to measure), advancing. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
append(char *buf, size_t size, size_t *used, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n =
      vsnprintf(buf && *used < size ? buf + *used : NULL, *used < size ? size - *used : 0, fmt, ap);
  va_end(ap);
  *used += n > 0 ? (size_t)n : 0;
}

/* Writes the header JSON, padded, into buf (if it has room for it and a
 * NUL) and returns its padded length; *data gets the data's length and
 * *largest the most floats of one tensor. */
static size_t header(const gru_layer *l, gru_format format, char *buf, size_t size, size_t *data,
                     size_t *largest) {
  size_t used = 0, count, offset = 0;
  *largest = 0;
  gru_layer_tensor_count(l, format, &count);
  append(buf, size, &used, "{\"__metadata__\":");
  used += gru__meta_write(buf && used < size ? buf + used : NULL, used < size ? size - used : 0,
                          format, &l->weights.shape);
  for (size_t i = 0; i < count; i++) {
    char name[GRU_MAX_NAME];
    size_t ndim, shape[GRU_MAX_DIMS], elems = 1;
    gru_layer_tensor_info(l, format, i, name, sizeof name, &ndim, shape);
    append(buf, size, &used, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[", name);
    for (size_t d = 0; d < ndim; d++) {
      append(buf, size, &used, "%s%zu", d ? "," : "", shape[d]);
      elems *= shape[d];
    }
    append(buf, size, &used, "],\"data_offsets\":[%zu,%zu]}", offset, offset + 4 * elems);
    offset += 4 * elems;
    if (elems > *largest) *largest = elems;
  }
  append(buf, size, &used, "}");
  size_t padded = (used + 7) & ~(size_t)7;
  if (buf && padded < size) memset(buf + used, ' ', padded - used);
  *data = offset;
  return padded;
}

/* The sizes fit: a layer's tensors are in memory already. */
static void put_le64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

/* Host floats to little-endian, in place (nothing to do on x86). */
static void to_le(float *p, size_t n) {
  const uint16_t one = 1;
  unsigned char little;
  memcpy(&little, &one, 1);
  if (little) return;
  for (size_t i = 0; i < n; i++) {
    uint32_t v;
    memcpy(&v, &p[i], 4);
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    memcpy(&p[i], b, 4);
  }
}

/* Writes tensor i of format to out (its floats, little-endian). */
static size_t tensor_at(const gru_layer *l, gru_format format, size_t i, float *out) {
  char name[GRU_MAX_NAME];
  size_t ndim, shape[GRU_MAX_DIMS], elems = 1;
  gru_layer_tensor_info(l, format, i, name, sizeof name, &ndim, shape);
  for (size_t d = 0; d < ndim; d++)
    elems *= shape[d];
  gru_layer_get_tensor(l, format, name, out, elems);
  to_le(out, elems);
  return elems;
}

/* tensor_at() to out, which need not be aligned for float: the floats are
 * written at the aligned address just below (over bytes already written,
 * kept aside and put back) and moved up into place. An aligned out (a
 * malloc'd buffer) takes them in place. */
static size_t tensor_unaligned(const gru_layer *l, gru_format format, size_t i,
                               unsigned char *out) {
  size_t shift = (uintptr_t)out % _Alignof(float);
  if (!shift) return tensor_at(l, format, i, (float *)(void *)out);
  unsigned char kept[sizeof(float)];
  memcpy(kept, out - shift, shift);
  size_t n = tensor_at(l, format, i, (float *)(void *)(out - shift));
  memmove(out, out - shift, n * sizeof(float));
  memcpy(out - shift, kept, shift);
  return n;
}

gru_status gru_layer_save_safetensors(const gru_layer *l, gru_format format, void *buf,
                                      size_t capacity, size_t *size) {
  size_t count, data, largest;
  if (!l || !size) return GRU_ERR_NULL;
  gru_status s = gru_layer_tensor_count(l, format, &count);
  if (s != GRU_OK) return s;
  size_t head = header(l, format, NULL, 0, &data, &largest), need = 8 + head + data;
  if (!buf && capacity) return GRU_ERR_NULL;
  if (buf && capacity < need) return GRU_ERR_BUFFER;
  *size = need;
  if (!buf) return GRU_OK;
  unsigned char *p = buf;
  put_le64(p, head);
  /* The header's NUL lands on the first data byte, written next. */
  header(l, format, (char *)p + 8, head + 1, &data, &largest);
  unsigned char *out = p + 8 + head;
  for (size_t i = 0; i < count; i++)
    out += tensor_unaligned(l, format, i, out) * sizeof(float);
  return GRU_OK;
}

/* Streams the file: the header, then each tensor through one buffer. */
static gru_status write_all(const gru_layer *l, gru_format format, gru__out *o, char *text,
                            size_t head, float *floats, size_t count, char *error) {
  unsigned char len[8];
  size_t data, largest;
  put_le64(len, head);
  header(l, format, text, head + 1, &data, &largest);
  gru_status s = gru__out_write(o, len, 8, error);
  if (s == GRU_OK) s = gru__out_write(o, text, head, error);
  for (size_t i = 0; s == GRU_OK && i < count; i++) {
    size_t n = tensor_at(l, format, i, floats);
    s = gru__out_write(o, floats, n * sizeof(float), error);
  }
  return s;
}

gru_status gru_layer_save_file(const gru_layer *l, gru_format format, const char *path) {
  size_t count, data, largest;
  if (!l || !path) return GRU_ERR_NULL;
  gru_status s = gru_layer_tensor_count(l, format, &count);
  if (s != GRU_OK) return s;
  size_t head = header(l, format, NULL, 0, &data, &largest);
  gru__arena arena = {0};
  if (!gru__arena_reserve(&arena, head + 1, 1) ||
      !gru__arena_reserve(&arena, largest, sizeof(float)))
    return GRU_ERR_SIZE;
  arena.base = gru__alloc(&l->alloc, arena.size);
  if (!arena.base) return GRU_ERR_NOMEM;
  char *text = gru__arena_take(&arena, head + 1, 1);
  float *floats = gru__arena_take(&arena, largest, sizeof(float));
  char error[GRU__ERROR_SIZE]; /* a layer has no message to keep it in */
  gru__out o;
  s = gru__out_open(&o, path, &l->alloc, error);
  if (s == GRU_OK) {
    s = write_all(l, format, &o, text, head, floats, count, error);
    gru_status c = gru__out_close(&o, s == GRU_OK, error);
    if (s == GRU_OK) s = c;
  }
  gru__free(&l->alloc, arena.base, arena.size);
  return s;
}
