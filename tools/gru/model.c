/* Opening the model a subcommand runs: a file (mapped by libgru) or the
 * built-in one (read from the tool's own memory), and its GRU built. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "cli.h"

size_t cli_layer_get(const gru_layer *layer, gru_info key) {
  size_t v = 0;
  gru_layer_get(layer, key, &v);
  return v;
}

double cli_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int open_file(cli_model *m, const char *cmd, const char *path) {
  gru_status st;
  if (gru_file_create(&m->file) != GRU_OK) return cli_fail(cmd, CLI_FAILURE, "out of memory");
  if (path) {
    m->name = path;
    st = gru_file_open(m->file, path);
  } else {
    size_t size;
    const unsigned char *bytes = cli_builtin_model(&size);
    m->name = "(built-in)";
    st = gru_file_open_memory(m->file, bytes, size);
  }
  if (st == GRU_OK) return CLI_OK;
  return cli_fail(cmd, st == GRU_ERR_NOMEM ? CLI_FAILURE : CLI_INPUT, "%s: %s", m->name,
                  gru_file_error(m->file));
}

int cli_model_open(cli_model *m, const char *cmd, const char *path, const char *prefix) {
  *m = (cli_model){0};
  int status = open_file(m, cmd, path);
  if (status != CLI_OK) {
    cli_model_close(m);
    return status;
  }
  gru_builder *b;
  if (gru_builder_create(&b) != GRU_OK) {
    cli_model_close(m);
    return cli_fail(cmd, CLI_FAILURE, "out of memory");
  }
  gru_status st = gru_builder_load(b, m->file, prefix);
  if (st == GRU_OK) st = gru_builder_build(b, &m->layer);
  if (st != GRU_OK) {
    status = cli_fail(cmd, st == GRU_ERR_NOMEM ? CLI_FAILURE : CLI_INPUT, "%s: %s", m->name,
                      gru_builder_error(b));
    cli_model_close(m);
  }
  gru_builder_destroy(b);
  return status;
}

void cli_model_close(cli_model *m) {
  gru_layer_destroy(m->layer);
  gru_file_destroy(m->file);
  *m = (cli_model){0};
}
