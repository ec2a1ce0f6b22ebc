#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"

enum { WIDTH = 40 };

void progress_start(progress *p, const char *label) {
  *p = (progress){.tty = isatty(STDERR_FILENO) == 1, .start = cli_now(), .label = label};
}

void progress_update(progress *p, size_t done, size_t total) {
  double now = cli_now(), elapsed = now - p->start;
  if (!p->tty || elapsed < 1.0 || now - p->drawn < 0.1 || total == 0) return;
  size_t filled = done * WIDTH / total;
  char bar[WIDTH + 1];
  for (size_t i = 0; i < WIDTH; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[WIDTH] = '\0';
  double eta = done ? elapsed * (double)(total - done) / (double)done : 0.0;
  fprintf(stderr, "\r%s [%s] %3zu%%  %.0f s left ", p->label, bar, done * 100 / total, eta);
  fflush(stderr);
  p->drawn = now;
  p->shown = true;
}

void progress_end(progress *p) {
  if (p->shown) fprintf(stderr, "\r%*s\r", WIDTH + 40, "");
  p->shown = false;
}
