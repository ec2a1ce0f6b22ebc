#include "model_meta.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "format.h"

/* Each weight format's name in files, and the conventions it implies:
 * written for whoever reads the file, checked when libgru reads it. */
static const struct {
  gru_format format;
  const char *name, *gate_order, *z;
} formats[] = {
    {GRU_FORMAT_CONCAT, "concat", "r,z,h", "candidate"},
    {GRU_FORMAT_TORCH, "torch", "r,z,n", "old_state"},
    {GRU_FORMAT_ONNX, "onnx", "z,r,h", "old_state"},
    {GRU_FORMAT_KERAS, "keras", "z,r,h", "old_state"},
};
enum { NFORMATS = sizeof formats / sizeof formats[0] };

/* Indexed by gru_variant and gru_direction. */
static const char *const variants[] = {"reset_before", "reset_after"};
static const char *const directions[] = {"forward", "reverse", "bidirectional",
                                         "bidirectional_sum"};

static int format_index(gru_format f) {
  for (int i = 0; i < NFORMATS; i++)
    if (formats[i].format == f) return i;
  return -1;
}

static gru_status get(const gru__st *st, const char *key, const char **value, char *error) {
  *value = gru__st_meta_get(st, key);
  if (*value) return GRU_OK;
  return gru__fail(error, GRU_ERR_FORMAT, "a libgru file needs the metadata key '%s'", key);
}

/* The index of value in names, or a GRU_ERR_FORMAT naming the choices. */
static gru_status choose(const gru__st *st, const char *key, const char *const *names, int n,
                         int *index, char *error) {
  const char *v;
  gru_status s = get(st, key, &v, error);
  if (s != GRU_OK) return s;
  for (*index = 0; *index < n; (*index)++)
    if (strcmp(v, names[*index]) == 0) return GRU_OK;
  char list[128] = "";
  for (int i = 0; i < n; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
  return gru__fail(error, GRU_ERR_FORMAT, "%s is '%.32s', not one of %s", key, v, list);
}

/* A decimal without sign or leading zeros that fits size_t. */
static gru_status size_value(const gru__st *st, const char *key, size_t *out, char *error) {
  const char *v;
  gru_status s = get(st, key, &v, error);
  if (s != GRU_OK) return s;
  size_t n = 0;
  const char *p = v;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (n > (SIZE_MAX - (size_t)(*p - '0')) / 10) break;
    n = n * 10 + (size_t)(*p - '0');
  }
  if (p == v || *p || (v[0] == '0' && v[1]))
    return gru__fail(error, GRU_ERR_FORMAT, "%s is '%.32s', not a size", key, v);
  *out = n;
  return GRU_OK;
}

/* The stated gate order and z convention must be the format's. */
static gru_status check_convention(const gru__st *st, const char *key, const char *want,
                                   const char *format, char *error) {
  const char *v;
  gru_status s = get(st, key, &v, error);
  if (s == GRU_OK && strcmp(v, want) != 0)
    s = gru__fail(error, GRU_ERR_FORMAT, "%s is '%.32s', but format '%s' has '%s'", key, v, format,
                  want);
  return s;
}

gru_status gru__meta_read(const gru__st *st, bool *described, gru_format *format, gru__shape *shape,
                          char *error) {
  const char *version = gru__st_meta_get(st, "libgru.version");
  *described = version != NULL;
  if (!version) return GRU_OK;
  if (strcmp(version, GRU__META_VERSION) != 0)
    return gru__fail(error, GRU_ERR_UNSUPPORTED,
                     "libgru file version '%.32s': this libgru reads version " GRU__META_VERSION,
                     version);
  const char *names[NFORMATS];
  for (int i = 0; i < NFORMATS; i++)
    names[i] = formats[i].name;
  int f, variant, direction;
  size_t layers, input, hidden;
  gru_status s = choose(st, "libgru.format", names, NFORMATS, &f, error);
  if (s == GRU_OK) s = choose(st, "libgru.variant", variants, 2, &variant, error);
  if (s == GRU_OK) s = choose(st, "libgru.direction", directions, 4, &direction, error);
  if (s == GRU_OK) s = size_value(st, "libgru.num_layers", &layers, error);
  if (s == GRU_OK) s = size_value(st, "libgru.input_size", &input, error);
  if (s == GRU_OK) s = size_value(st, "libgru.hidden_size", &hidden, error);
  if (s == GRU_OK)
    s = check_convention(st, "libgru.gate_order", formats[f].gate_order, formats[f].name, error);
  if (s == GRU_OK) s = check_convention(st, "libgru.z", formats[f].z, formats[f].name, error);
  if (s == GRU_OK)
    s = gru__shape_init(shape, (gru_variant)variant, (gru_direction)direction, layers, input,
                        hidden, error);
  if (s != GRU_OK) return s;
  *format = formats[f].format;
  if (!gru__format_fits(gru__format_get(*format), shape))
    return gru__fail(error, GRU_ERR_UNSUPPORTED, "format '%s' cannot hold a %s GRU",
                     formats[f].name, variants[variant]);
  return GRU_OK;
}

size_t gru__meta_write(char *buf, size_t size, gru_format format, const gru__shape *s) {
  int f = format_index(format);
  int n = snprintf(buf, size,
                   "{\"libgru.version\":\"" GRU__META_VERSION
                   "\",\"libgru.format\":\"%s\","
                   "\"libgru.variant\":\"%s\",\"libgru.direction\":\"%s\","
                   "\"libgru.num_layers\":\"%zu\",\"libgru.input_size\":\"%zu\","
                   "\"libgru.hidden_size\":\"%zu\",\"libgru.gate_order\":\"%s\","
                   "\"libgru.z\":\"%s\"}",
                   formats[f].name, variants[s->variant], directions[s->direction], s->layers,
                   s->input, s->hidden, formats[f].gate_order, formats[f].z);
  return n < 0 ? 0 : (size_t)n;
}
