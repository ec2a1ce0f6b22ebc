/* golden.c -- reader of the golden-data files (format in golden.h). */
#define _POSIX_C_SOURCE 200809L

#include "golden.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__GNUC__)
#define GOLDEN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GOLDEN_PRINTF(f, a)
#endif

/* One load in progress: where we are, and the tensor being filled. */
typedef struct parser {
  golden *g;
  const char *path;
  unsigned long line;
  golden_tensor *open; /* tensor still taking values, or NULL */
  size_t filled;       /* values it has so far */
  int ended;           /* "end" seen */
} parser;

static void set_error(golden *g, const char *fmt, ...) GOLDEN_PRINTF(2, 3);
static void set_error(golden *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g->error, sizeof g->error, fmt, ap);
  va_end(ap);
}

/* Records "path:line: message" and returns -1. */
static int fail(parser *p, const char *fmt, ...) GOLDEN_PRINTF(2, 3);
static int fail(parser *p, const char *fmt, ...) {
  char msg[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  set_error(p->g, "%s:%lu: %s", p->path, p->line, msg);
  return -1;
}

/* Returns the next space- or tab-separated word at *cursor, NUL-terminated
 * in place, and advances *cursor past it; NULL at the end of the line. */
static char *next_word(char **cursor) {
  char *s = *cursor;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '\0') {
    *cursor = s;
    return NULL;
  }
  char *word = s;
  while (*s != '\0' && *s != ' ' && *s != '\t')
    s++;
  if (*s != '\0') *s++ = '\0';
  *cursor = s;
  return word;
}

/* Parses a plain decimal integer (digits only) up to limit. */
static int parse_size(const char *word, size_t limit, size_t *out) {
  size_t v = 0;
  if (*word == '\0') return -1;
  for (const char *s = word; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') return -1;
    size_t digit = (size_t)(*s - '0');
    if (digit > limit || v > (limit - digit) / 10) return -1;
    v = v * 10 + digit;
  }
  *out = v;
  return 0;
}

static int parse_float(const char *word, float *out) {
  char *end;
  errno = 0;
  float v = strtof(word, &end);
  if (end == word || *end != '\0' || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

static int valid_name(const char *word) {
  size_t n = strlen(word);
  if (n == 0 || n >= GOLDEN_MAX_NAME) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = word[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return 0;
  }
  return 1;
}

static int parse_meta(parser *p, char *rest) {
  golden *g = p->g;
  char *key = next_word(&rest);
  char *value = next_word(&rest);
  if (key == NULL || value == NULL || next_word(&rest) != NULL)
    return fail(p, "expected \"meta <key> <value>\"");
  if (!valid_name(key)) return fail(p, "bad meta key \"%s\"", key);
  if (strlen(value) >= GOLDEN_MAX_VALUE)
    return fail(p, "meta %s: value longer than %d", key, GOLDEN_MAX_VALUE - 1);
  if (golden_meta(g, key) != NULL) return fail(p, "meta %s given twice", key);
  if (g->num_meta == GOLDEN_MAX_META) return fail(p, "more than %d meta entries", GOLDEN_MAX_META);
  golden_meta_entry *m = &g->meta[g->num_meta++];
  memcpy(m->key, key, strlen(key) + 1);
  memcpy(m->value, value, strlen(value) + 1);
  return 0;
}

static int parse_tensor(parser *p, char *rest) {
  golden *g = p->g;
  char *name = next_word(&rest);
  char *word = next_word(&rest);
  size_t ndim, shape[GOLDEN_MAX_DIMS], count = 1;
  if (name == NULL || word == NULL) return fail(p, "expected \"tensor <name> <ndim> <dims...>\"");
  if (!valid_name(name)) return fail(p, "bad tensor name \"%s\"", name);
  if (golden_find(g, name) != NULL) return fail(p, "tensor %s given twice", name);
  if (parse_size(word, GOLDEN_MAX_DIMS, &ndim) != 0 || ndim == 0)
    return fail(p, "tensor %s: ndim \"%s\" not in 1..%d", name, word, GOLDEN_MAX_DIMS);
  for (size_t i = 0; i < ndim; i++) {
    word = next_word(&rest);
    if (word == NULL) return fail(p, "tensor %s: %zu dims given, ndim is %zu", name, i, ndim);
    if (parse_size(word, GOLDEN_MAX_COUNT, &shape[i]) != 0 || shape[i] == 0)
      return fail(p, "tensor %s: dim %zu \"%s\" not in 1..%d", name, i, word, GOLDEN_MAX_COUNT);
    if (count > GOLDEN_MAX_COUNT / shape[i])
      return fail(p, "tensor %s: more than %d values", name, GOLDEN_MAX_COUNT);
    count *= shape[i];
  }
  if (next_word(&rest) != NULL) return fail(p, "tensor %s: more dims than ndim %zu", name, ndim);
  if (g->num_tensors == GOLDEN_MAX_TENSORS)
    return fail(p, "more than %d tensors", GOLDEN_MAX_TENSORS);
  float *data = malloc(count * sizeof *data);
  if (data == NULL) return fail(p, "tensor %s: out of memory", name);
  golden_tensor *t = &g->tensors[g->num_tensors++];
  memcpy(t->name, name, strlen(name) + 1);
  t->ndim = ndim;
  memcpy(t->shape, shape, ndim * sizeof shape[0]);
  t->count = count;
  t->data = data;
  p->open = t;
  p->filled = 0;
  return 0;
}

/* A line of values for the open tensor. */
static int parse_values(parser *p, char *rest) {
  golden_tensor *t = p->open;
  for (char *word; (word = next_word(&rest)) != NULL;) {
    if (p->filled == t->count) return fail(p, "tensor %s: more than %zu values", t->name, t->count);
    if (parse_float(word, &t->data[p->filled]) != 0)
      return fail(p, "tensor %s: value %zu \"%.40s\" is not a finite number", t->name, p->filled,
                  word);
    p->filled++;
  }
  if (p->filled == t->count) p->open = NULL;
  return 0;
}

static int parse_line(parser *p, char *line) {
  for (const char *s = line; *s != '\0'; s++)
    if ((unsigned char)*s < 0x20 && *s != '\t')
      return fail(p, "control character 0x%02x", (unsigned)(unsigned char)*s);
  char *rest = line;
  while (*rest == ' ' || *rest == '\t')
    rest++;
  if (*rest == '\0' || *rest == '#') return 0;
  if (p->ended) return fail(p, "text after \"end\"");
  if (p->open != NULL) {
    char c = *rest;
    int numeric = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
    if (!numeric)
      return fail(p, "tensor %s: %zu values, shape needs %zu", p->open->name, p->filled,
                  p->open->count);
    return parse_values(p, rest);
  }
  char *word = next_word(&rest);
  if (strcmp(word, "meta") == 0) return parse_meta(p, rest);
  if (strcmp(word, "tensor") == 0) return parse_tensor(p, rest);
  if (strcmp(word, "end") == 0) {
    if (next_word(&rest) != NULL) return fail(p, "text after \"end\"");
    p->ended = 1;
    return 0;
  }
  return fail(p, "unknown line \"%.40s\"", word);
}

/* Reads one line into buf; 1 if read, 0 at end of file, -1 on error. */
static int read_line(parser *p, FILE *f, char *buf, size_t size) {
  if (fgets(buf, (int)size, f) == NULL) return ferror(f) ? fail(p, "read error") : 0;
  p->line++;
  size_t n = strlen(buf);
  if (n > 0 && buf[n - 1] == '\n') {
    buf[--n] = '\0';
  } else if (!feof(f)) {
    return fail(p, "line longer than %d characters", GOLDEN_MAX_LINE - 2);
  }
  if (n > 0 && buf[n - 1] == '\r') buf[--n] = '\0';
  if (n != strlen(buf)) return fail(p, "NUL byte in line");
  return 1;
}

static int check_header(parser *p, char *line) {
  char *rest = line;
  char *magic = next_word(&rest);
  char *version = next_word(&rest);
  size_t v;
  if (magic == NULL || strcmp(magic, "libgru-golden") != 0 || version == NULL ||
      next_word(&rest) != NULL)
    return fail(p, "not a golden file (want \"libgru-golden %d\")", GOLDEN_VERSION);
  if (parse_size(version, 1000, &v) != 0 || v != GOLDEN_VERSION)
    return fail(p, "format version \"%s\", this reader knows %d", version, GOLDEN_VERSION);
  return 0;
}

static int parse_file(parser *p, FILE *f) {
  char buf[GOLDEN_MAX_LINE];
  int r = read_line(p, f, buf, sizeof buf);
  if (r <= 0) return r < 0 ? -1 : fail(p, "empty file");
  if (check_header(p, buf) != 0) return -1;
  while ((r = read_line(p, f, buf, sizeof buf)) == 1)
    if (parse_line(p, buf) != 0) return -1;
  if (r < 0) return -1;
  if (p->open != NULL)
    return fail(p, "end of file in tensor %s (%zu of %zu values)", p->open->name, p->filled,
                p->open->count);
  if (!p->ended) return fail(p, "no \"end\" line: truncated file?");
  return 0;
}

int golden_load(const char *path, golden *g) {
  memset(g, 0, sizeof *g);
  parser p = {g, path, 0, NULL, 0, 0};
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    set_error(g, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  int r = parse_file(&p, f);
  fclose(f);
  if (r != 0) {
    char error[sizeof g->error];
    memcpy(error, g->error, sizeof error);
    golden_free(g);
    memcpy(g->error, error, sizeof error);
  }
  return r;
}

void golden_free(golden *g) {
  for (size_t i = 0; i < g->num_tensors && i < GOLDEN_MAX_TENSORS; i++)
    free(g->tensors[i].data);
  memset(g, 0, sizeof *g);
}

const golden_tensor *golden_find(const golden *g, const char *name) {
  for (size_t i = 0; i < g->num_tensors; i++)
    if (strcmp(g->tensors[i].name, name) == 0) return &g->tensors[i];
  return NULL;
}

const char *golden_meta(const golden *g, const char *key) {
  for (size_t i = 0; i < g->num_meta; i++)
    if (strcmp(g->meta[i].key, key) == 0) return g->meta[i].value;
  return NULL;
}

int golden_meta_size(golden *g, const char *key, size_t *out) {
  const char *value = golden_meta(g, key);
  if (value == NULL) {
    set_error(g, "meta %s: missing", key);
    return -1;
  }
  if (parse_size(value, SIZE_MAX, out) != 0) {
    set_error(g, "meta %s: \"%s\" is not a non-negative integer", key, value);
    return -1;
  }
  return 0;
}

int golden_tensor_sizes(const golden_tensor *t, size_t *out, size_t out_count) {
  if (out_count != t->count) return -1;
  for (size_t i = 0; i < t->count; i++) {
    float v = t->data[i];
    if (!(v >= 0.0f && v <= 16777216.0f) || v != floorf(v)) return -1;
    out[i] = (size_t)v;
  }
  return 0;
}

int golden_shape_is(const golden_tensor *t, size_t ndim, const size_t *shape) {
  if (t->ndim != ndim) return 0;
  for (size_t i = 0; i < ndim; i++)
    if (t->shape[i] != shape[i]) return 0;
  return 1;
}

static int compare_paths(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Appends "dir/name" to *paths if it names a regular file. */
static int add_path(const char *dir, const char *name, char ***paths, size_t *count, size_t *cap) {
  size_t len = strlen(dir) + 1 + strlen(name) + 1;
  char *path = malloc(len);
  struct stat st;
  if (path == NULL) return -1;
  snprintf(path, len, "%s/%s", dir, name);
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
    free(path);
    return 0;
  }
  if (*count == *cap) {
    size_t new_cap = *cap ? 2 * *cap : 16;
    char **grown = realloc(*paths, new_cap * sizeof *grown);
    if (grown == NULL) {
      free(path);
      return -1;
    }
    *paths = grown;
    *cap = new_cap;
  }
  (*paths)[(*count)++] = path;
  return 0;
}

int golden_list(const char *dir, const char *suffix, char ***paths, size_t *count) {
  DIR *d = opendir(dir);
  char **list = NULL;
  size_t n = 0, cap = 0;
  *paths = NULL;
  *count = 0;
  if (d == NULL) return -1;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix)) continue;
    if (add_path(dir, e->d_name, &list, &n, &cap) != 0) {
      closedir(d);
      golden_list_free(list, n);
      return -1;
    }
  }
  closedir(d);
  if (n > 1) qsort(list, n, sizeof *list, compare_paths);
  *paths = list;
  *count = n;
  return 0;
}

void golden_list_free(char **paths, size_t count) {
  if (paths == NULL) return;
  for (size_t i = 0; i < count; i++)
    free(paths[i]);
  free(paths);
}
