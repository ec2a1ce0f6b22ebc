/* gru -- libgru's command line: inspect, run, time and sample GRU models
 * stored as safetensors. One file per subcommand; docs/models.md is the
 * manual. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
    {"info", cli_info, "print a model's shape, conventions, tensors and metadata"},
    {"run", cli_run, "run a model over a sequence: .npy in, .npy out"},
    {"bench", cli_bench, "time loading, whole sequences and single steps"},
    {"generate", cli_generate, "sample text from a character model, one step at a time"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: gru <command> [options] [MODEL]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\nMODEL is a safetensors file: a PyTorch nn.GRU state_dict or a libgru file.\n"
          "Without one, the built-in model is used: a character-level language model of\n"
          "the King James Bible. 'gru <command> --help' describes each command;\n"
          "'gru --version' prints libgru's version.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("gru (libgru) %s\n", gru_version_string());
    return CLI_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "gru: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return CLI_USAGE;
}
