#include "json.h"

#include "error.h"

void gru__json_init(gru__json *j, const void *text, size_t size, char *error) {
  j->begin = j->p = text;
  j->end = j->begin + size;
  j->error = error;
}

size_t gru__json_offset(const gru__json *j) { return (size_t)(j->p - j->begin); }

static bool fail(gru__json *j, const char *msg) {
  gru__fail(j->error, GRU_ERR_FORMAT, "header byte %zu: %s", gru__json_offset(j), msg);
  return false;
}

static void skip_ws(gru__json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

bool gru__json_expect(gru__json *j, char c, const char *what) {
  skip_ws(j);
  if (j->p < j->end && *j->p == (unsigned char)c) {
    j->p++;
    return true;
  }
  if (j->p == j->end)
    gru__fail(j->error, GRU_ERR_FORMAT, "header byte %zu: expected %s, found the end of the header",
              gru__json_offset(j), what);
  else
    gru__fail(j->error, GRU_ERR_FORMAT, "header byte %zu: expected %s, found byte 0x%02x",
              gru__json_offset(j), what, *j->p);
  return false;
}

bool gru__json_next(gru__json *j, char close, bool *first, bool *ok) {
  skip_ws(j);
  if (j->p < j->end && *j->p == (unsigned char)close) {
    j->p++;
    return false;
  }
  if (!*first && !gru__json_expect(j, ',', close == '}' ? "',' or '}'" : "',' or ']'")) {
    *ok = false;
    return false;
  }
  *first = false;
  return true;
}

static int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads the 4 hex digits after "\u" at p; -1 if they are not there. */
static long hex4(const gru__json *j, const unsigned char *p) {
  if (j->end - p < 4) return -1;
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hex_digit(p[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Decodes the escape at j->p (the backslash) into a code point. */
static bool escape(gru__json *j, unsigned long *cp) {
  static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
  if (j->end - j->p < 2) return fail(j, "unterminated escape");
  unsigned char c = j->p[1];
  for (const char *s = simple; *s; s += 2)
    if (c == (unsigned char)s[0]) {
      *cp = (unsigned char)s[1];
      j->p += 2;
      return true;
    }
  if (c != 'u') return fail(j, "unknown escape");
  long hi = hex4(j, j->p + 2);
  if (hi < 0) return fail(j, "\\u needs four hex digits");
  j->p += 6;
  if (hi >= 0xDC00 && hi <= 0xDFFF) return fail(j, "unpaired low surrogate");
  if (hi >= 0xD800 && hi <= 0xDBFF) {
    long lo = j->end - j->p >= 2 && j->p[0] == '\\' && j->p[1] == 'u' ? hex4(j, j->p + 2) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF) return fail(j, "unpaired high surrogate");
    j->p += 6;
    *cp = 0x10000ul + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
    return true;
  }
  if (hi == 0) return fail(j, "\\u0000 is not allowed (names and values are C strings)");
  *cp = (unsigned long)hi;
  return true;
}

/* Length of the well-formed UTF-8 sequence at j->p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_length(const gru__json *j) {
  const unsigned char *p = j->p;
  size_t left = (size_t)(j->end - p), n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (p[0] >= 0xC2 && p[0] <= 0xDF)
    n = 2;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF)
    n = 3;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4)
    n = 4;
  else
    return 0;
  if (p[0] == 0xE0) lo = 0xA0;
  if (p[0] == 0xED) hi = 0x9F;
  if (p[0] == 0xF0) lo = 0x90;
  if (p[0] == 0xF4) hi = 0x8F;
  if (left < n || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

static size_t put_utf8(unsigned long cp, unsigned char *out) {
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (unsigned char)(0xE0 | (cp >> 12));
    out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (unsigned char)(0xF0 | (cp >> 18));
  out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Copies n bytes to out + *len (if out) and counts them. */
static void emit(char *out, size_t *len, const unsigned char *bytes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (out) out[*len + i] = (char)bytes[i];
  *len += n;
}

bool gru__json_string(gru__json *j, char *out, size_t *len) {
  if (!gru__json_expect(j, '"', "a string")) return false;
  *len = 0;
  for (;;) {
    if (j->p == j->end) return fail(j, "unterminated string");
    unsigned char c = *j->p, buf[4];
    if (c == '"') break;
    if (c == '\\') {
      unsigned long cp;
      if (!escape(j, &cp)) return false;
      emit(out, len, buf, put_utf8(cp, buf));
    } else if (c < 0x20) {
      return fail(j, "control character in a string (JSON requires an escape)");
    } else {
      size_t n = c < 0x80 ? 1 : utf8_length(j);
      if (n == 0) return fail(j, "invalid UTF-8 in a string");
      emit(out, len, j->p, n);
      j->p += n;
    }
  }
  j->p++;
  if (out) out[*len] = '\0';
  return true;
}

bool gru__json_uint(gru__json *j, uint64_t *value) {
  skip_ws(j);
  if (j->p < j->end && *j->p == '-') return fail(j, "expected a non-negative integer, found '-'");
  if (j->p == j->end || *j->p < '0' || *j->p > '9') return fail(j, "expected an integer");
  if (*j->p == '0' && j->end - j->p > 1 && j->p[1] >= '0' && j->p[1] <= '9')
    return fail(j, "a number with a leading zero is not JSON");
  uint64_t v = 0;
  for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++) {
    uint64_t d = (uint64_t)(*j->p - '0');
    if (v > (UINT64_MAX - d) / 10) return fail(j, "integer does not fit in 64 bits");
    v = v * 10 + d;
  }
  if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
    return fail(j, "expected an integer, found a fraction or an exponent");
  *value = v;
  return true;
}

bool gru__json_at_end(gru__json *j) {
  skip_ws(j);
  return j->p == j->end;
}
