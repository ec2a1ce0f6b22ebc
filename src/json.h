/* json.h -- a small, strict JSON reader for safetensors headers.
 *
 * Why our own: a safetensors header is one JSON object of a fixed shape
 * (objects of strings, integers and arrays of integers, at most three
 * levels deep), read from untrusted files. A general JSON library would
 * build a tree we then walk, accept more than the format allows (floats,
 * deep nesting, duplicate keys) and add a dependency to every user of
 * libgru. This reader pulls exactly the values the caller asks for, in
 * order, without recursion or allocation, and rejects anything else with a
 * message naming the byte offset.
 *
 * Strictness: RFC 8259 grammar; strings must be valid UTF-8, escapes must
 * be valid and surrogates paired; "\u0000" is refused (names and values
 * become C strings); numbers are read as non-negative integers that fit
 * 64 bits (a fraction, an exponent or a sign is refused). */
#ifndef GRU_JSON_H
#define GRU_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gru__json {
  const unsigned char *begin, *p, *end;
  char *error; /* GRU__ERROR_SIZE bytes: the message of the first failure */
} gru__json;

void gru__json_init(gru__json *j, const void *text, size_t size, char *error);

/* Skips whitespace, then consumes c. False, with a message saying what was
 * expected (what), if the next byte is not c. */
bool gru__json_expect(gru__json *j, char c, const char *what);

/* Iterates the items of an object or array whose opening bracket was
 * consumed: true if another item follows (after consuming its ',' unless
 * it is the first), false at the closing bracket close (consumed) or on an
 * error (*ok set false, with a message). *first starts true. */
bool gru__json_next(gru__json *j, char close, bool *first, bool *ok);

/* Reads a string. *len receives its decoded length in bytes; if out is
 * not NULL it receives the decoded bytes and a NUL (len + 1 bytes). */
bool gru__json_string(gru__json *j, char *out, size_t *len);

/* Reads a non-negative integer. */
bool gru__json_uint(gru__json *j, uint64_t *value);

/* True if only whitespace is left. */
bool gru__json_at_end(gru__json *j);

/* The byte offset of the next unread byte, for messages. */
size_t gru__json_offset(const gru__json *j);

#endif
