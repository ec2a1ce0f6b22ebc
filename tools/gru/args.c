/* Option parsing for every subcommand: strict, so a typo is an error
 * rather than a default silently used. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(const char *cmd, int status, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "gru %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return status;
}

/* Digits only: strtoull alone would take "-1", " 7" and "0x10". */
static bool parse_u64(const char *s, uint64_t *out) {
  if (!*s || strspn(s, "0123456789") != strlen(s)) return false;
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno) return false;
  *out = v;
  return true;
}

static int set_value(const char *cmd, cli_opt *o, const char *v) {
  uint64_t u;
  char *end;
  switch (o->kind) {
    case OPT_FLAG: *(bool *)o->value = true; return CLI_OK;
    case OPT_STRING: *(const char **)o->value = v; return CLI_OK;
    case OPT_U64:
      if (!parse_u64(v, &u)) break;
      *(uint64_t *)o->value = u;
      return CLI_OK;
    case OPT_SIZE:
      if (!parse_u64(v, &u) || u == 0 || u > SIZE_MAX) break;
      *(size_t *)o->value = (size_t)u;
      return CLI_OK;
    case OPT_DOUBLE: {
      double d = strtod(v, &end);
      if (!*v || *end || !isfinite(d) || d < 0) break;
      *(double *)o->value = d;
      return CLI_OK;
    }
  }
  static const char *const what[] = {"", "", "a size of at least 1", "a number >= 0",
                                     "an integer >= 0"};
  return cli_fail(cmd, CLI_USAGE, "--%s: '%s' is not %s", o->name, v, what[o->kind]);
}

/* Handles argv[*i], an option; may take argv[*i + 1] as its value. */
static int option(int argc, char **argv, int *i, cli_opt *opts) {
  const char *cmd = argv[0], *arg = argv[*i] + 2, *eq = strchr(arg, '=');
  size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
  cli_opt *o = opts;
  while (o->name && (strlen(o->name) != len || strncmp(o->name, arg, len) != 0))
    o++;
  if (!o->name)
    return cli_fail(cmd, CLI_USAGE, "unknown option '%s' (see gru %s --help)", argv[*i], cmd);
  if (o->seen) return cli_fail(cmd, CLI_USAGE, "--%s is given twice", o->name);
  o->seen = true;
  if (o->kind == OPT_FLAG) {
    if (eq) return cli_fail(cmd, CLI_USAGE, "--%s takes no value", o->name);
    return set_value(cmd, o, NULL);
  }
  const char *v = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
  if (!v) return cli_fail(cmd, CLI_USAGE, "--%s needs a value", o->name);
  return set_value(cmd, o, v);
}

int cli_parse(int argc, char **argv, cli_opt *opts, const char *help, const char **model) {
  bool only_positional = false, want_help = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int st = CLI_OK;
    if (!only_positional && (!strcmp(a, "-h") || !strcmp(a, "--help")))
      want_help = true;
    else if (!only_positional && !strcmp(a, "--"))
      only_positional = true;
    else if (!only_positional && a[0] == '-' && a[1] == '-')
      st = option(argc, argv, &i, opts);
    else if (!only_positional && a[0] == '-' && a[1])
      st = cli_fail(argv[0], CLI_USAGE, "unknown option '%s' (see gru %s --help)", a, argv[0]);
    else if (*model)
      st = cli_fail(argv[0], CLI_USAGE, "unexpected argument '%s' (see gru %s --help)", a, argv[0]);
    else
      *model = a;
    if (st != CLI_OK) return st;
  }
  if (!want_help) return CLI_OK;
  fputs(help, stdout);
  return CLI_HELP;
}
