/* safetensors_support.h -- safetensors files made by hand for the model
 * tests: a header written with single quotes for readability (turned into
 * JSON's double quotes), then given data bytes. */
#ifndef GRU_TEST_SAFETENSORS_SUPPORT_H
#define GRU_TEST_SAFETENSORS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* A malloc'd file: 8-byte length, the header (every ' becomes "), then
 * data_size bytes of data (copied from data, or a ramp of small floats
 * if data is NULL). *size receives its length. The header length field is
 * the header's length unless length_field is not UINT64_MAX. */
unsigned char *st_file(const char *header, const void *data, size_t data_size,
                       uint64_t length_field, size_t *size);

/* st_file with the true length and ramp data. */
unsigned char *st_simple(const char *header, size_t data_size, size_t *size);

/* A temporary directory for the test (removed with its files by
 * st_tmpdir_remove), and a path in it. */
const char *st_tmpdir(void);
void st_tmpdir_remove(void);
const char *st_tmp_path(const char *name);

/* st_tmpdir_remove as a CMocka group teardown. */
int st_tmpdir_teardown(void **state);

/* Writes size bytes to path; returns 0 on success. */
int st_write(const char *path, const void *data, size_t size);

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
unsigned char *st_read(const char *path, size_t *size);

#endif
