/* cli.h -- what the gru tool's subcommands share: exit statuses,
 * messages, option parsing, and opening the model they run. Each
 * subcommand is one file (cli_<name>.c); docs/models.md is the manual. */
#ifndef GRU_TOOL_CLI_H
#define GRU_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gru.h>

/* Exit statuses, the same for every subcommand. */
enum {
  CLI_OK = 0,
  CLI_INPUT = 1,  /* a model or .npy file missing, malformed, or not fitting the model */
  CLI_USAGE = 2,  /* the command line: unknown option, missing or malformed value */
  CLI_FAILURE = 3 /* writing an output, or the library failing (out of memory) */
};

/* Prints "gru <cmd>: <message>" and a newline to stderr; returns status. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int cli_fail(const char *cmd, int status, const char *fmt, ...);

/* An option of a subcommand: --name VALUE or --name=VALUE (a flag takes
 * no value). value points at a bool, const char *, size_t, double or
 * uint64_t as kind says. */
typedef enum { OPT_FLAG, OPT_STRING, OPT_SIZE, OPT_DOUBLE, OPT_U64 } cli_opt_kind;
typedef struct cli_opt {
  const char *name;
  cli_opt_kind kind;
  void *value;
  bool seen;
} cli_opt;

/* Parses argv[1 ..] (argv[0] names the subcommand) into opts (ended by a
 * NULL name) and the optional MODEL argument (*model stays NULL without
 * one). -h or --help prints help to stdout and returns CLI_HELP; a bad
 * command line prints why and returns CLI_USAGE. */
enum { CLI_HELP = -1 };
int cli_parse(int argc, char **argv, cli_opt *opts, const char *help, const char **model);

/* A model: the file and the GRU under its prefix, built. */
typedef struct cli_model {
  gru_file *file;
  gru_layer *layer;
  const char *name; /* the path, or "(built-in)" */
} cli_model;

/* Opens path (NULL: the built-in character model) and builds its GRU.
 * Returns CLI_OK or prints why and returns the exit status. */
int cli_model_open(cli_model *m, const char *cmd, const char *path, const char *prefix);
void cli_model_close(cli_model *m);

/* A property of the model's layer. */
size_t cli_layer_get(const gru_layer *layer, gru_info key);

/* models/charlm.safetensors, compiled into the tool. */
const unsigned char *cli_builtin_model(size_t *size);

/* Monotonic seconds. */
double cli_now(void);

int cli_info(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_generate(int argc, char **argv);

#endif
